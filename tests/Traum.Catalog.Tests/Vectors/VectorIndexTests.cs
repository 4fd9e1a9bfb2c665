using Traum.Catalog.Vectors;
using Traum.Core;
using Xunit;
using static Traum.Catalog.Tests.Vectors.VectorReference;

namespace Traum.Catalog.Tests.Vectors;

/// <summary>Index scans read the kernel width <see cref="DotKernelsTests"/> switches: the two classes never run at once.</summary>
[Collection("Dot kernel width")]
public sealed class VectorIndexTests
{
    private const double Tolerance = 1e-5;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Small partitions so that even test-sized indexes are scanned on several threads.</summary>
    private static readonly VectorIndexOptions Partitioned = new() { Threads = 3, MinimumRowsPerThread = 64 };

    private static Dictionary<long, float[]> RandomData(Random rng, int n, int dim, bool unit = false)
    {
        var data = new Dictionary<long, float[]>();
        // Ids are sparse and unordered, as catalog ids of a library with deletions are.
        for (var i = 0; i < n; i++) data[1000 + 7L * i + rng.Next(7)] = unit ? RandomUnitVector(rng, dim) : RandomVector(rng, dim);
        return data;
    }

    private static VectorIndex Build(Dictionary<long, float[]> data, int dim, VectorIndexOptions? options = null)
    {
        var index = new VectorIndex("test:model", dim, options);
        foreach (var (id, v) in data) index.Upsert(id, v);
        return index;
    }

    /// <summary>
    /// The hits must be a correct top-k of the reference: same length, scores equal the reference's k best
    /// position by position, and every hit's true score reaches the reference's k-th (so near-ties at the
    /// boundary may swap, nothing else may).
    /// </summary>
    private static void AssertTopK(IReadOnlyList<VectorHit> hits, List<(long Id, double Score)> reference, int k)
    {
        var expected = reference.Take(k).ToList();
        Assert.Equal(expected.Count, hits.Count);
        Assert.Equal(hits.Count, hits.Select(h => h.Id).Distinct().Count());
        var truth = reference.ToDictionary(r => r.Id, r => r.Score);
        for (var i = 0; i < hits.Count; i++)
        {
            Assert.True(Math.Abs(hits[i].Score - expected[i].Score) < Tolerance, $"rank {i}: score {hits[i].Score} vs reference {expected[i].Score}");
            Assert.True(truth.ContainsKey(hits[i].Id), $"id {hits[i].Id} is not allowed");
            Assert.True(truth[hits[i].Id] >= expected[^1].Score - Tolerance, $"id {hits[i].Id} is not among the top {k}");
        }
        var exactMatches = hits.Select(h => h.Id).Zip(expected.Select(e => e.Id)).Count(p => p.First == p.Second);
        Assert.True(exactMatches >= hits.Count - 2, "the order differs from the reference beyond near-ties");
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(10, 64)]
    [InlineData(50, 512)]
    public void Search_RandomData_EqualsBruteForce(int k, int dim)
    {
        var rng = new Random(11 + k);
        var data = RandomData(rng, 2000, dim);
        using var index = Build(data, dim, Partitioned);
        for (var q = 0; q < 10; q++)
        {
            var query = RandomVector(rng, dim);
            AssertTopK(index.Search(query, k, cancellationToken: Ct), Ranked(data, query), k);
        }
    }

    [Fact]
    public void Search_SingleThread_EqualsBruteForce()
    {
        var rng = new Random(5);
        var data = RandomData(rng, 500, 32);
        using var index = Build(data, 32, new VectorIndexOptions { Threads = 1 });
        var query = RandomVector(rng, 32);
        AssertTopK(index.Search(query, 20, cancellationToken: Ct), Ranked(data, query), 20);
    }

    [Fact]
    public void Search_TiedScores_RankByAscendingId()
    {
        var rng = new Random(3);
        var v = RandomUnitVector(rng, 16);
        var twice = v.Select(x => x * 2f).ToArray(); // same direction: identical normalised vector
        using var index = new VectorIndex("m", 16, Partitioned);
        index.Upsert(9, v);
        index.Upsert(3, twice);
        index.Upsert(5, v);
        index.Upsert(7, RandomUnitVector(rng, 16).Select(x => -x).ToArray());
        var all = index.Search(v, 3, cancellationToken: Ct);
        Assert.Equal([3L, 5L, 9L], all.Select(h => h.Id));
        Assert.Equal(all[0].Score, all[2].Score);
        Assert.Equal([3L, 5L], index.Search(v, 2, cancellationToken: Ct).Select(h => h.Id));
    }

    [Fact]
    public void Search_KLargerThanCount_ReturnsEveryVectorRanked()
    {
        var rng = new Random(4);
        var data = RandomData(rng, 37, 24);
        using var index = Build(data, 24, Partitioned);
        var query = RandomVector(rng, 24);
        var hits = index.Search(query, 100, cancellationToken: Ct);
        AssertTopK(hits, Ranked(data, query), 100);
        Assert.Equal(37, hits.Count);
    }

