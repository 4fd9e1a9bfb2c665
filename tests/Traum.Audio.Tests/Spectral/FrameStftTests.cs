using Traum.Audio.Descriptors;
using Traum.Audio.Spectral;
using Xunit;

namespace Traum.Audio.Tests.Spectral;

/// <summary>Switches process-wide FFT settings (FFTW or not, vector widths): never in parallel with the other class that does.</summary>
[Collection("FFT switches")]
public sealed class FrameStftTests
{
    private static float[] Noise(int length, int seed)
    {
        var rng = new Random(seed);
        var x = new float[length];
        for (var i = 0; i < length; i++) x[i] = (float)((rng.NextDouble() * 2) - 1);
        return x;
    }

    [Theory]
    [InlineData(512, 128, false, 8000, true)]
    [InlineData(1024, 256, false, 22050, true)]
    [InlineData(1024, 480, true, 30001, true)]
    [InlineData(64, 16, false, 1000, false)]
    [InlineData(1024, 256, true, 9000, false)]
    public void ForwardAndInverse_EqualTheDirectDftAndManagedStft_ForAnyWorkerCount(int nFft, int hop, bool normalized, int length, bool fftw)
    {
        Assert.True(!fftw || Traum.Audio.Dsp.FftwRealTransform.IsAvailable, "libfftw3f is not installed (scripts/bootstrap.sh installs libfftw3-single3)");
        var before = RealFft.UseFftw;
        RealFft.UseFftw = fftw;
        try
        {
            var options = new StftOptions(nFft, hop, Normalized: normalized);
            var x = Noise(length, nFft + length);
            var bins = options.Bins;
            var frames = options.FrameCount(length);
            var re = new float[bins * frames];
            var im = new float[bins * frames];
            new ManagedStft(options).Forward(x, re, im);

            // Frame 3 against a direct DFT of the windowed frame (double precision, no FFT at all).
            var window = Enumerable.Range(0, nFft).Select(i => 0.5 - (0.5 * Math.Cos(2 * Math.PI * i / nFft))).ToArray();
            var t = 3;
            var scale = normalized ? 1 / Math.Sqrt(nFft) : 1.0;
            double peak = 0;
            var direct = new (double Re, double Im)[bins];
            for (var k = 0; k < bins; k++)
            {
                double dr = 0, di = 0;
                for (var i = 0; i < nFft; i++)
                {
                    var v = x[(t * hop) - (nFft / 2) + i] * window[i] * scale;
                    dr += v * Math.Cos(-2 * Math.PI * k * i / nFft);
                    di += v * Math.Sin(-2 * Math.PI * k * i / nFft);
                }
                direct[k] = (dr, di);
                peak = Math.Max(peak, Math.Sqrt((dr * dr) + (di * di)));
            }

            float[]? first = null;
            float[]? firstSignal = null;
            foreach (var threads in new[] { 1, 2, 3 })
            {
                var stft = new FrameStft(options, length, threads);
                Assert.Equal(frames, stft.FrameCount);
                var spectrum = new float[stft.SpectrumLength];
                stft.Forward(x, spectrum);
                for (var k = 0; k < bins; k++)
                {
                    Assert.Equal(direct[k].Re, spectrum[2 * ((t * bins) + k)], peak * 1e-5);
                    Assert.Equal(direct[k].Im, spectrum[(2 * ((t * bins) + k)) + 1], peak * 1e-5);
                }
                // The same values as the planar transform, frame-major and interleaved.
                for (var f = 0; f < bins; f++)
                {
                    for (var u = 0; u < frames; u++)
                    {
                        Assert.Equal(re[(f * frames) + u], spectrum[2 * ((u * bins) + f)], 1e-4f);
                        Assert.Equal(im[(f * frames) + u], spectrum[(2 * ((u * bins) + f)) + 1], 1e-4f);
                    }
                }
                var back = new float[length];
                stft.Inverse(spectrum, null, back);
                for (var i = 0; i < length; i++) Assert.Equal(x[i], back[i], 1e-4f);
                // Splitting the frames over workers changes nothing, to the bit.
                first ??= spectrum;
                firstSignal ??= back;
                Assert.Equal(first, spectrum);
                Assert.Equal(firstSignal, back);
            }
        }
        finally
        {
            RealFft.UseFftw = before;
        }
    }

