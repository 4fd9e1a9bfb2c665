using Traum.Catalog.Vectors;
using Traum.Core;
using Traum.TestKit;
using Xunit;
using static Traum.Catalog.Tests.Vectors.VectorReference;

namespace Traum.Catalog.Tests.Vectors;

/// <summary>
/// The approximate graph of the in-process index, measured against brute-force cosine: recall of its top 10, exact
/// scores, and that it follows every change (during and after its build, and across a restart through the saved file).
/// </summary>
[Collection("Dot kernel width")]
public sealed class VectorGraphTests : IDisposable
{
    private const int Dim = 64;
    private static readonly VectorIndexOptions GraphOn = new() { Graph = true, GraphMinimum = 500, Threads = 2 };
    private readonly TempDir _dir = new("graph");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    /// <summary>Unit vectors around <paramref name="centres"/> random centres, as embeddings of similar sounds cluster.</summary>
    private static Dictionary<long, float[]> Clustered(Random rng, int n, int centres, int firstId = 1)
    {
        var c = Enumerable.Range(0, centres).Select(_ => RandomUnitVector(rng, Dim)).ToArray();
        var data = new Dictionary<long, float[]>();
        for (var i = 0; i < n; i++)
        {
            var centre = c[rng.Next(centres)];
            var noise = RandomVector(rng, Dim);
            var v = new float[Dim];
            for (var j = 0; j < Dim; j++) v[j] = centre[j] + (0.35f / MathF.Sqrt(Dim) * noise[j]);
            data[firstId + i] = v;
        }
        return data;
    }

    private static async Task<VectorIndex> BuiltAsync(Dictionary<long, float[]> data, VectorIndexOptions options)
    {
        var index = new VectorIndex("test:model", Dim, options);
        index.UpsertRange(data.Select(p => (p.Key, p.Value)));
        index.EnsureGraph();
        await index.GraphBuild.WaitAsync(Ct);
        Assert.True(index.HasGraph, index.GraphError ?? "no graph after the build");
        return index;
    }

    private static double Recall(VectorIndex index, Dictionary<long, float[]> data, IEnumerable<float[]> queries, int k = 10)
    {
        double found = 0, wanted = 0;
        foreach (var q in queries)
        {
            var truth = BruteForce(data, q).Take(k).Select(r => r.Id).ToHashSet();
            var hits = index.Search(q, k, cancellationToken: Ct);
            found += hits.Count(h => truth.Contains(h.Id));
            wanted += truth.Count;
        }
        return found / wanted;
    }

    private static List<(long Id, double Score)> BruteForce(Dictionary<long, float[]> data, float[] q) =>
        data.Select(p => (p.Key, Cosine(p.Value, q))).OrderByDescending(p => p.Item2).ThenBy(p => p.Key).ToList();

    [Fact]
    public async Task Graph_TopTen_RecallAtLeast95Percent_ScoresExact()
    {
        var rng = new Random(3);
        var data = Clustered(rng, 5_000, 50);
        using var index = await BuiltAsync(data, GraphOn);
        var queries = Enumerable.Range(0, 50).Select(_ => Clustered(rng, 1, 50).Values.First()).ToList();
        var recall = Recall(index, data, queries);
        Assert.True(recall >= 0.95, $"recall@10 {recall:F3}");
        Assert.True(index.GraphRecall >= 0.95, $"the build's own check measured {index.GraphRecall}");
        // Every returned score is the exact cosine (re-ranked in float32), not the graph's half-precision distance.
        var hits = index.Search(queries[0], 10, cancellationToken: Ct);
        foreach (var h in hits) Assert.Equal(Cosine(data[h.Id], queries[0]), h.Score, 5);
        Assert.Equal(hits.OrderByDescending(h => h.Score).Select(h => h.Id), hits.Select(h => h.Id));
    }

    [Fact]
    public async Task Graph_OnStructurelessVectors_FailsItsRecallCheck_AndSearchesStayExact()
    {
        // Uniform random directions in 64-d: HNSW finds few true neighbours, so the graph must not be used.
        var rng = new Random(9);
        var data = Enumerable.Range(1, 3_000).ToDictionary(i => (long)i, _ => RandomUnitVector(rng, Dim));
        using var index = new VectorIndex("test:model", Dim, GraphOn with { GraphConnectivity = 2, GraphExpansionAdd = 4, GraphExpansionSearch = 4, RerankMinimum = 10, RerankFactor = 1 });
        index.UpsertRange(data.Select(p => (p.Key, p.Value)));
        index.EnsureGraph();
        await index.GraphBuild.WaitAsync(Ct);
        Assert.False(index.HasGraph);
        Assert.NotNull(index.GraphRecall);
        Assert.True(index.GraphRecall < 0.9, $"recall {index.GraphRecall}");
        Assert.Contains("searches scan", index.GraphError, StringComparison.Ordinal);
        var q = RandomUnitVector(rng, Dim);
        Assert.Equal(BruteForce(data, q).Take(10).Select(r => r.Id), index.Search(q, 10, cancellationToken: Ct).Select(h => h.Id));
        // Not rebuilt on every search.
        index.EnsureGraph();
        Assert.True(index.GraphBuild.IsCompleted);
    }

