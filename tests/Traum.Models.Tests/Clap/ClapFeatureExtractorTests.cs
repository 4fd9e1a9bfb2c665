using Traum.Core;
using Traum.Models.Clap;
using Traum.TestKit;
using Xunit;

namespace Traum.Models.Tests.Clap;

public sealed class ClapFeatureExtractorTests
{
    private const int Bins = 513;
    private const double BinHz = 48000.0 / 1024;

    // Slaney mel scale written out from its definition: linear 3 mel per 200 Hz below 1 kHz, then
    // 27 mel per factor 6.4 (so 15 mel at 1 kHz).
    private static double Mel(double hz) => hz < 1000 ? 3 * hz / 200 : 15 + (27 * Math.Log(hz / 1000) / Math.Log(6.4));

    private static double Hz(double mel) => mel < 15 ? 200 * mel / 3 : 1000 * Math.Exp((mel - 15) * Math.Log(6.4) / 27);

    /// <summary>Filter m's weight at frequency f: a triangle between edges m, m+1, m+2 (66 edges equally spaced in mel from 50 to 14 000 Hz), area-normalised by 2/(upper − lower).</summary>
    private static double Filter(int m, double f)
    {
        double Edge(int i) => Hz(Mel(50) + ((Mel(14000) - Mel(50)) * i / 65.0));
        double lo = Edge(m), mid = Edge(m + 1), hi = Edge(m + 2);
        var tri = Math.Max(0, Math.Min((f - lo) / (mid - lo), (hi - f) / (hi - mid)));
        return tri * 2 / (hi - lo);
    }

    [Fact]
    public void MelFilters_EveryWeight_EqualsSlaneyTriangleClosedForm()
    {
        var w = ClapFeatureExtractor.Instance.MelFilters;

        Assert.Equal(64 * Bins, w.Length);
        for (var m = 0; m < 64; m++)
        {
            for (var k = 0; k < Bins; k++)
            {
                var expected = Filter(m, k * BinHz);
                Assert.True(Math.Abs(w[(m * Bins) + k] - expected) <= 1e-6 * Math.Max(1e-3, Math.Abs(expected)) + 1e-9,
                    $"filter {m} bin {k}: {w[(m * Bins) + k]} vs {expected}");
            }
        }
    }

    [Fact]
    public void MelFilters_WideBands_HaveUnitAreaInHz()
    {
        var w = ClapFeatureExtractor.Instance.MelFilters;

        // Slaney normalisation makes each triangle's area over frequency 1; with ≥ 10 bins under a triangle the
        // rectangle sum approximates it to about 1 %.
        for (var m = 40; m < 64; m++)
        {
            double area = 0;
            for (var k = 0; k < Bins; k++) area += w[(m * Bins) + k] * BinHz;
            Assert.InRange(area, 0.98, 1.02);
        }
    }

    [Fact]
    public void Compute_SineOnBin64_LandsInTheRightBandsAtTheClosedFormLevel()
    {
        const double A = 0.5;
        const int K0 = 64; // 3000 Hz
        var x = Signals.Sine(K0 * BinHz, 10, 48000, A);
        Assert.Equal(480000, x.Length);
        var features = new float[ClapFeatureExtractor.FeaturesPerWindow];

        ClapFeatureExtractor.Instance.Compute(x, 1, features);

        // Periodic Hann of N = 1024: Σw = N/2 and its DFT at ±1 bin is −N/4. A sine on bin k0 gives
        // |X[k0]| = A·N/4 and |X[k0 ± 1]| = A·N/8, every other bin 0.
        var p0 = Math.Pow(A * 1024 / 4, 2);
        var p1 = Math.Pow(A * 1024 / 8, 2);
        var expected = new double[64];
        for (var m = 0; m < 64; m++)
        {
            expected[m] = (Filter(m, (K0 - 1) * BinHz) * p1) + (Filter(m, K0 * BinHz) * p0) + (Filter(m, (K0 + 1) * BinHz) * p1);
        }
        var peakBand = Array.IndexOf(expected, expected.Max());
        var peakDb = 10 * Math.Log10(expected[peakBand]);
        for (var t = 2; t <= 998; t++)
        {
            var row = features.AsSpan(t * 64, 64);
            var argmax = 0;
            for (var m = 1; m < 64; m++) if (row[m] > row[argmax]) argmax = m;
            Assert.Equal(peakBand, argmax);
            for (var m = 0; m < 64; m++)
            {
                if (expected[m] > 0)
                {
                    Assert.True(Math.Abs(row[m] - (10 * Math.Log10(expected[m]))) < 0.01, $"frame {t} band {m}: {row[m]} dB vs {10 * Math.Log10(expected[m])} dB");
                }
                else
                {
                    Assert.True(row[m] < peakDb - 60, $"frame {t} band {m}: {row[m]} dB should be far below the peak {peakDb} dB");
                }
            }
        }
    }

