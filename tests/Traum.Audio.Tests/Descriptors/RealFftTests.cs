using Traum.Audio.Descriptors;
using Xunit;

namespace Traum.Audio.Tests.Descriptors;

/// <summary>Switches process-wide FFT settings (FFTW or not, vector widths): never in parallel with the other class that does.</summary>
[Collection("FFT switches")]
public sealed class RealFftTests
{
    [Theory]
    [InlineData(4, true, false)]
    [InlineData(8, true, false)]
    [InlineData(16, true, false)]
    [InlineData(32, true, false)]
    [InlineData(64, true, false)]
    [InlineData(1024, true, false)]
    [InlineData(2048, true, false)]
    [InlineData(8, false, false)]
    [InlineData(32, false, false)]
    [InlineData(2048, false, false)]
    [InlineData(8, false, true)]
    [InlineData(1024, false, true)]
    [InlineData(2048, false, true)]
    public void Power_RandomFrame_EqualsDirectDft(int n, bool vectors, bool fftw)
    {
        Assert.True(!fftw || Traum.Audio.Dsp.FftwRealTransform.IsAvailable, "libfftw3f is not installed (scripts/bootstrap.sh installs libfftw3-single3)");
        var (beforeVectors, beforeFftw) = (RealFft.UseVectors, RealFft.UseFftw);
        RealFft.UseVectors = vectors && System.Numerics.Vector.IsHardwareAccelerated; // false: the scalar path of machines without SIMD
        RealFft.UseFftw = fftw;
        try
        {
            PowerEqualsDirectDft(n);
            ForwardInverse_RoundTrips(n);
        }
        finally
        {
            (RealFft.UseVectors, RealFft.UseFftw) = (beforeVectors, beforeFftw);
        }
    }

    /// <summary>Forward then inverse gives the frame back (numpy's rfft/irfft pair), and Parseval holds.</summary>
    private static void ForwardInverse_RoundTrips(int n)
    {
        var rng = new Random(n + 1);
        var x = new float[n];
        for (var i = 0; i < n; i++) x[i] = (float)((rng.NextDouble() * 2) - 1);
        var fft = new RealFft(n);
        var re = new float[(n / 2) + 1];
        var im = new float[(n / 2) + 1];
        fft.Forward(x, re, im);
        var back = new float[n];
        fft.Inverse(re, im, back);
        for (var i = 0; i < n; i++) Assert.Equal(x[i], back[i], 1e-5f);
        // Parseval: Σ|x|² = (1/N)(|X0|² + |X_{N/2}|² + 2 Σ_{0<k<N/2} |Xk|²).
        double time = x.Sum(v => (double)v * v), freq = (re[0] * re[0]) + (re[^1] * re[^1]);
        for (var k = 1; k < n / 2; k++) freq += 2.0 * ((re[k] * re[k]) + (im[k] * im[k]));
        Assert.Equal(time, freq / n, time * 1e-5);
    }

    private static void PowerEqualsDirectDft(int n)
    {
        var rng = new Random(n);
        var x = new float[n];
        for (var i = 0; i < n; i++) x[i] = (float)((rng.NextDouble() * 2) - 1);
        var power = new float[(n / 2) + 1];
        new RealFft(n).Power(x, power);

        double maxPower = 0;
        var expected = new double[power.Length];
        for (var k = 0; k < power.Length; k++)
        {
            double re = 0, im = 0;
            for (var t = 0; t < n; t++)
            {
                var phase = -2 * Math.PI * k * t / n;
                re += x[t] * Math.Cos(phase);
                im += x[t] * Math.Sin(phase);
            }
            expected[k] = (re * re) + (im * im);
            maxPower = Math.Max(maxPower, expected[k]);
        }
        for (var k = 0; k < power.Length; k++)
        {
            Assert.True(Math.Abs(power[k] - expected[k]) <= 1e-4 * maxPower, $"bin {k}: {power[k]} vs {expected[k]}");
        }
    }

    [Fact]
    public void Power_WrongFrameLength_Throws()
    {
        var fft = new RealFft(16);
        Assert.Throws<ArgumentException>(() => fft.Power(new float[15], new float[9]));
    }

    [Fact]
    public void Fftw_InstalledHere()
    {
        // The project's bootstrap installs libfftw3-single3; without it Traum falls back to its own FFT (slower).
        Assert.True(Traum.Audio.Dsp.FftwRealTransform.IsAvailable, "libfftw3f is not installed: run scripts/bootstrap.sh");
    }
}