    [Fact]
    public async Task Graph_RefusedOnce_IsTriedAgainAfterHalfTheIndexChanged_AndThenUsed()
    {
        // First every vector a copy of one with a trace of noise (a library of one sound): the graph cannot tell the
        // nearest apart and is refused.
        var rng = new Random(10);
        var options = GraphOn with { RerankMinimum = 10, RerankFactor = 1, GraphExpansionSearch = 10 };
        using var index = new VectorIndex("test:model", Dim, options);
        var one = RandomUnitVector(rng, Dim);
        float[] NearlyOne() => one.Select(x => x + (float)((rng.NextDouble() - 0.5) * 1e-4)).ToArray();
        index.UpsertRange(Enumerable.Range(1, 3_000).Select(i => ((long)i, NearlyOne())));
        index.EnsureGraph();
        await index.GraphBuild.WaitAsync(Ct);
        Assert.False(index.HasGraph);
        var refusal = index.GraphError;
        Assert.NotNull(refusal);

        // A few changes: still the old verdict, no new build.
        for (var i = 1; i <= 100; i++) index.Upsert(i, NearlyOne());
        index.EnsureGraph();
        Assert.True(index.GraphBuild.IsCompleted);
        Assert.Equal(refusal, index.GraphError);

        // The library's content changes (every vector again, now near a handful of sounds): the graph is tried again.
        var data = Clustered(rng, 3_000, 30);
        var ids = data.Keys.ToList();
        foreach (var (id, v) in Enumerable.Range(1, 3_000).Select(i => ((long)i, data[ids[i - 1]]))) index.Upsert(id, v);
        index.EnsureGraph();
        await index.GraphBuild.WaitAsync(Ct);
        Assert.True(index.HasGraph, index.GraphError);
        Assert.Null(index.GraphError);
        Assert.True(index.GraphRecall >= options.GraphMinimumRecall);
    }

    [Fact]
    public async Task Graph_BelowMinimumOrOff_IsNotBuilt_AndFilteredOrExactSearchesScan()
    {
        var rng = new Random(4);
        var data = Clustered(rng, 600, 10);
        using (var small = new VectorIndex("m", Dim, GraphOn with { GraphMinimum = 601 }))
        {
            small.UpsertRange(data.Select(p => (p.Key, p.Value)));
            small.EnsureGraph();
            Assert.True(small.GraphBuild.IsCompleted);
            Assert.False(small.HasGraph);
        }
        using (var off = new VectorIndex("m", Dim, GraphOn with { Graph = false }))
        {
            off.UpsertRange(data.Select(p => (p.Key, p.Value)));
            off.EnsureGraph();
            Assert.False(off.HasGraph);
        }
        using var index = await BuiltAsync(data, GraphOn);
        var q = RandomUnitVector(rng, Dim);
        var reference = BruteForce(data, q);
        // A filter by ids scans (the graph cannot honour it without losing results): exactly the true top 5 of the set.
        var allowed = data.Keys.Where(id => id % 3 == 0).ToHashSet();
        var filtered = index.Search(q, 5, VectorFilter.Only(allowed), Ct);
        Assert.Equal(reference.Where(r => allowed.Contains(r.Id)).Take(5).Select(r => r.Id), filtered.Select(h => h.Id));
        Assert.Equal(reference.Take(10).Select(r => r.Id), index.SearchExact(q, 10, cancellationToken: Ct).Select(h => h.Id));
        // A predicate (a stem's own id left out of its similar list) is honoured on the graph's candidates.
        var self = reference[0].Id;
        var similar = index.Search(q, 10, VectorFilter.Where(id => id != self), Ct);
        Assert.DoesNotContain(self, similar.Select(h => h.Id));
        Assert.Equal(10, similar.Count);
    }

    [Fact]
    public async Task Graph_FollowsAddsReplacementsAndRemovals()
    {
        var rng = new Random(5);
        var data = Clustered(rng, 2_000, 20);
        using var index = await BuiltAsync(data, GraphOn);
        var q = RandomUnitVector(rng, Dim);

        // A new vector equal to the query is the best hit, with score 1.
        index.Upsert(99_999, q);
        Assert.Equal(99_999, index.Search(q, 1, cancellationToken: Ct)[0].Id);
        Assert.Equal(1.0, index.Search(q, 1, cancellationToken: Ct)[0].Score, 5);
        // Replaced by its opposite: no longer near the query.
        index.Upsert(99_999, q.Select(x => -x).ToArray());
        Assert.DoesNotContain(99_999L, index.Search(q, 10, cancellationToken: Ct).Select(h => h.Id));
        // The previous best is removed: never returned again.
        var best = index.Search(q, 1, cancellationToken: Ct)[0].Id;
        Assert.True(index.Remove(best));
        Assert.DoesNotContain(best, index.Search(q, 10, cancellationToken: Ct).Select(h => h.Id));
        // Many changes: recall on the changed set stays what it was.
        data.Remove(best);
        data[99_999] = q.Select(x => -x).ToArray();
        foreach (var (id, v) in Clustered(rng, 1_000, 20, firstId: 200_000))
        {
            index.Upsert(id, v);
            data[id] = v;
        }
        var queries = Enumerable.Range(0, 30).Select(_ => Clustered(rng, 1, 20).Values.First()).ToList();
        Assert.True(Recall(index, data, queries) >= 0.95);
    }

