using Traum.Audio;
using Traum.Audio.IO;
using Traum.Core;
using Traum.Engine.Separation;
using Traum.TestKit;
using Xunit;

namespace Traum.Engine.Tests.Separation;

public sealed class SeparationMetricsTests
{
    private static float[] Music(int seed) =>
        [.. Signals.Chord([48, 55, 64], 2, 44100, 0.4).Zip(Signals.PinkNoise(2, 44100, 0.2, seed), (a, b) => a + b)];

    [Fact]
    public void Score_ExactEstimate_IsLimitedOnlyByEpsilon()
    {
        var x = Music(1);
        var energy = x.Sum(v => (double)v * v);
        var (usdr, sisdr) = SeparationMetrics.Score(x, x);
        Assert.Equal(10 * Math.Log10((energy + 1e-7) / 1e-7), usdr, 6);
        Assert.True(sisdr > 100);
    }

    [Fact]
    public void Score_HalfAmplitude_Is6Point02DbUsdrAndScaleInvariant()
    {
        var x = Music(2);
        var half = x.Select(v => v * 0.5f).ToArray();
        var (usdr, sisdr) = SeparationMetrics.Score(x, half);
        Assert.Equal(20 * Math.Log10(2), usdr, 5); // Σ(x − x/2)² = Σx²/4 → 10·log10 4 = 6.0206 dB
        Assert.True(sisdr > 60, $"SI-SDR {sisdr}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(20)]
    [InlineData(-5)]
    public void Score_WhiteNoiseAtKDb_IsKDb(double k)
    {
        var x = Music(3);
        var noise = Signals.WhiteNoise(2, 44100, 0.5, seed: 9);
        double ex = x.Sum(v => (double)v * v), en = noise.Sum(v => (double)v * v);
        var g = Math.Sqrt(ex / en / Math.Pow(10, k / 10));
        var est = x.Select((v, i) => (float)(v + (g * noise[i]))).ToArray();
        // The noise actually added (after float rounding) has energy ex·10^(−k/10) up to rounding.
        var (usdr, sisdr) = SeparationMetrics.Score(x, est);
        Assert.Equal(k, usdr, 3);
        Assert.InRange(sisdr, k - 0.1, k + 0.1); // noise is nearly orthogonal to the music
    }

    [Fact]
    public void ScoreFolders_MatchingFileNames_ScoresEachStem()
    {
        using var tmp = new TempDir("eval");
        Directory.CreateDirectory(tmp.File("ref"));
        Directory.CreateDirectory(tmp.File("est"));
        var x = Music(4);
        var y = Music(5);
        void Write(string path, float[] l, float[] r) => AudioFile.Write(path, new AudioBuffer([l, r], 44100), new AudioWriteOptions(SampleFormat.Float32));
        Write(tmp.File("ref/vocals.wav"), x, y);
        Write(tmp.File("est/vocals.wav"), [.. x.Select(v => v * 0.5f)], [.. y.Select(v => v * 0.5f)]);
        Write(tmp.File("ref/drums.wav"), y, x);
        Write(tmp.File("est/drums.wav"), y, x);
        Write(tmp.File("ref/bass.wav"), y, x); // no estimate: not scored
        var scores = SeparationMetrics.ScoreFolders(tmp.File("ref"), tmp.File("est"), TestContext.Current.CancellationToken);
        Assert.Equal(["drums", "vocals"], scores.Select(s => s.Stem));
        Assert.Equal(20 * Math.Log10(2), scores[1].USdr, 4);
        Assert.True(scores[0].USdr > 60);
        Assert.Equal(x.Length, scores[1].Frames);
    }

    [Fact]
    public void ScoreFolders_NoCommonNames_SaysHowToNameThem()
    {
        using var tmp = new TempDir("eval");
        Directory.CreateDirectory(tmp.File("ref"));
        Directory.CreateDirectory(tmp.File("est"));
        AudioFile.Write(tmp.File("ref/a.wav"), new AudioBuffer([Music(1)], 44100));
        AudioFile.Write(tmp.File("est/b.wav"), new AudioBuffer([Music(1)], 44100));
        var e = Assert.Throws<InvalidInputException>(() => SeparationMetrics.ScoreFolders(tmp.File("ref"), tmp.File("est"), TestContext.Current.CancellationToken));
        Assert.Contains("vocals.wav", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ScoreFiles_DifferentLengths_AreRejected()
    {
        using var tmp = new TempDir("eval");
        var x = Music(1);
        AudioFile.Write(tmp.File("r.wav"), new AudioBuffer([x], 44100));
        AudioFile.Write(tmp.File("e.wav"), new AudioBuffer([x[..1000]], 44100));
        Assert.Throws<InvalidInputException>(() => SeparationMetrics.ScoreFiles("x", tmp.File("r.wav"), tmp.File("e.wav"), TestContext.Current.CancellationToken));
    }
}
