using Traum.Core;
using static Traum.Catalog.Tests.CatalogFixtures;

namespace Traum.Catalog.Tests.Contract;

/// <summary>One stem's analysis saved in one transaction, and what a stem already has.</summary>
public abstract partial class CatalogContractTests
{
    [Fact]
    public void SaveAnalysis_EveryPart_IsStoredWithOneEventOfItsChanges()
    {
        var s = _store.AddStem(Stem(1)).Id;
        var events = new List<IReadOnlyList<CatalogChange>>();
        _store.Changed += (_, e) => events.Add(e.Changes);
        var start = _store.ChangeSequence;
        var profile = new SemanticProfile("prompts-1", new Dictionary<string, IReadOnlyList<ProfileScore>> { ["mood"] = [new("dark", 0.7, 80)] });
        uint[] print = [1u, 0xdeadbeefu, uint.MaxValue];
        _store.SaveAnalysis(s, new AnalysisResults
        {
            Descriptors = Descriptors(bpm: 128, key: "A", mode: "minor") with { StatedBpm = 127, LoopBars = 4 },
            Embeddings = [new Embedding("clap", [0.6f, 0.8f]), new Embedding("descriptors:v1", [1f, 0f, 0f])],
            Profiles = [profile],
            Fingerprints = [new StemFingerprint("chromaprint-2", 1.5, print)],
        });

        Assert.Equal((128.0, 127.0, 4.0), (_store.GetDescriptors(s)!.Bpm!.Value, _store.GetDescriptors(s)!.StatedBpm!.Value, _store.GetDescriptors(s)!.LoopBars!.Value));
        Assert.Equal([0.6f, 0.8f], _store.GetEmbedding(s, "clap")!.Vector);
        Assert.Equal([1f, 0f, 0f], _store.GetEmbedding(s, "descriptors:v1")!.Vector);
        Assert.Equal(profile.Families["mood"], _store.GetProfile(s, "prompts-1")!.Families["mood"]);
        Assert.Equal(print, _store.GetFingerprints("chromaprint-2")[s]);
        var changes = _store.GetChangesSince(start);
        Assert.Equal(
            [CatalogChangeKind.DescriptorsSet, CatalogChangeKind.EmbeddingSet, CatalogChangeKind.EmbeddingSet, CatalogChangeKind.ProfileSet],
            changes.Select(c => c.Kind));
        Assert.Equal(["clap", "descriptors:v1", "prompts-1"], changes.Skip(1).Select(c => c.ModelId));
        Assert.Single(events);
        Assert.Equal(changes.Select(c => c.Sequence), events[0].Select(c => c.Sequence));
    }

    [Fact]
    public void SaveAnalysis_UnknownStem_ThrowsNotFoundAndWritesNothing()
    {
        var start = _store.ChangeSequence;
        Assert.Throws<NotFoundException>(() => _store.SaveAnalysis(999_999, new AnalysisResults
        {
            Descriptors = Descriptors(),
            Embeddings = [new Embedding("clap", [1f])],
        }));
        Assert.Equal(start, _store.ChangeSequence);
        Assert.Equal(0, _store.CountEmbeddings("clap"));
    }

    [Fact]
    public void SaveAnalysis_AnEmptyEmbedding_ThrowsInvalidInputAndWritesNoPart()
    {
        var s = _store.AddStem(Stem(1)).Id;
        var start = _store.ChangeSequence;
        Assert.Throws<InvalidInputException>(() => _store.SaveAnalysis(s, new AnalysisResults
        {
            Descriptors = Descriptors(),
            Embeddings = [new Embedding("clap", [1f]), new Embedding("empty", [])],
        }));
        Assert.Null(_store.GetDescriptors(s));
        Assert.Null(_store.GetEmbedding(s, "clap"));
        Assert.Equal(start, _store.ChangeSequence);
    }

    [Fact]
    public void GetStoredAnalysis_AfterSaves_ListsWhatTheStemHas()
    {
        var s = _store.AddStem(Stem(1)).Id;
        var other = _store.AddStem(Stem(2)).Id;
        var none = _store.GetStoredAnalysis(s);
        Assert.False(none.HasDescriptors);
        Assert.Empty(none.Embeddings);
        Assert.Empty(none.ProfileModels);
        Assert.Empty(none.FingerprintAlgorithms);

        _store.SaveAnalysis(s, new AnalysisResults { Descriptors = Descriptors(), Embeddings = [new Embedding("clap", [0.6f, 0.8f])] });
        _store.SaveAnalysis(s, new AnalysisResults { Fingerprints = [new StemFingerprint("chromaprint-2", 1, [7u])] });
        _store.SaveAnalysis(other, new AnalysisResults
        {
            Profiles = [new SemanticProfile("prompts-1", new Dictionary<string, IReadOnlyList<ProfileScore>>())],
        });
        var got = _store.GetStoredAnalysis(s);
        Assert.True(got.HasDescriptors);
        Assert.Equal(["clap"], got.Embeddings.Keys);
        Assert.Equal([0.6f, 0.8f], got.Embeddings["clap"]);
        Assert.Empty(got.ProfileModels);
        Assert.Equal(["chromaprint-2"], got.FingerprintAlgorithms);
        Assert.Equal(["prompts-1"], _store.GetStoredAnalysis(other).ProfileModels);
    }
}