    [Fact]
    public void Extract_Silence_IsMinus100DbEverywhereWithShape1001x64()
    {
        var f = ClapFeatureExtractor.Instance.Extract(new float[480000], out var windows);

        Assert.Equal(1, windows);
        Assert.Equal(1001 * 64, f.Length);
        Assert.All(f, v => Assert.Equal(-100f, v, 1e-4f));
    }

    [Fact]
    public void Extract_OneSampleOfSilence_IsMinus100DbEverywhere()
    {
        var f = ClapFeatureExtractor.Instance.Extract(new float[1], out var windows);

        Assert.Equal(1, windows);
        Assert.All(f, v => Assert.Equal(-100f, v, 1e-4f));
    }

    [Fact]
    public void Extract_EmptyAudio_ThrowsInvalidInput()
    {
        Assert.Throws<InvalidInputException>(() => ClapFeatureExtractor.Instance.Extract(ReadOnlySpan<float>.Empty, out _));
    }

    [Fact]
    public void FillWindow_ShortAudio_RepeatsWholeCopiesThenZeroPads()
    {
        var x = Enumerable.Range(0, 100_000).Select(i => 1 + (i % 977) / 1000f).ToArray();
        var dest = new float[480000];
        Array.Fill(dest, float.NaN);

        ClapFeatureExtractor.FillWindow(x, 0, dest);

        // ⌊480 000 / 100 000⌋ = 4 whole copies, then zeros.
        for (var i = 0; i < 400_000; i++) Assert.Equal(x[i % 100_000], dest[i]);
        for (var i = 400_000; i < 480_000; i++) Assert.Equal(0f, dest[i]);
    }

    [Fact]
    public void FillWindow_AudioOverFiveSeconds_IsZeroPaddedOnce()
    {
        var x = Enumerable.Range(0, 300_000).Select(i => 1f + i).ToArray();
        var dest = new float[480000];

        ClapFeatureExtractor.FillWindow(x, 0, dest);

        Assert.Equal(x, dest[..300_000]);
        Assert.All(dest[300_000..], v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Extract_ShortSine_FramesPastTheRepeatsAreSilentAndOthersAreNot()
    {
        var x = Signals.Sine(1000, 100_000 / 48000.0, 48000, 0.5);
        Assert.Equal(100_000, x.Length);

        var f = ClapFeatureExtractor.Instance.Extract(x, out _);

        // Copies end at sample 400 000; frame t spans [480t − 512, 480t + 512), so frames from 835 on see only zeros.
        for (var t = 0; t < 1001; t++)
        {
            var max = f.AsSpan(t * 64, 64).ToArray().Max();
            if (t >= 835) Assert.Equal(-100f, max, 1e-4f);
            else Assert.True(max > -90, $"frame {t} should hold some of the sine, max {max} dB");
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(480_000, 1)]
    [InlineData(480_001, 2)]
    [InlineData(960_000, 2)]
    [InlineData(1_100_000, 3)]
    public void WindowCount_Length_IsCeilingOfTenSecondWindows(long length, int expected)
    {
        Assert.Equal(expected, ClapFeatureExtractor.WindowCount(length));
    }

    [Fact]
    public void WindowStart_LongStem_ConsecutiveWindowsLastEndingAtTheEnd()
    {
        const long L = 1_100_000;

        Assert.Equal(0, ClapFeatureExtractor.WindowStart(L, 0));
        Assert.Equal(480_000, ClapFeatureExtractor.WindowStart(L, 1));
        Assert.Equal(L - 480_000, ClapFeatureExtractor.WindowStart(L, 2));
    }

    [Fact]
    public void Extract_LongStem_LastWindowIsTheFinalTenSeconds()
    {
        // A ramp makes every sample distinct, so the window contents identify their position.
        var x = Enumerable.Range(0, 1_100_000).Select(i => (float)Math.Sin(i * 0.001) * (i / 1_100_000f)).ToArray();
        var all = ClapFeatureExtractor.Instance.Extract(x, out var windows);
        var tail = ClapFeatureExtractor.Instance.Extract(x.AsSpan(620_000), out var tailWindows);

        Assert.Equal(3, windows);
        Assert.Equal(1, tailWindows);
        Assert.Equal(tail, all[(2 * ClapFeatureExtractor.FeaturesPerWindow)..]);
    }
}
