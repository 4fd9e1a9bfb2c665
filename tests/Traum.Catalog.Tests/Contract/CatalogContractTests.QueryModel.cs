using Traum.Core;
using static Traum.Catalog.Tests.CatalogFixtures;

namespace Traum.Catalog.Tests.Contract;

/// <summary>Random stems and random queries: the catalog must return exactly what a plain LINQ filter over the same data returns.</summary>
public abstract partial class CatalogContractTests
{
    private sealed record Row(long Id, string Kind, string Category, StemOrigin Origin, double Duration, string[] Tags, double? Bpm, string? Key, string? Mode, bool OneShot, bool HasDescriptors);

    [Fact]
    public void ListStems_RandomQueries_MatchLinqOverTheSameRows()
    {
        var store = _store;
        var rng = new Random(1234);
        string[] kinds = ["drums", "bass", "other", "vocals"];
        string[] cats = ["kick", "snare", "808", "pad", "lead"];
        string[] tonics = ["C", "A", "F#"];
        string[] tagPool = ["dark", "warm", "punchy", "lofi"];
        var rows = new List<Row>();
        for (var i = 0; i < 120; i++)
        {
            var kind = kinds[rng.Next(kinds.Length)];
            var cat = cats[rng.Next(cats.Length)];
            var origin = (StemOrigin)rng.Next(3);
            var dur = Math.Round(rng.NextDouble() * 20, 2);
            var tags = tagPool.Where(_ => rng.NextDouble() < 0.3).ToArray();
            var s = store.AddStem(Stem(i, kind, cat, origin, dur, tags));
            var has = rng.NextDouble() < 0.8;
            double? bpm = has && rng.NextDouble() < 0.7 ? 80 + rng.Next(0, 100) : null;
            string? key = has && rng.NextDouble() < 0.7 ? tonics[rng.Next(tonics.Length)] : null;
            string? mode = key is null ? null : rng.NextDouble() < 0.5 ? "minor" : "major";
            var oneShot = rng.NextDouble() < 0.5;
            if (has) store.SetDescriptors(s.Id, Descriptors(bpm, key, mode, oneShot));
            rows.Add(new Row(s.Id, kind, cat, origin, dur, tags, bpm, key, mode, oneShot, has));
        }

        for (var q = 0; q < 200; q++)
        {
            var query = new StemQuery
            {
                Kind = rng.NextDouble() < 0.3 ? kinds[rng.Next(kinds.Length)] : null,
                Category = rng.NextDouble() < 0.2 ? cats[rng.Next(cats.Length)] : null,
                Origin = rng.NextDouble() < 0.2 ? (StemOrigin)rng.Next(3) : null,
                MinBpm = rng.NextDouble() < 0.3 ? 80 + rng.Next(0, 100) : null,
                MaxBpm = rng.NextDouble() < 0.3 ? 80 + rng.Next(0, 100) : null,
                Key = rng.NextDouble() < 0.2 ? new MusicalKey(tonics[rng.Next(tonics.Length)], rng.NextDouble() < 0.5 ? "minor" : "major") : null,
                MinDuration = rng.NextDouble() < 0.3 ? rng.NextDouble() * 20 : null,
                MaxDuration = rng.NextDouble() < 0.3 ? rng.NextDouble() * 20 : null,
                Tag = rng.NextDouble() < 0.3 ? tagPool[rng.Next(tagPool.Length)].ToUpperInvariant() : null,
                IsOneShot = rng.NextDouble() < 0.2 ? rng.NextDouble() < 0.5 : null,
                Sort = rng.NextDouble() < 0.5 ? StemSort.Duration : StemSort.Id,
                Descending = rng.NextDouble() < 0.5,
            };
            var expected = rows.Where(r =>
                    (query.Kind is null || r.Kind == query.Kind)
                    && (query.Category is null || r.Category == query.Category)
                    && (query.Origin is null || r.Origin == query.Origin)
                    && (query.MinBpm is null || (r.Bpm is { } b0 && b0 >= query.MinBpm))
                    && (query.MaxBpm is null || (r.Bpm is { } b1 && b1 <= query.MaxBpm))
                    && (query.Key is null || (r.Key == query.Key.Tonic && r.Mode == query.Key.Mode))
                    && (query.MinDuration is null || r.Duration >= query.MinDuration)
                    && (query.MaxDuration is null || r.Duration <= query.MaxDuration)
                    && (query.Tag is null || r.Tags.Contains(query.Tag, StringComparer.OrdinalIgnoreCase))
                    && (query.IsOneShot is null || (r.HasDescriptors && r.OneShot == query.IsOneShot)))
                .ToList();
            IEnumerable<Row> ordered = query.Sort == StemSort.Duration
                ? (query.Descending ? expected.OrderByDescending(r => r.Duration).ThenByDescending(r => r.Id) : expected.OrderBy(r => r.Duration).ThenBy(r => r.Id))
                : (query.Descending ? expected.OrderByDescending(r => r.Id) : expected.OrderBy(r => r.Id));
            var actual = store.ListStems(query).Select(s => s.Id).ToList();
            Assert.Equal(ordered.Select(r => r.Id).ToList(), actual);
            Assert.Equal(expected.Count, store.CountStems(query));
        }
    }
}
