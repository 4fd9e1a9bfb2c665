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
    public void Score_ExactEstimate_UsdrLimitedByEpsilonSiSdrInfinite()
    {
        var x = Music(1);
        var energy = x.Sum(v => (double)v * v);
        var (usdr, sisdr) = SeparationMetrics.Score(x, x);
        Assert.Equal(10 * Math.Log10((energy + 1e-7) / 1e-7), usdr, 6);
        Assert.Equal(double.PositiveInfinity, sisdr);
    }

    [Theory]
    [InlineData(1e-3)]
    [InlineData(1e-4)]
    [InlineData(1e-5)]
    public void Score_QuietStemWithKnownNoise_SiSdrDoesNotDependOnLevel(double level)
    {
        // est = ref + n with n orthogonal to ref by construction: α = 1 and SI-SDR = 10·log10(‖ref‖² / ‖n‖²) exactly,
        // whatever the level (an ε added to both sides would pull quiet stems towards 0 dB).
        var n = 48000;
        var reference = new float[n];
        var noise = new float[n];
        for (var i = 0; i < n; i++)
        {
            reference[i] = (float)(level * Math.Sin(2 * Math.PI * 440 * i / 48000.0));
            noise[i] = (float)(level * 0.1 * Math.Cos(2 * Math.PI * 440 * i / 48000.0)); // quadrature: ⟨n, ref⟩ ≈ 0
        }
        var est = reference.Zip(noise, (r, e) => r + e).ToArray();
        double rr = reference.Sum(v => (double)v * v), nn = 0, rn = 0;
        for (var i = 0; i < n; i++)
        {
            var d = (double)est[i] - reference[i];
            nn += d * d;
            rn += d * reference[i];
        }
        // Closed form for any residual d: α = 1 + ⟨d,r⟩/‖r‖², target α²‖r‖², noise ‖d‖² − ⟨d,r⟩²/‖r‖².
        var alpha = 1 + (rn / rr);
        var expected = 10 * Math.Log10(alpha * alpha * rr / (nn - (rn * rn / rr)));

        var (_, sisdr) = SeparationMetrics.Score(reference, est);

        Assert.NotNull(sisdr);
        Assert.Equal(20.0, expected, 0.01);
        Assert.Equal(expected, sisdr!.Value, 0.01);
    }

    [Fact]
    public void Score_SilentEstimateOrReference_SiSdrUndefined()
    {
        var x = Music(6);
        var silent = new float[x.Length];
        Assert.Null(SeparationMetrics.Score(x, silent).SiSdr);
        Assert.Null(SeparationMetrics.Score(silent, x).SiSdr);
        Assert.Null(SeparationMetrics.Score(silent, silent).SiSdr);
    }

    [Fact]
    public void ScoreFiles_StereoWithOneNoisyChannel_ReportsEachChannel()
    {
        using var tmp = new TempDir("eval");
        var l = Music(7);
        var r = Music(8);
        var noise = Signals.WhiteNoise(2, 44100, 0.5, seed: 11);
        double er = r.Sum(v => (double)v * v), en = noise.Sum(v => (double)v * v);
        var g = Math.Sqrt(er / en / 10); // right channel at 10 dB
        var noisy = r.Select((v, i) => (float)(v + (g * noise[i]))).ToArray();
        AudioFile.Write(tmp.File("r.wav"), new AudioBuffer([l, r], 44100), new AudioWriteOptions(SampleFormat.Float32));
        AudioFile.Write(tmp.File("e.wav"), new AudioBuffer([l, noisy], 44100), new AudioWriteOptions(SampleFormat.Float32));

        var s = SeparationMetrics.ScoreFiles("x", tmp.File("r.wav"), tmp.File("e.wav"), TestContext.Current.CancellationToken);

        Assert.Equal(2, s.ChannelSiSdr.Count);
        Assert.Equal(double.PositiveInfinity, s.ChannelSiSdr[0]);
        Assert.InRange(s.ChannelSiSdr[1]!.Value, 9.9, 10.1);
        // Jointly the noise is 10 dB below one channel of two about equally loud ones: about 13 dB.
        var el = l.Sum(v => (double)v * v);
        Assert.InRange(s.SiSdr!.Value, (10 * Math.Log10((el + er) / (er / 10))) - 0.15, (10 * Math.Log10((el + er) / (er / 10))) + 0.15);
    }

    [Fact]
    public void Score_HalfAmplitude_Is6Point02DbUsdrAndScaleInvariant()
    {
        var x = Music(2);
        var half = x.Select(v => v * 0.5f).ToArray();
        var (usdr, sisdr) = SeparationMetrics.Score(x, half);
        Assert.Equal(20 * Math.Log10(2), usdr, 5); // Σ(x − x/2)² = Σx²/4 → 10·log10 4 = 6.0206 dB
        Assert.Equal(double.PositiveInfinity, sisdr);
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
        Assert.InRange(sisdr!.Value, k - 0.1, k + 0.1); // noise is nearly orthogonal to the music
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
