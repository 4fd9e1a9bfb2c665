using Traum.Catalog.Vectors;
using Traum.Core;
using Traum.TestKit;
using Xunit;
using static Traum.Catalog.Tests.Vectors.VectorReference;

namespace Traum.Catalog.Tests.Vectors;

/// <summary>
/// The saved vectors of the in-process index: the next process reads them instead of the catalog's rows, applies the
/// catalog's changes since, and gets exactly the answers brute force over the catalog gives; a damaged file or one
/// saved from another catalog is never used.
/// </summary>
public sealed class VectorSnapshotTests : IDisposable
{
    private const int Dim = 48;
    private const string Model = "test:model";
    private readonly TempDir _dir = new("snapshot");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private VectorIndexOptions Options => new() { Storage = VectorStorage.Float32, Threads = 2, SnapshotMinimum = 100, GraphDirectory = _dir.File("vectors") };

    private string SnapshotPath => Assert.Single(Directory.GetFiles(_dir.File("vectors"), "test_model-*.vectors"));

    public void Dispose() => _dir.Dispose();

    private static List<long> Fill(CatalogStore catalog, Random rng, int n, int first = 0)
    {
        var ids = new List<long>();
        for (var i = 0; i < n; i++)
        {
            var stem = catalog.AddStem(CatalogFixtures.Stem(first + i));
            catalog.SetEmbedding(stem.Id, new Embedding(Model, RandomVector(rng, Dim)));
            ids.Add(stem.Id);
        }
        return ids;
    }

    /// <summary>Opens a search over <paramref name="catalog"/>, checks every query against brute force over the catalog's rows, and closes it.</summary>
    private bool SearchAndCheck(CatalogStore catalog, Random rng)
    {
        var truth = catalog.GetEmbeddings(Model).ToDictionary(e => e.StemId, e => e.Vector);
        using var search = new InProcessVectorSearch(catalog) { Options = Options };
        Assert.Equal(truth.Count, search.IndexFor(Model, Dim).Count);
        for (var i = 0; i < 5; i++)
        {
            var q = RandomVector(rng, Dim);
            var hits = search.SearchVectors(new VectorSearchRequest { ModelId = Model, Vector = q, K = 10, Exact = true }, Ct).Matches;
            var expected = Ranked(truth, q).Take(10).ToList();
            Assert.Equal(expected.Select(e => e.Id), hits.Select(h => h.StemId));
            for (var j = 0; j < hits.Count; j++) Assert.InRange(hits[j].Score - expected[j].Score, -1e-5, 1e-5);
        }
        return search.LoadedFromSnapshot(Model);
    }

    [Fact]
    public void Snapshot_SavedAtClose_IsReadByTheNextSearch_WithTheCatalogsChangesSinceApplied()
    {
        var rng = new Random(1);
        using var catalog = CatalogStore.Open(_dir.File("catalog.db"));
        var ids = Fill(catalog, rng, 300);
        Assert.False(SearchAndCheck(catalog, rng), "there was no saved file to read");
        Assert.True(File.Exists(SnapshotPath));
        Assert.Equal(36 + Model.Length + 300 * (8 + 4 * Dim) + 8, new FileInfo(SnapshotPath).Length);

        // Between two processes: a stem removed, one re-embedded, one added.
        catalog.DeleteStem(ids[0]);
        catalog.SetEmbedding(ids[1], new Embedding(Model, RandomVector(rng, Dim)));
        Fill(catalog, rng, 1, first: 300);
        var saved = File.ReadAllBytes(SnapshotPath);
        Assert.True(SearchAndCheck(catalog, rng), "the saved vectors were not read");
        // Three changes are not worth writing 60 kB again: the file stays as it was, and the changes are applied again next time.
        Assert.Equal(saved, File.ReadAllBytes(SnapshotPath));
        Assert.True(SearchAndCheck(catalog, rng));
    }

    [Fact]
    public void Snapshot_FarBehindTheCatalog_IsNotReplayed_AndIsSavedAgain()
    {
        var rng = new Random(2);
        using var catalog = CatalogStore.Open(_dir.File("catalog.db"));
        Fill(catalog, rng, 200);
        SearchAndCheck(catalog, rng);
        var before = File.ReadAllBytes(SnapshotPath);
        Fill(catalog, rng, 1_001, first: 200); // more than max(1 000, a tenth of the index) changes behind
        // So far behind, replaying the changes one by one would cost more than reading the vectors: the catalog is read.
        Assert.False(SearchAndCheck(catalog, rng), "a file 2 000 changes behind was replayed");
        Assert.NotEqual(before, File.ReadAllBytes(SnapshotPath));
        Assert.Equal(36 + Model.Length + 1_201 * (8 + 4 * Dim) + 8, new FileInfo(SnapshotPath).Length);
        Assert.True(SearchAndCheck(catalog, rng));
    }