    [Fact]
    public async Task Graph_ChangesDuringTheBuild_AreInTheFinishedGraph()
    {
        var rng = new Random(6);
        var data = Clustered(rng, 20_000, 40);
        using var index = new VectorIndex("test:model", Dim, GraphOn);
        index.UpsertRange(data.Select(p => (p.Key, p.Value)));
        index.EnsureGraph();
        var build = index.GraphBuild;
        var q = RandomUnitVector(rng, Dim);
        index.Upsert(-5, q);
        var removed = data.Keys.First();
        index.Remove(removed);
        // Searches during the build are answered by the scan, correctly.
        Assert.Equal(-5, index.Search(q, 1, cancellationToken: Ct)[0].Id);
        await build.WaitAsync(Ct);
        Assert.True(index.HasGraph);
        Assert.Equal(-5, index.Search(q, 1, cancellationToken: Ct)[0].Id);
        Assert.DoesNotContain(removed, index.Search(data[removed], 10, cancellationToken: Ct).Select(h => h.Id));
        Assert.Equal(index.Count, data.Count);
    }

    [Fact]
    public async Task SavedGraph_IsLoadedAtTheNextStart_WithTheCatalogsChangesSinceApplied()
    {
        var rng = new Random(7);
        var options = GraphOn with { GraphDirectory = _dir.File("vectors") };
        var data = Clustered(rng, 1_500, 15);
        using var catalog = CatalogStore.Open(_dir.File("catalog.db"));
        var ids = new List<long>();
        var n = 0;
        foreach (var v in data.Values)
        {
            var stem = catalog.AddStem(CatalogFixtures.Stem(n++));
            catalog.SetEmbedding(stem.Id, new Embedding("test:model", v));
            ids.Add(stem.Id);
        }
        using (var first = new InProcessVectorSearch(catalog) { Options = options })
        {
            var index = first.IndexFor("test:model", Dim);
            await index.GraphBuild.WaitAsync(Ct);
            Assert.True(index.HasGraph, index.GraphError);
        }
        Assert.True(File.Exists(Path.Combine(options.GraphDirectory!, "test_model.usearch")));

        // While no server runs: a stem removed, one added next to a query, one re-embedded.
        var q = RandomUnitVector(rng, Dim);
        catalog.DeleteStem(ids[0]);
        var added = catalog.AddStem(CatalogFixtures.Stem(n++));
        catalog.SetEmbedding(added.Id, new Embedding("test:model", q));
        catalog.SetEmbedding(ids[1], new Embedding("test:model", q.Select(x => -x).ToArray()));

        using var second = new InProcessVectorSearch(catalog) { Options = options };
        var reopened = second.IndexFor("test:model", Dim);
        Assert.True(reopened.HasGraph, "the saved graph was not taken");
        Assert.True(reopened.GraphBuild.IsCompleted, "a build started although a saved graph was usable");
        var hits = second.SearchVectors(new VectorSearchRequest { ModelId = "test:model", Vector = q, K = 10 }, Ct).Matches;
        Assert.Equal(added.Id, hits[0].StemId);
        Assert.DoesNotContain(ids[0], hits.Select(h => h.StemId));
        var opposite = second.SearchVectors(new VectorSearchRequest { ModelId = "test:model", Vector = q.Select(x => -x).ToArray(), K = 1 }, Ct).Matches;
        Assert.Equal(ids[1], opposite[0].StemId);
    }

    [Fact]
    public async Task SavedGraph_Unreadable_IsRebuilt()
    {
        var rng = new Random(8);
        var options = GraphOn with { GraphDirectory = _dir.File("vectors") };
        var data = Clustered(rng, 800, 8);
        Directory.CreateDirectory(options.GraphDirectory!);
        await File.WriteAllTextAsync(Path.Combine(options.GraphDirectory!, "test_model.usearch"), "not a graph", Ct);
        await File.WriteAllTextAsync(Path.Combine(options.GraphDirectory!, "test_model.usearch.json"),
            """{"CatalogVersion":0,"Dimension":64,"Connectivity":16,"Count":800}""", Ct);
        using var catalog = CatalogStore.Open(_dir.File("catalog.db"));
        var n = 0;
        foreach (var v in data.Values) catalog.SetEmbedding(catalog.AddStem(CatalogFixtures.Stem(n++)).Id, new Embedding("test:model", v));
        using var search = new InProcessVectorSearch(catalog) { Options = options };
        var index = search.IndexFor("test:model", Dim);
        await index.GraphBuild.WaitAsync(Ct);
        Assert.True(index.HasGraph, index.GraphError);
        Assert.True(new FileInfo(Path.Combine(options.GraphDirectory!, "test_model.usearch")).Length > 800 * Dim, "the rebuilt graph was not saved over the unreadable one");
    }
}
