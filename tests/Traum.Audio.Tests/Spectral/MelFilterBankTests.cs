using Traum.Audio.Spectral;
using Xunit;

namespace Traum.Audio.Tests.Spectral;

public sealed class MelFilterBankTests
{
    [Fact]
    public void Create_ClapSlaney_FirstFilterGolden()
    {
        // librosa.filters.mel(sr=48000, n_fft=1024, n_mels=64, fmin=50, fmax=14000): row 0 is non-zero only at
        // bins 2 and 3.
        var w = MelFilterBank.Create(48000, 1024, 64, 50, 14000);
        const int Bins = 513;
        Assert.Equal(64 * Bins, w.Length);
        for (var k = 0; k < Bins; k++)
        {
            switch (k)
            {
                case 2:
                    Assert.Equal(1.501181e-2, w[k], 1e-8);
                    break;
                case 3:
                    Assert.Equal(5.951485e-3, w[k], 1e-8);
                    break;
                default:
                    Assert.Equal(0f, w[k]);
                    break;
            }
        }
    }

    [Theory]
    [InlineData(16000, 512, 40, 0.0, 8000.0)]
    [InlineData(22050, 2048, 128, 20.0, 11025.0)]
    public void Create_Htk_EqualsTriangleFormula(int sr, int nFft, int nMels, double fMin, double fMax)
    {
        // HTK: m(f) = 2595·log10(1 + f/700); nMels+2 edges equally spaced in m; weight = triangle, peak 1 (no norm).
        static double Mel(double f) => 2595 * Math.Log10(1 + (f / 700));
        static double Hz(double m) => 700 * (Math.Pow(10, m / 2595) - 1);
        var w = MelFilterBank.Create(sr, nFft, nMels, fMin, fMax, MelScale.Htk, MelNorm.None);
        var bins = (nFft / 2) + 1;
        for (var m = 0; m < nMels; m++)
        {
            var lo = Hz(Mel(fMin) + ((Mel(fMax) - Mel(fMin)) * m / (nMels + 1)));
            var mid = Hz(Mel(fMin) + ((Mel(fMax) - Mel(fMin)) * (m + 1) / (nMels + 1)));
            var hi = Hz(Mel(fMin) + ((Mel(fMax) - Mel(fMin)) * (m + 2) / (nMels + 1)));
            for (var k = 0; k < bins; k++)
            {
                var f = (double)k * sr / nFft;
                var want = f <= lo || f >= hi ? 0 : f <= mid ? (f - lo) / (mid - lo) : (hi - f) / (hi - mid);
                Assert.Equal(want, w[(m * bins) + k], 1e-5);
            }
        }
    }

    [Fact]
    public void Create_SlaneyNorm_EachTriangleHasUnitArea()
    {
        // Slaney normalisation scales every triangle to height 2/(hi − lo): area 1 over frequency in Hz. With a fine
        // FFT grid the Riemann sum Σ w·Δf approximates that area.
        const int Sr = 48000, NFft = 32768;
        var w = MelFilterBank.Create(Sr, NFft, 64, 50, 14000);
        var bins = (NFft / 2) + 1;
        var df = (double)Sr / NFft;
        for (var m = 0; m < 64; m++)
        {
            double area = 0;
            for (var k = 0; k < bins; k++) area += w[(m * bins) + k] * df;
            Assert.Equal(1.0, area, 0.03);
        }
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(500.0, 7.5)]
    [InlineData(1000.0, 15.0)]
    [InlineData(6400.0, 42.0)]
    public void HzToMel_Slaney_LinearBelow1kLogAbove(double hz, double mel)
    {
        // Slaney: 3 mels per 200 Hz below 1 kHz (15 at 1 kHz); 27 mels per factor 6.4 above.
        Assert.Equal(mel, MelFilterBank.HzToMel(hz, MelScale.Slaney), 1e-9);
        Assert.Equal(hz, MelFilterBank.MelToHz(mel, MelScale.Slaney), 1e-6);
    }

    [Fact]
    public void HzToMel_Htk_1000HzIsAbout1000Mel()
    {
        Assert.Equal(2595 * Math.Log10(1 + (1000.0 / 700)), MelFilterBank.HzToMel(1000, MelScale.Htk), 1e-9);
        Assert.Equal(1000.0, MelFilterBank.MelToHz(MelFilterBank.HzToMel(1000, MelScale.Htk), MelScale.Htk), 1e-9);
    }
}