    [Fact]
    public async Task Snapshot_AndSavedGraph_AreBothTakenAtTheNextStart()
    {
        // The server's start: the vectors from their file, then the graph from its own, both brought up to date.
        var rng = new Random(7);
        var options = Options with { Graph = true, GraphMinimum = 200, GraphMinimumRecall = 0 };
        using var catalog = CatalogStore.Open(_dir.File("catalog.db"));
        var ids = Fill(catalog, rng, 400);
        using (var first = new InProcessVectorSearch(catalog) { Options = options })
        {
            var index = first.IndexFor(Model, Dim);
            await index.GraphBuild.WaitAsync(Ct);
            Assert.True(index.HasGraph, index.GraphError);
        }
        Assert.True(File.Exists(SnapshotPath));
        var q = RandomUnitVector(rng, Dim);
        catalog.DeleteStem(ids[0]);
        var added = catalog.AddStem(CatalogFixtures.Stem(400));
        catalog.SetEmbedding(added.Id, new Embedding(Model, q));

        using var second = new InProcessVectorSearch(catalog) { Options = options };
        var reopened = second.IndexFor(Model, Dim);
        Assert.True(second.LoadedFromSnapshot(Model));
        Assert.True(reopened.HasGraph, "the saved graph was not taken");
        Assert.True(reopened.GraphBuild.IsCompleted, "a build started although a saved graph was usable");
        Assert.Equal(400, reopened.Count);
        var hits = second.SearchVectors(new VectorSearchRequest { ModelId = Model, Vector = q, K = 10 }, Ct).Matches;
        Assert.Equal(added.Id, hits[0].StemId);
        Assert.DoesNotContain(ids[0], hits.Select(h => h.StemId));
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("garbage")]
    public void Snapshot_Damaged_IsIgnored_AndWrittenAgain(string damage)
    {
        var rng = new Random(3);
        using var catalog = CatalogStore.Open(_dir.File("catalog.db"));
        Fill(catalog, rng, 250);
        SearchAndCheck(catalog, rng);
        var bytes = File.ReadAllBytes(SnapshotPath);
        var intact = bytes.ToArray();
        switch (damage)
        {
            case "flip": bytes[bytes.Length / 2] ^= 0x10; break; // one bit of one vector
            case "truncate": bytes = bytes[..^100]; break;
            default: bytes = "not vectors at all"u8.ToArray(); break;
        }
        File.WriteAllBytes(SnapshotPath, bytes);
        Assert.False(SearchAndCheck(catalog, rng), "a damaged file was used");
        Assert.Equal(intact, File.ReadAllBytes(SnapshotPath));
        Assert.True(SearchAndCheck(catalog, rng));
    }

    [Fact]
    public void Snapshot_OfAnotherCatalog_IsNotUsed_EvenAtTheSameChangeNumbers()
    {
        // A library folder whose catalog was made again from nothing, with as many changes, keeps its cache folder.
        var rng = new Random(4);
        using (var old = CatalogStore.Open(_dir.File("old.db")))
        {
            Fill(old, rng, 300);
            SearchAndCheck(old, rng);
        }
        Assert.True(File.Exists(SnapshotPath));
        Thread.Sleep(20); // the new catalog's changes carry other times
        using var fresh = CatalogStore.Open(_dir.File("new.db"));
        Fill(fresh, rng, 300);
        Assert.False(SearchAndCheck(fresh, rng), "the other catalog's vectors were used");
    }

    [Fact]
    public void Snapshot_OfAnotherDimension_IsNotUsed()
    {
        var rng = new Random(5);
        using var catalog = CatalogStore.Open(_dir.File("catalog.db"));
        Fill(catalog, rng, 200);
        SearchAndCheck(catalog, rng);
        using var other = new VectorIndex(Model, Dim + 1, Options);
        Assert.Null(other.TryLoadSnapshot());
        Assert.Equal(0, other.Count);
    }

    [Fact]
    public void Snapshot_OfAnotherModelWhoseFileNameCollides_IsNotUsed()
    {
        // "test:model" and "test_model" are saved under the same file name; each must get its own vectors.
        var rng = new Random(8);
        using var catalog = CatalogStore.Open(_dir.File("catalog.db"));
        var ids = Fill(catalog, rng, 200);
        foreach (var id in ids) catalog.SetEmbedding(id, new Embedding("test_model", RandomVector(rng, Dim)));
        SearchAndCheck(catalog, rng);
        Assert.True(File.Exists(SnapshotPath));
        // Even a file under the other model's name is refused for this one (the header names the model).
        using var mineIndex = new VectorIndex("test_model", Dim, Options);
        using var theirsIndex = new VectorIndex("test:model", Dim, Options);
        var mine = mineIndex.SnapshotFile!;
        File.Copy(SnapshotPath, mine);
        var truth = catalog.GetEmbeddings("test_model").ToDictionary(e => e.StemId, e => e.Vector);
        using var search = new InProcessVectorSearch(catalog) { Options = Options };
        var q = RandomVector(rng, Dim);
        var hits = search.SearchVectors(new VectorSearchRequest { ModelId = "test_model", Vector = q, K = 10, Exact = true }, Ct).Matches;
        Assert.False(search.LoadedFromSnapshot("test_model"), "the other model's vectors were used");
        Assert.Equal(Ranked(truth, q).Take(10).Select(e => e.Id), hits.Select(h => h.StemId));
        Assert.NotEqual(mine, theirsIndex.SnapshotFile);
    }

    [Fact]
    public void NoFolder_OrFewVectors_SavesNothing()
    {
        var rng = new Random(6);
        using var catalog = CatalogStore.Open(_dir.File("catalog.db"));
        Fill(catalog, rng, 99);
        SearchAndCheck(catalog, rng);
        Assert.False(Directory.Exists(_dir.File("vectors")) && Directory.EnumerateFiles(_dir.File("vectors")).Any());
        using (var search = new InProcessVectorSearch(catalog) { Options = Options with { GraphDirectory = null, SnapshotMinimum = 1 } })
        {
            search.IndexFor(Model, Dim);
        }
        Assert.False(Directory.Exists(_dir.File("vectors")) && Directory.EnumerateFiles(_dir.File("vectors")).Any());
    }
}