    [Fact]
    public void Search_EmptyIndexOrZeroK_ReturnsNothing()
    {
        using var index = new VectorIndex("m", 4);
        Assert.Empty(index.Search(new float[] { 1, 0, 0, 0 }, 5, cancellationToken: Ct));
        index.Upsert(1, new float[] { 1, 0, 0, 0 });
        Assert.Empty(index.Search(new float[] { 1, 0, 0, 0 }, 0, cancellationToken: Ct));
    }

    [Fact]
    public void Search_PredicateFilter_EqualsBruteForceOverAllowedIds()
    {
        var rng = new Random(6);
        var data = RandomData(rng, 3000, 48);
        using var index = Build(data, 48, Partitioned);
        Func<long, bool> odd = id => id % 2 == 1;
        var query = RandomVector(rng, 48);
        var hits = index.Search(query, 15, VectorFilter.Where(odd), cancellationToken: Ct);
        AssertTopK(hits, Ranked(data, query, odd), 15);
        Assert.All(hits, h => Assert.True(h.Id % 2 == 1));
    }

    [Theory]
    [InlineData(20)]    // small set: scored directly
    [InlineData(2000)]  // large set: bitset over slots during the scan
    public void Search_IdSetFilter_EqualsBruteForceOverTheSet(int setSize)
    {
        var rng = new Random(7 + setSize);
        var data = RandomData(rng, 3000, 40);
        using var index = Build(data, 40, Partitioned);
        var allowed = data.Keys.OrderBy(_ => rng.Next()).Take(setSize).Append(-5).ToHashSet(); // -5 is not in the index
        var query = RandomVector(rng, 40);
        var hits = index.Search(query, 12, VectorFilter.Only(allowed), cancellationToken: Ct);
        AssertTopK(hits, Ranked(data, query, allowed.Contains), 12);
    }

    [Fact]
    public void Filter_And_AllowsOnlyIdsBothAllow()
    {
        var both = VectorFilter.And(VectorFilter.Only([1, 2, 3, 4]), VectorFilter.Where(id => id > 2))!;
        Assert.Equal([3L, 4L], new long[] { 1, 2, 3, 4, 5 }.Where(both.Allows));
        var predicates = VectorFilter.And(VectorFilter.Where(id => id > 2), VectorFilter.Where(id => id < 5))!;
        Assert.Equal([3L, 4L], new long[] { 1, 2, 3, 4, 5 }.Where(predicates.Allows));
        Assert.Null(VectorFilter.And(null, null));
    }

    [Theory]
    [InlineData(VectorStorage.Float32)]
    [InlineData(VectorStorage.Int8)]
    [InlineData(VectorStorage.Float16)]
    public void UpsertRemove_InterleavedChanges_SearchEqualsBruteForceOfTheFinalSet(VectorStorage storage)
    {
        var rng = new Random(8);
        const int dim = 32;
        var data = RandomData(rng, 1200, dim);
        using var index = Build(data, dim, Partitioned with { Storage = storage });
        var ids = data.Keys.ToList();
        foreach (var id in ids.OrderBy(_ => rng.Next()).Take(300))
        {
            Assert.True(index.Remove(id));
            data.Remove(id);
        }
        Assert.False(index.Remove(ids.Max() + 99));
        foreach (var id in data.Keys.OrderBy(_ => rng.Next()).Take(200).ToList())
        {
            data[id] = RandomVector(rng, dim); // update in place
            index.Upsert(id, data[id]);
        }
        for (var i = 0; i < 150; i++)
        {
            var id = 10_000_000L + i;
            data[id] = RandomVector(rng, dim);
            index.Upsert(id, data[id]);
        }
        Assert.Equal(data.Count, index.Count);
        Assert.True(data.Keys.All(index.Contains));
        Assert.Equal(data.Keys.Order(), index.Ids().Order());
        for (var q = 0; q < 5; q++)
        {
            var query = RandomVector(rng, dim);
            AssertTopK(index.Search(query, 10, cancellationToken: Ct), Ranked(data, query), 10);
        }
        var probe = data.Keys.First();
        var stored = new float[dim];
        Assert.True(index.TryGetVector(probe, stored));
        Assert.True(Math.Abs(Cosine(stored, data[probe]) - 1) < 1e-6);
        Assert.False(index.TryGetVector(-1, stored));
    }

    [Fact]
    public void Clear_RemovesEverything_IndexStillUsable()
    {
        var rng = new Random(9);
        var data = RandomData(rng, 100, 8);
        using var index = Build(data, 8);
        index.Clear();
        Assert.Equal(0, index.Count);
        Assert.Empty(index.Search(RandomVector(rng, 8), 3, cancellationToken: Ct));
        index.Upsert(42, RandomVector(rng, 8));
        Assert.Equal(42, Assert.Single(index.Search(RandomVector(rng, 8), 3, cancellationToken: Ct)).Id);
    }