    [Fact]
    public void Inverse_WithGain_EqualsManagedStftInverseOfTheProduct()
    {
        var options = new StftOptions(512, 128);
        const int Length = 6000;
        var stft = new FrameStft(options, Length, 2);
        var spectrum = Noise(stft.SpectrumLength, 5);
        var gain = Noise(stft.SpectrumLength, 6);
        var got = new float[Length];
        stft.Inverse(spectrum, gain, got);

        var bins = options.Bins;
        var frames = stft.FrameCount;
        var re = new float[bins * frames];
        var im = new float[bins * frames];
        for (var u = 0; u < frames; u++)
        {
            for (var f = 0; f < bins; f++)
            {
                var i = 2 * ((u * bins) + f);
                re[(f * frames) + u] = spectrum[i] * gain[i];
                im[(f * frames) + u] = spectrum[i + 1] * gain[i + 1];
            }
        }
        var expected = new float[Length];
        new ManagedStft(options).Inverse(re, im, frames, expected);
        var peak = expected.Max(MathF.Abs);
        for (var i = 0; i < Length; i++) Assert.Equal(expected[i], got[i], peak * 1e-5f);
    }

    [Fact]
    public void GriffinLim_SameResultForAnyNumberOfThreads()
    {
        var options = new StftOptions(512, 128);
        const int Length = 16000;
        var x = Noise(Length, 9);
        var frames = options.FrameCount(Length);
        var re = new float[options.Bins * frames];
        var im = new float[re.Length];
        new ManagedStft(options).Forward(x, re, im);
        var magnitude = re.Zip(im, (a, b) => MathF.Sqrt((a * a) + (b * b))).ToArray();
        var one = GriffinLim.Reconstruct(magnitude, frames, options, Length, 6, 0.99, 4, threads: 1);
        Assert.Equal(one, GriffinLim.Reconstruct(magnitude, frames, options, Length, 6, 0.99, 4, threads: 2));
        Assert.Equal(one, GriffinLim.Reconstruct(magnitude, frames, options, Length, 6, 0.99, 4, threads: 5));
        // And it reconstructs: far closer to the target magnitude than the random phase it starts from.
        var random = GriffinLim.SpectralConvergence(magnitude, frames, options, GriffinLim.RandomPhase(magnitude, frames, options, Length, 4));
        Assert.True(GriffinLim.SpectralConvergence(magnitude, frames, options, one) < 0.8 * random);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(128)]
    [InlineData(0)]
    public void Normalize_EveryVectorWidth_GivesUnitPhasorsAndZeroForZero(int bits)
    {
        var before = ComplexKernels.MaxVectorBits;
        ComplexKernels.MaxVectorBits = bits;
        try
        {
            // 37 complex values: every vector width leaves a scalar tail.
            var z = Noise(74, bits + 1);
            z[10] = z[11] = 0;            // exactly zero stays zero
            z[20] = 1e-15f;               // tiny but not zero: still unit length
            z[21] = 0;
            z[30] = -3;
            z[31] = 4;
            var expected = new double[z.Length];
            for (var i = 0; i < z.Length; i += 2)
            {
                var m = Math.Sqrt(((double)z[i] * z[i]) + ((double)z[i + 1] * z[i + 1]));
                expected[i] = m > 0 ? z[i] / m : 0;
                expected[i + 1] = m > 0 ? z[i + 1] / m : 0;
            }
            ComplexKernels.Normalize(z);
            for (var i = 0; i < z.Length; i++) Assert.Equal(expected[i], z[i], 1e-6);
            Assert.Equal(0f, z[10]);
            Assert.Equal(0f, z[11]);
            Assert.Equal(-0.6f, z[30], 1e-6f);
            Assert.Equal(0.8f, z[31], 1e-6f);
        }
        finally
        {
            ComplexKernels.MaxVectorBits = before;
        }
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(128)]
    [InlineData(0)]
    public void Power_EveryVectorWidth_IsTheSquaredMagnitudeOfEveryPair(int bits)
    {
        var before = ComplexKernels.MaxVectorBits;
        ComplexKernels.MaxVectorBits = bits;
        try
        {
            foreach (var pairs in new[] { 1, 7, 8, 16, 37, 513 })
            {
                var z = Noise(2 * pairs, pairs + bits);
                var power = new float[pairs];
                ComplexKernels.Power(z, power);
                for (var k = 0; k < pairs; k++) Assert.Equal(((double)z[2 * k] * z[2 * k]) + ((double)z[(2 * k) + 1] * z[(2 * k) + 1]), power[k], 1e-6);
            }
        }
        finally
        {
            ComplexKernels.MaxVectorBits = before;
        }
    }
}
