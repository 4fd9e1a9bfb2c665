using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Ingest;
using Traum.Engine.Search;
using Traum.TestKit;
using Xunit;

namespace Traum.Engine.Tests.Search;

/// <summary>
/// Without CLAP: ingest embeds with the descriptor embedding ("descriptors:v1"), and query by example and duplicates
/// work on it. Truth: brute-force cosines over the embeddings stored in the catalog.
/// </summary>
public sealed class DescriptorSearchEndToEndTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void IngestSimilarDuplicates_NoClap_UseDescriptorEmbedding()
    {
        using var dir = new TempDir("descriptor-search");
        var context = TraumContext.ForLibrary(dir.File("lib"), new Dictionary<string, string?> { ["models:clap:path"] = dir.File("no-clap") });
        using var library = Library.Open(context.LibraryPath);
        using var models = SearchModels.Load(context);
        Assert.Null(models.ClapAudio);
        Assert.Equal("descriptors:v1", models.Offline!.ModelId);

        const int rate = 22050;
        float[][] sounds =
        [
            Signals.Sine(110, 2, rate), Signals.Chord([57, 60, 64], 2, rate), Signals.WhiteNoise(2, rate, 0.3, seed: 3),
            Signals.ClickTrack(120, 3, rate), Signals.DrumHit(0.6, rate), Signals.PinkNoise(2, rate, 0.3, seed: 5),
        ];
        var files = new List<string>();
        for (var i = 0; i < sounds.Length; i++)
        {
            files.Add(dir.File($"s{i}.wav"));
            AudioFile.Write(files[^1], AudioBuffer.Mono(sounds[i], rate));
        }
        // The chord again at half the gain: different audio (content hash), same sound.
        files.Add(dir.File("chord-quiet.wav"));
        AudioFile.Write(files[^1], AudioBuffer.Mono(sounds[1].Select(x => x * 0.5f).ToArray(), rate));

        var ingester = new StemIngester(library, EmbeddingStemAnalyzer.For(models));
        foreach (var f in files) Assert.NotEqual(IngestStatus.Failed, ingester.Ingest(new IngestItem(f) { Kind = "other", Category = "test" }, Ct).Status);
        var stored = library.Catalog.GetEmbeddings("descriptors:v1").ToDictionary(v => v.StemId, v => v.Vector);
        Assert.Equal(files.Count, stored.Count);

        using var service = new SearchService(library, models);
        Assert.Contains("traum models pull clap", Assert.Throws<ModelNotFoundException>(() => service.SearchText("pad", 3, cancellationToken: Ct)).Message);

        var results = service.SimilarToFile(files[3], 4, cancellationToken: Ct);
        var query = models.Offline.EmbedAudio([AudioFile.Read(files[3], Ct)], Ct)[0];
        var expected = stored.OrderByDescending(kv => SearchFixture.Cosine(query, kv.Value)).ThenBy(kv => kv.Key).Take(4).Select(kv => kv.Key);
        Assert.Equal(expected, results.Hits.Select(h => h.StemId));
        Assert.Equal(1.0, results.Hits[0].Score, 1e-4);
        Assert.All(results.Hits, h => Assert.Equal("descriptors:v1", h.EmbeddingModel));

        var stemOf = library.Catalog.ListStems().ToDictionary(s => Path.GetFileName(s.SourcePath!), s => s.Id);
        var report = service.FindDuplicates(cancellationToken: Ct);
        Assert.Equal("descriptors:v1", report.EmbeddingModel);
        var pairs = report.Groups.SelectMany(g => g.Pairs).ToList();
        // Truth: every pair of stored vectors at or above the threshold.
        var ids = stored.Keys.Order().ToList();
        var truth = new List<(long, long)>();
        for (var i = 0; i < ids.Count; i++)
        {
            for (var j = i + 1; j < ids.Count; j++)
            {
                if (SearchFixture.Cosine(stored[ids[i]], stored[ids[j]]) >= 0.997) truth.Add((ids[i], ids[j]));
            }
        }
        Assert.Equal(truth.Order(), pairs.Select(p => (p.A, p.B)).Order());
        Assert.Contains((stemOf["s1.wav"], stemOf["chord-quiet.wav"]), truth);
    }
}