    [Theory]
    [InlineData(VectorStorage.Int8)]
    [InlineData(VectorStorage.Float16)]
    public void Search_CompactStorage_RecallAt10AtLeast099AgainstExact(VectorStorage storage)
    {
        var rng = new Random(10);
        const int dim = 512;
        var data = RandomData(rng, 20_000, dim, unit: true);
        using var index = Build(data, dim, new VectorIndexOptions { Storage = storage, Threads = 2 });
        var found = 0;
        const int queries = 40;
        for (var q = 0; q < queries; q++)
        {
            var query = RandomUnitVector(rng, dim);
            var truth = Ranked(data, query).Take(10).Select(r => r.Id).ToHashSet();
            var hits = index.Search(query, 10, cancellationToken: Ct);
            found += hits.Count(h => truth.Contains(h.Id));
            // Re-ranked scores are exact float32 cosines.
            foreach (var h in hits) Assert.True(Math.Abs(h.Score - Cosine(query, data[h.Id])) < Tolerance);
        }
        var recall = found / (10.0 * queries);
        Assert.True(recall >= 0.99, $"recall@10 = {recall}");
    }

    [Fact]
    public void Upsert_WrongDimension_ClearError()
    {
        using var index = new VectorIndex("clap:x", 512);
        var e = Assert.Throws<InvalidInputException>(() => index.Upsert(1, new float[384]));
        Assert.Contains("384", e.Message);
        Assert.Contains("512", e.Message);
        Assert.Contains("clap:x", e.Message);
    }

    [Fact]
    public void Search_WrongDimension_ClearError()
    {
        using var index = new VectorIndex("m", 4);
        index.Upsert(1, new float[] { 1, 2, 3, 4 });
        var e = Assert.Throws<InvalidInputException>(() => index.Search(new float[3], 1, cancellationToken: Ct));
        Assert.Contains("3 values", e.Message);
        Assert.Contains("4-dimensional", e.Message);
    }

    [Fact]
    public void Upsert_ZeroOrNonFiniteVector_ClearError()
    {
        using var index = new VectorIndex("m", 3);
        Assert.Contains("zeros", Assert.Throws<InvalidInputException>(() => index.Upsert(1, new float[3])).Message);
        Assert.Contains("NaN", Assert.Throws<InvalidInputException>(() => index.Upsert(1, new[] { 1f, float.NaN, 0f })).Message);
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void FindPairs_RandomDataWithPlantedNearCopies_EqualsBruteForcePairs()
    {
        var rng = new Random(12);
        const int dim = 16;
        var data = RandomData(rng, 301, dim);
        // Plant near-copies: small perturbations of existing vectors.
        foreach (var id in data.Keys.Take(20).ToList())
        {
            data[id + 5_000_000] = data[id].Select(x => x + (float)(rng.NextDouble() - 0.5) * 0.02f).ToArray();
        }
        using var index = Build(data, dim);
        const float threshold = 0.995f;
        var expected = new List<(long, long)>();
        var keys = data.Keys.Order().ToList();
        for (var i = 0; i < keys.Count; i++)
        {
            for (var j = i + 1; j < keys.Count; j++)
            {
                var c = Cosine(data[keys[i]], data[keys[j]]);
                if (c >= threshold + 1e-5) expected.Add((keys[i], keys[j]));
                else if (c >= threshold - 1e-5) expected.Add((keys[i], keys[j])); // boundary: accept either way below
            }
        }
        var pairs = index.FindPairs(threshold, cancellationToken: TestContext.Current.CancellationToken);
        var got = pairs.Select(p => (p.A, p.B)).ToHashSet();
        foreach (var p in pairs)
        {
            Assert.True(p.A < p.B);
            Assert.True(Math.Abs(p.Score - Cosine(data[p.A], data[p.B])) < Tolerance);
        }
        Assert.True(expected.Count >= 20);
        Assert.Equal(expected.ToHashSet(), got);
    }

    [Fact]
    public async Task SearchWhileChanging_Concurrent_NoTornResultsAndFinalStateExact()
    {
        var rng = new Random(13);
        const int dim = 16;
        var data = RandomData(rng, 3000, dim);
        using var index = Build(data, dim, Partitioned);
        var extra = Enumerable.Range(0, 500).Select(i => (Id: 50_000_000L + i, V: RandomVector(rng, dim))).ToList();
        var query = RandomVector(rng, dim);
        var writer = Task.Run(() =>
        {
            foreach (var (id, v) in extra) index.Upsert(id, v);
            foreach (var (id, _) in extra.Take(250)) index.Remove(id);
        }, Ct);
        var reader = Task.Run(() =>
        {
            while (!writer.IsCompleted)
            {
                var hits = index.Search(query, 10, cancellationToken: Ct);
                Assert.Equal(10, hits.Count);
                Assert.Equal(10, hits.Select(h => h.Id).Distinct().Count());
                for (var i = 1; i < hits.Count; i++) Assert.True(hits[i - 1].Score >= hits[i].Score);
            }
        }, Ct);
        await Task.WhenAll(writer, reader);
        foreach (var (id, v) in extra.Skip(250)) data[id] = v;
        AssertTopK(index.Search(query, 10, cancellationToken: Ct), Ranked(data, query), 10);
    }
}
