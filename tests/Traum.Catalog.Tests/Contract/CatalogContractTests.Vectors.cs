using Traum.Core;
using static Traum.Catalog.Tests.CatalogFixtures;

namespace Traum.Catalog.Tests.Contract;

/// <summary>Vector search through the port: exact results equal a brute-force cosine over the same vectors; filters and exclusions hold.</summary>
public abstract partial class CatalogContractTests
{
    private const int VectorDim = 24;

    private VectorSearchResult Search(VectorSearchRequest request) => _store.SearchVectors(request, TestContext.Current.CancellationToken);

    private static float[] RandomVector(Random rng)
    {
        var v = new float[VectorDim];
        for (var i = 0; i < v.Length; i++) v[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }

    /// <summary>Cosine in double precision, computed here (not by any provider).</summary>
    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++) { dot += (double)a[i] * b[i]; na += (double)a[i] * a[i]; nb += (double)b[i] * b[i]; }
        return dot / Math.Sqrt(na * nb);
    }

    /// <summary>120 stems with random vectors of model "m", kinds alternating drums/bass, every third tagged "dark".</summary>
    private Dictionary<long, (float[] Vector, string Kind, bool Dark)> SeedVectors(Random rng)
    {
        var rows = new Dictionary<long, (float[], string, bool)>();
        for (var i = 0; i < 120; i++)
        {
            var kind = i % 2 == 0 ? StemKinds.Drums : StemKinds.Bass;
            var dark = i % 3 == 0;
            var s = _store.AddStem(Stem(i, kind, tags: dark ? ["dark"] : []));
            var v = RandomVector(rng);
            _store.SetEmbedding(s.Id, new Embedding("m", v));
            rows[s.Id] = (v, kind, dark);
        }
        return rows;
    }

    [Fact]
    public void SearchVectors_Exact_EqualsBruteForceCosineWithFiltersAndExclusion()
    {
        var rng = new Random(77);
        var rows = SeedVectors(rng);
        _store.SetEmbedding(rows.Keys.First(), new Embedding("other", [1f, 0f])); // another model's space is not searched
        for (var q = 0; q < 10; q++)
        {
            var query = RandomVector(rng);
            var exclude = q % 2 == 0 ? rows.Keys.ElementAt(rng.Next(rows.Count)) : (long?)null;
            var filter = q % 3 == 0 ? new StemQuery { Kind = "bass", Tag = "DARK" } : null;
            var expected = rows
                .Where(r => r.Key != exclude && (filter is null || (r.Value.Kind == "bass" && r.Value.Dark)))
                .Select(r => (Id: r.Key, Score: Cosine(query, r.Value.Vector)))
                .OrderByDescending(x => x.Score).ThenBy(x => x.Id).Take(10).ToList();
            var got = Search(new VectorSearchRequest { ModelId = "m", Vector = query, K = 10, Filter = filter, Exclude = exclude, Exact = true });
            Assert.Equal(120, got.Indexed);
            Assert.Equal(expected.Select(x => x.Id), got.Matches.Select(m => m.StemId));
            Assert.All(expected.Zip(got.Matches), p => Assert.Equal(p.First.Score, p.Second.Score, 1e-5));
        }
    }

    [Fact]
    public void SearchVectors_Approximate_RecallsTheExactTopTenAndFollowsWrites()
    {
        var rng = new Random(78);
        var rows = SeedVectors(rng);
        var found = 0;
        for (var q = 0; q < 20; q++)
        {
            var query = RandomVector(rng);
            var exact = Search(new VectorSearchRequest { ModelId = "m", Vector = query, K = 10, Exact = true }).Matches.Select(m => m.StemId).ToHashSet();
            var approx = Search(new VectorSearchRequest { ModelId = "m", Vector = query, K = 10 }).Matches;
            Assert.Equal(10, approx.Count);
            Assert.True(approx.Zip(approx.Skip(1)).All(p => p.First.Score >= p.Second.Score), "results are best first");
            found += approx.Count(m => exact.Contains(m.StemId));
        }
        Assert.True(found >= 190, $"recall@10 over 20 queries is {found / 200.0:F3}; at 120 vectors it should be (nearly) 1");

        // A write is seen by the next search: a replaced vector equal to the query comes first, a deleted stem never.
        var target = rows.Keys.Last();
        var probe = RandomVector(rng);
        _store.SetEmbedding(target, new Embedding("m", probe));
        var top = Search(new VectorSearchRequest { ModelId = "m", Vector = probe, K = 1 }).Matches.Single();
        Assert.Equal(target, top.StemId);
        Assert.Equal(1.0, top.Score, 1e-5);
        _store.DeleteStem(target);
        var after = Search(new VectorSearchRequest { ModelId = "m", Vector = probe, K = 5 });
        Assert.DoesNotContain(target, after.Matches.Select(m => m.StemId));
        Assert.Equal(119, after.Indexed);
    }

    [Fact]
    public void SearchVectors_BadRequests_AreRefusedAndAnUnknownModelFindsNothing()
    {
        var s = _store.AddStem(Stem(1)).Id;
        _store.SetEmbedding(s, new Embedding("m", [0.6f, 0.8f, 0f]));
        var none = Search(new VectorSearchRequest { ModelId = "unknown", Vector = [1f, 0f, 0f], K = 3 });
        Assert.Empty(none.Matches);
        Assert.Equal(0, none.Indexed);
        Assert.Throws<InvalidInputException>(() => Search(new VectorSearchRequest { ModelId = "m", Vector = [1f, 0f], K = 3 }));
        Assert.Throws<InvalidInputException>(() => Search(new VectorSearchRequest { ModelId = "m", Vector = [0f, 0f, 0f], K = 3 }));
        Assert.Throws<InvalidInputException>(() => Search(new VectorSearchRequest { ModelId = "m", Vector = [1f, float.NaN, 0f], K = 3 }));
        Assert.Throws<InvalidInputException>(() => Search(new VectorSearchRequest { ModelId = "m", Vector = [1f, 0f, 0f], K = 0 }));
        var one = Search(new VectorSearchRequest { ModelId = "m", Vector = [0f, 2f, 0f], K = 3 });
        Assert.Equal(s, one.Matches.Single().StemId);
        Assert.Equal(0.8, one.Matches.Single().Score, 1e-6);
    }
}
