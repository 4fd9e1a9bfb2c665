using Traum.Audio;
using Traum.Core;
using Traum.Models.Clap;
using Traum.TestKit;
using Traum.TestKit.Fixtures;
using Xunit;

namespace Traum.Models.Tests.Clap;

public sealed class ClapEmbedderTests : IDisposable
{
    private readonly TempDir _dir = new("clap");
    private readonly string _folder;

    public ClapEmbedderTests()
    {
        _folder = ClapFixture.CreateModelFolder(Path.Combine(_dir.Path, "model"));
    }

    public void Dispose() => _dir.Dispose();

    private ClapEmbedder Embedder(int batch = 8, int cache = 16) =>
        new(ClapModelLocator.FromFolder(_folder, "fp32"), new ClapOptions { Path = _folder, BatchSize = batch, TextCacheSize = cache, IntraOpThreads = 1 });

    private static void AssertClose(double[] expected, float[] actual, double tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"[{i}] expected {expected[i]}, got {actual[i]}");
        }
    }

    private static double Norm(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x));

    [Fact]
    public void Open_FixtureFolder_ReportsModelIdAndDimension()
    {
        using var e = Embedder();

        e.Open();

        Assert.Equal(ClapFixture.ModelId, e.ModelId);
        Assert.Equal(512, e.Dimension);
    }

    [Fact]
    public void EmbedAudio_TenSecondSine_IsTheNormalisedGraphFunctionOfItsFeatures()
    {
        using var e = Embedder();
        var x = Signals.Sine(440, 10, 48000, 0.3);
        var features = ClapFeatureExtractor.Instance.Extract(x, out _);

        var v = e.EmbedAudio([AudioBuffer.Mono(x, 48000)], TestContext.Current.CancellationToken).Single();

        AssertClose(ClapFixture.Normalized(ClapFixture.AudioEmbedding(features)), v, 1e-4);
        Assert.Equal(1.0, Norm(v), 1e-5);
    }

    [Fact]
    public void EmbedAudio_LongStem_IsNormalisedMeanOfNormalisedWindowEmbeddings()
    {
        using var e = Embedder(batch: 2);
        var x = Signals.Progression([[48, 52, 55], [50, 53, 57], [43, 47, 50]], 8.5, 48000);
        Assert.True(x.Length > 960_000);
        var features = ClapFeatureExtractor.Instance.Extract(x, out var windows);
        Assert.Equal(3, windows);
        var sum = new double[512];
        for (var w = 0; w < windows; w++)
        {
            var ew = ClapFixture.Normalized(ClapFixture.AudioEmbedding(features.AsSpan(w * ClapFeatureExtractor.FeaturesPerWindow, ClapFeatureExtractor.FeaturesPerWindow)));
            for (var j = 0; j < 512; j++) sum[j] += ew[j];
        }

        var v = e.EmbedAudio([AudioBuffer.Mono(x, 48000)], TestContext.Current.CancellationToken).Single();

        AssertClose(ClapFixture.Normalized(sum), v, 1e-4);
    }

    [Fact]
    public void EmbedAudio_BatchOfMany_EqualsOneAtATime()
    {
        var ct = TestContext.Current.CancellationToken;
        AudioBuffer[] clips =
        [
            AudioBuffer.Mono(Signals.Sine(220, 3, 48000), 48000),
            AudioBuffer.Mono(Signals.WhiteNoise(12, 48000, 0.2), 48000),
            AudioBuffer.Mono(Signals.ClickTrack(120, 6, 48000), 48000),
            AudioBuffer.Mono(Signals.PinkNoise(1, 48000), 48000),
        ];
        using var batched = Embedder(batch: 3);
        using var single = Embedder(batch: 1);

        var together = batched.EmbedAudio(clips, ct);
        var separately = clips.Select(c => single.EmbedAudio([c], ct).Single()).ToList();

        for (var i = 0; i < clips.Length; i++)
        {
            AssertClose(separately[i].Select(f => (double)f).ToArray(), together[i], 1e-5);
        }
        Assert.True(together[0].Zip(together[1]).Sum(p => p.First * p.Second) < 0.9999, "different audio should give different embeddings");
    }

    [Fact]
    public void EmbedAudio_Stereo_EmbedsTheChannelMean()
    {
        var ct = TestContext.Current.CancellationToken;
        var l = Signals.Sine(300, 4, 48000, 0.4);
        var r = Signals.Sine(900, 4, 48000, 0.2);
        var mean = l.Zip(r, (a, b) => (a + b) / 2).ToArray();
        using var e = Embedder();

        var stereo = e.EmbedAudio([new AudioBuffer([l, r], 48000)], ct).Single();
        var mono = e.EmbedAudio([AudioBuffer.Mono(mean, 48000)], ct).Single();

        AssertClose(mono.Select(f => (double)f).ToArray(), stereo, 1e-6);
    }

    [Fact]
    public void EmbedAudio_EmptyBuffer_ThrowsInvalidInput()
    {
        using var e = Embedder();

        Assert.Throws<InvalidInputException>(() => e.EmbedAudio([new AudioBuffer(1, 0, 48000)], TestContext.Current.CancellationToken));
    }

    [Fact]
    public void EmbedFeatures_Windows_AreEachNormalisedGraphOutputs()
    {
        using var e = Embedder(batch: 2);
        var x = Signals.WhiteNoise(25, 48000, 0.1);
        var features = ClapFeatureExtractor.Instance.Extract(x, out var windows);

        var vs = e.EmbedFeatures(features, windows);

        Assert.Equal(3, vs.Length);
        for (var w = 0; w < windows; w++)
        {
            AssertClose(ClapFixture.Normalized(ClapFixture.AudioEmbedding(features.AsSpan(w * ClapFeatureExtractor.FeaturesPerWindow, ClapFeatureExtractor.FeaturesPerWindow))), vs[w], 1e-4);
        }
    }

    [Fact]
    public void EmbedText_Texts_AreNormalisedGraphFunctionOfReferenceTokenIds()
    {
        using var e = Embedder();
        var reference = new ReferenceBpe(Path.Combine(_folder, "vocab.json"), Path.Combine(_folder, "merges.txt"));
        string[] texts = ["Hello world", "dusty vinyl drum loop", "café 🥁"];

        var vs = e.EmbedText(texts, TestContext.Current.CancellationToken);

        for (var i = 0; i < texts.Length; i++)
        {
            long[] ids = [0, .. reference.Encode(texts[i]).Select(x => (long)x), 2];
            AssertClose(ClapFixture.Normalized(ClapFixture.TextEmbedding(ids)), vs[i], 1e-3);
            Assert.Equal(1.0, Norm(vs[i]), 1e-5);
        }
    }

    [Fact]
    public void EmbedText_MixedLengthsInBatches_EqualsOneAtATime()
    {
        var ct = TestContext.Current.CancellationToken;
        string[] texts = ["kick", "snare", "deep bass", "airy pad", "a", "bright lead synth", "dark", "drums", "loop", "Hello world"];
        using var batched = Embedder(batch: 3, cache: 0);
        using var single = Embedder(batch: 1, cache: 0);

        var together = batched.EmbedText(texts, ct);

        for (var i = 0; i < texts.Length; i++)
        {
            AssertClose(single.EmbedText([texts[i]], ct).Single().Select(f => (double)f).ToArray(), together[i], 1e-6);
        }
    }

    [Fact]
    public void EmbedText_RepeatedText_IsServedFromCache()
    {
        var ct = TestContext.Current.CancellationToken;
        using var e = Embedder(cache: 4);

        var first = e.EmbedText(["warm pad", "tight kick"], ct);
        var second = e.EmbedText(["tight kick", "new text"], ct);

        Assert.Equal(1, e.TextCacheHits);
        Assert.Equal(first[1], second[0]);
        second[0][0] = 42; // callers get copies: the cache is not changed through them
        Assert.Equal(first[1], e.EmbedText(["tight kick"], ct)[0]);
    }

    [Fact]
    public void EmbedText_CacheFull_EvictsLeastRecentlyUsed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var e = Embedder(cache: 2);
        e.EmbedText(["a"], ct);
        e.EmbedText(["b"], ct);
        e.EmbedText(["a"], ct); // a is now most recent
        e.EmbedText(["c"], ct); // evicts b
        var hitsBefore = e.TextCacheHits;

        e.EmbedText(["a"], ct);
        e.EmbedText(["b"], ct);

        Assert.Equal(hitsBefore + 1, e.TextCacheHits);
    }

    [Fact]
    public void EmbedText_DuplicatesInOneCall_GetEqualVectors()
    {
        using var e = Embedder();

        var vs = e.EmbedText(["same", "other", "same"], TestContext.Current.CancellationToken);

        Assert.Equal(vs[0], vs[2]);
        Assert.NotEqual(vs[0], vs[1]);
    }

    [Fact]
    public void Open_AudioGraphWithTextInterface_ThrowsNamingExpectedInput()
    {
        File.Copy(Path.Combine(_folder, "onnx", "text_model.onnx"), Path.Combine(_folder, "onnx", "audio_model.onnx"), overwrite: true);
        using var e = Embedder();

        var ex = Assert.Throws<ModelNotFoundException>(e.Open);

        Assert.Contains("input_features", ex.Message, StringComparison.Ordinal);
        Assert.Contains("input_ids", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TextGraphWithAudioInterface_ThrowsNamingExpectedInput()
    {
        File.Copy(Path.Combine(_folder, "onnx", "audio_model.onnx"), Path.Combine(_folder, "onnx", "text_model.onnx"), overwrite: true);
        using var e = Embedder();

        var ex = Assert.Throws<ModelNotFoundException>(() => e.EmbedText(["x"], TestContext.Current.CancellationToken));

        Assert.Contains("input_ids", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_CorruptGraphFile_ThrowsModelNotFoundWithFix()
    {
        File.WriteAllBytes(Path.Combine(_folder, "onnx", "audio_model.onnx"), [1, 2, 3, 4, 5]);
        using var e = Embedder();

        var ex = Assert.Throws<ModelNotFoundException>(e.Open);

        Assert.Contains("audio_model.onnx", ex.Message, StringComparison.Ordinal);
        Assert.Contains("traum models pull clap", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_ZeroBatch_ThrowsInvalidInput()
    {
        Assert.Throws<InvalidInputException>(() => new ClapEmbedder(ClapModelLocator.FromFolder(_folder, "fp32"), new ClapOptions { BatchSize = 0 }));
    }
}
