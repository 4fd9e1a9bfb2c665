using Traum.Audio.Spectral;
using Traum.Generative.Spectral;
using Traum.TestKit;
using Xunit;

namespace Traum.Generative.Tests.Spectral;

public sealed class LogMelSpectrogramTests
{
    [Fact]
    public void Compute_BinCentredSine_EqualsFilterWeightsTimesClosedFormPower()
    {
        // A sine on FFT bin k with amplitude A under a periodic Hann window has |X[k]|² = (A·N/4)², |X[k±1]|² = (A·N/8)²,
        // and (almost) nothing elsewhere; mel band m then holds Σ_k w[m,k]·|X[k]|², in dB.
        const int Sr = 48000, N = 1024, K = 40;
        const double A = 0.3;
        var x = Signals.Sine((double)K * Sr / N, 2, Sr, A);
        using var extractor = LogMelSpectrogram.Clap();
        var w = MelFilterBank.Create(Sr, N, 64, 50, 14000);

        var db = extractor.Compute(x, out var frames);

        Assert.Equal((x.Length / 480) + 1, frames);
        Assert.Equal(frames * 64, db.Length);
        var row = frames / 2 * 64;
        var pk = Math.Pow(A * N / 4, 2);
        var pn = Math.Pow(A * N / 8, 2);
        for (var m = 0; m < 64; m++)
        {
            var mel = (w[(m * 513) + K] * pk) + (w[(m * 513) + K - 1] * pn) + (w[(m * 513) + K + 1] * pn);
            if (mel < 1e-3) continue; // bands away from the tone hold only window leakage
            Assert.Equal(10 * Math.Log10(mel), db[row + m], 0.01);
        }
    }

    [Fact]
    public void Compute_TenSecondsOfSilence_ClapShapeAndFloorOfMinus100Db()
    {
        using var extractor = LogMelSpectrogram.Clap();
        var db = extractor.Compute(new float[480000], out var frames);
        Assert.Equal(1001, frames);
        Assert.All(db, v => Assert.Equal(-100f, v, 1e-4));
    }
}
