using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Ingest;
using Traum.Engine.Search;
using Traum.TestKit;
using Traum.TestKit.Fixtures;
using Xunit;

namespace Traum.Engine.Tests.Search;

/// <summary>
/// Ingest → embed → profile → search on a temporary library with the CLAP fixture model (tiny graphs with the real
/// model's interface). Truths: brute-force cosines over the embeddings stored in the catalog, and profiles recomputed
/// here from the text embeddings of the prompts with the softmax formula.
/// </summary>
public sealed class ClapSearchEndToEndTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (TempDir Dir, TraumContext Context, Library Library, List<string> Files) Setup()
    {
        var dir = new TempDir("clap-search");
        var model = ClapFixture.CreateModelFolder(dir.File("clap"));
        var context = TraumContext.ForLibrary(dir.File("lib"), new Dictionary<string, string?> { ["models:clap:path"] = model });
        var library = Library.Open(context.LibraryPath);
        var files = new List<string>();
        const int rate = 22050;
        float[][] sounds =
        [
            Signals.Sine(110, 1.5, rate), Signals.Sine(440, 1.5, rate), Signals.Sine(1760, 1.2, rate),
            Signals.WhiteNoise(1.0, rate, 0.3, seed: 3), Signals.PinkNoise(2.0, rate, 0.3, seed: 4),
            Signals.ClickTrack(120, 2.0, rate), Signals.Chord([57, 60, 64], 2.0, rate), Signals.DrumHit(0.5, rate),
        ];
        for (var i = 0; i < sounds.Length; i++)
        {
            var path = dir.File($"sound{i}.wav");
            AudioFile.Write(path, AudioBuffer.Mono(sounds[i], rate));
            files.Add(path);
        }
        return (dir, context, library, files);
    }

    private static double Cos(float[] a, float[] b) => SearchFixture.Cosine(a, b);

    [Fact]
    public void IngestThenSearch_FixtureClap_RankingEqualsBruteForceOverStoredEmbeddings()
    {
        var (dir, context, library, files) = Setup();
        using var _ = dir;
        using var __ = library;
        using var models = SearchModels.Load(context);
        Assert.NotNull(models.ClapAudio);
        Assert.Equal(ClapFixture.ModelId, models.ClapAudio!.ModelId);

        var ingester = new StemIngester(library, EmbeddingStemAnalyzer.For(models));
        foreach (var f in files) Assert.NotEqual(IngestStatus.Failed, ingester.Ingest(new IngestItem(f) { Kind = "other", Category = "test" }, Ct).Status);
        var stored = library.Catalog.GetEmbeddings(ClapFixture.ModelId).ToDictionary(v => v.StemId, v => v.Vector);
        Assert.Equal(files.Count, stored.Count);
        Assert.All(stored.Values, v => Assert.Equal(1.0, Math.Sqrt(v.Sum(x => (double)x * x)), 1e-4));

        using var service = new SearchService(library, models);
        // Text: the ranking is the brute-force ranking of stored vectors against the text embedding.
        var query = "warm analog bass";
        var text = models.ClapText!.EmbedText([query], Ct)[0];
        var results = service.SearchText(query, 5, cancellationToken: Ct);
        var expected = stored.OrderByDescending(kv => Cos(text, kv.Value)).ThenBy(kv => kv.Key).Take(5).ToList();
        Assert.Equal(expected.Select(kv => kv.Key), results.Hits.Select(h => h.StemId));
        for (var i = 0; i < expected.Count; i++) Assert.Equal(Cos(text, expected[i].Value), results.Hits[i].Score, 1e-4);
        Assert.All(results.Hits, h => Assert.Equal(ClapFixture.ModelId, h.EmbeddingModel));

        // By example: a file identical to a stem finds that stem first, with cosine 1.
        var byFile = service.SimilarToFile(files[2], 3, cancellationToken: Ct);
        var stem2 = library.Catalog.ListStems().Single(s => s.SourcePath == Path.GetFullPath(files[2]));
        Assert.Equal(stem2.Id, byFile.Hits[0].StemId);
        Assert.Equal(1.0, byFile.Hits[0].Score, 1e-4);

        // Every stem got a profile; each family's scores follow the softmax formula over the prompt embeddings.
        var semantic = models.Semantic!;
        var profile = service.GetProfile(stem2.Id)!;
        foreach (var family in models.Prompts.Families)
        {
            var labelVectors = family.Labels.Select(l =>
            {
                var mean = new double[ClapFixture.Dimension];
                foreach (var v in models.ClapText.EmbedText(l.Prompts, Ct))
                {
                    var n = Math.Sqrt(v.Sum(x => (double)x * x));
                    for (var j = 0; j < mean.Length; j++) mean[j] += v[j] / n;
                }
                var m = Math.Sqrt(mean.Sum(x => x * x));
                return mean.Select(x => (float)(x / m)).ToArray();
            }).ToList();
            var logits = labelVectors.Select(lv => models.Prompts.Scale * Cos(stored[stem2.Id], lv)).ToArray();
            var max = logits.Max();
            var z = logits.Sum(x => Math.Exp(x - max));
            var scores = profile.Families[family.Name];
            for (var i = 0; i < logits.Length; i++) Assert.Equal(Math.Exp(logits[i] - max) / z, scores[i].Score, 1e-3);
        }
        Assert.Equal(files.Count, library.Catalog.GetProfiles(semantic.ProfileKey).Count);
    }

    [Fact]
    public void Reindex_StemsIngestedBeforeClap_GetEmbeddingsAndProfiles()
    {
        var (dir, context, library, files) = Setup();
        using var _ = dir;
        using var __ = library;
        // Ingest without any search analyser (as on a machine without CLAP).
        var ingester = new StemIngester(library, []);
        foreach (var f in files) ingester.Ingest(new IngestItem(f) { Kind = "other", Category = "test" }, Ct);
        Assert.Equal(0, library.Catalog.CountEmbeddings(ClapFixture.ModelId));
        using var models = SearchModels.Load(context);
        using var service = new SearchService(library, models);
        var before = service.SearchText("kick", 3, cancellationToken: Ct);
        Assert.Empty(before.Hits);
        Assert.Equal(files.Count, before.MissingEmbeddings);
        var summary = service.Reindex(cancellationToken: Ct);
        Assert.Equal(files.Count, summary.Embedded[ClapFixture.ModelId]);
        Assert.Equal(files.Count, summary.Profiled);
        Assert.Empty(summary.Failures);
        var after = service.SearchText("kick", 3, cancellationToken: Ct);
        Assert.Equal(3, after.Hits.Count);
        Assert.Equal(0, after.MissingEmbeddings);
        // Percentiles across the library: each label's top stem has 100 and the others follow 100·#{≤x}/n.
        var profiles = models.ProfileKey is { } key ? library.Catalog.GetProfiles(key) : throw new InvalidOperationException();
        var dark = profiles.ToDictionary(p => p.Key, p => p.Value.Families["mood"].Single(s => s.Label == "dark"));
        foreach (var (id, s) in dark)
        {
            var expected = 100.0 * dark.Values.Count(o => o.Score <= s.Score) / dark.Count;
            Assert.Equal(expected, s.Percentile, 1e-9);
        }
    }

    [Fact]
    public void Load_NoClapInstalled_ClapProblemNamesTheFix()
    {
        using var dir = new TempDir("no-clap");
        var context = TraumContext.ForLibrary(dir.File("lib"), new Dictionary<string, string?>
        {
            ["models:clap:path"] = dir.File("missing-model"),
        });
        using var models = SearchModels.Load(context);
        Assert.Null(models.ClapAudio);
        Assert.NotNull(models.ClapProblem);
        var e = Assert.Throws<ModelNotFoundException>(() => models.RequireText());
        Assert.Contains("traum models pull clap", e.Message);
    }
}
