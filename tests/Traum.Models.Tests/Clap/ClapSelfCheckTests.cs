using Traum.Audio;
using Traum.Models.Clap;
using Traum.TestKit;
using Traum.TestKit.Fixtures;
using Xunit;

namespace Traum.Models.Tests.Clap;

public sealed class ClapSelfCheckTests
{
    [Fact]
    public void Run_FixtureFolder_PassesGraphAndEmbeddingChecksAndSkipsGoldens()
    {
        using var dir = new TempDir("self");
        var folder = ClapFixture.CreateModelFolder(dir.File("m"));

        var results = ClapSelfCheck.Run(ClapModelLocator.FromFolder(folder, "fp32"), null, TestContext.Current.CancellationToken);

        Assert.True(results.Single(r => r.Name == "graphs").Passed);
        Assert.Null(results.Single(r => r.Name == "tokenizer goldens").Passed);
        Assert.True(results.Single(r => r.Name.StartsWith("audio embedding", StringComparison.Ordinal)).Passed);
        Assert.True(results.Single(r => r.Name == "text embedding").Passed);
        Assert.DoesNotContain(results, r => r.Passed == false);
    }

    [Fact]
    public void Run_SwappedGraphs_FailsTheGraphCheck()
    {
        using var dir = new TempDir("self");
        var folder = ClapFixture.CreateModelFolder(dir.File("m"));
        File.Copy(Path.Combine(folder, "onnx", "text_model.onnx"), Path.Combine(folder, "onnx", "audio_model.onnx"), overwrite: true);

        var results = ClapSelfCheck.Run(ClapModelLocator.FromFolder(folder, "fp32"), null, TestContext.Current.CancellationToken);

        Assert.False(results.Single(r => r.Name == "graphs").Passed);
    }

    [Fact]
    public void EmbedAudio_44100HzInput_IsResampledTo48kHzFirst()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("self");
        using var e = new ClapEmbedder(ClapModelLocator.FromFolder(ClapFixture.CreateModelFolder(dir.File("m")), "fp32"));
        var at48 = e.EmbedAudio([AudioBuffer.Mono(Signals.Sine(1000, 10, 48000, 0.5), 48000)], ct)[0];
        var at44 = e.EmbedAudio([AudioBuffer.Mono(Signals.Sine(1000, 10, 44100, 0.5), 44100)], ct)[0];
        var other = e.EmbedAudio([AudioBuffer.Mono(Signals.Sine(1000 * 48000.0 / 44100, 10, 48000, 0.5), 48000)], ct)[0];

        var same = at48.Zip(at44).Sum(p => (double)p.First * p.Second);
        var shifted = other.Zip(at44).Sum(p => (double)p.First * p.Second);

        // The same tone at either rate embeds alike; treating 44.1 kHz samples as 48 kHz would move it to 1088 Hz.
        Assert.True(same > shifted, $"cosine same-tone {same} should exceed cosine with the mis-rated tone {shifted}");
        // And the tone's own mel band carries the same level at either rate.
        var f48 = ClapFeatureExtractor.Instance.Extract(ClapFeatureExtractor.ToModelRate(AudioBuffer.Mono(Signals.Sine(1000, 10, 48000, 0.5), 48000)), out _);
        var f44 = ClapFeatureExtractor.Instance.Extract(ClapFeatureExtractor.ToModelRate(AudioBuffer.Mono(Signals.Sine(1000, 10, 44100, 0.5), 44100)), out _);
        var row = f48.AsSpan(500 * 64, 64).ToArray();
        var band = Array.IndexOf(row, row.Max());
        for (var t = 10; t < 990; t++) Assert.Equal(f48[(t * 64) + band], f44[(t * 64) + band], 0.05f);
    }
}
