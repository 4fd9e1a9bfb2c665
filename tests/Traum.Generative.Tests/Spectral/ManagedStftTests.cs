using Traum.Audio.Spectral;
using Traum.Generative.Spectral;
using Traum.TestKit;
using Xunit;
using static TorchSharp.torch;

namespace Traum.Generative.Tests.Spectral;

public sealed class ManagedStftTests
{
    private static float[] Signal(int n, int seed)
    {
        var x = Signals.PinkNoise(n / 44100.0 + 0.01, 44100, 0.3, seed);
        var c = Signals.Chord([40, 47, 52, 59], n / 44100.0 + 0.01, 44100, 0.3);
        var y = new float[n];
        for (var i = 0; i < n; i++) y[i] = x[i] + c[i];
        return y;
    }

    [Theory]
    [InlineData(4096, 1024, true, 40_000)]
    [InlineData(1024, 256, false, 9_001)]
    [InlineData(2048, 512, true, 30_000)]
    public void Forward_EqualsTorchStft(int nFft, int hop, bool normalized, int length)
    {
        var x = Signal(length, 3);
        var options = new StftOptions(nFft, hop, Center: true, Normalized: normalized);
        var frames = options.FrameCount(length);
        var re = new float[options.Bins * frames];
        var im = new float[options.Bins * frames];
        new ManagedStft(options).Forward(x, re, im);

        using var scope = NewDisposeScope();
        var z = Stft.Forward(tensor(x), options); // libtorch: the independent reference
        var tr = z.real.contiguous().data<float>().ToArray();
        var ti = z.imag.contiguous().data<float>().ToArray();
        var peak = tr.Select(Math.Abs).Max();
        var worst = 0.0;
        for (var i = 0; i < re.Length; i++) worst = Math.Max(worst, Math.Max(Math.Abs(re[i] - tr[i]), Math.Abs(im[i] - ti[i])));
        Assert.True(worst < 2e-5 * peak + 1e-5, $"largest difference {worst} (peak {peak})");
    }

    [Fact]
    public void Inverse_EqualsTorchIstftOfARandomSpectrum()
    {
        var options = new StftOptions(4096, 1024, Center: true, Normalized: true);
        const int Frames = 40;
        var rng = new Random(9);
        var re = new float[options.Bins * Frames];
        var im = new float[options.Bins * Frames];
        for (var i = 0; i < re.Length; i++)
        {
            re[i] = (float)(rng.NextDouble() - 0.5);
            im[i] = (float)(rng.NextDouble() - 0.5);
        }
        var length = 1024 * (Frames - 1) + 17;
        var got = new float[length];
        new ManagedStft(options).Inverse(re, im, Frames, got);

        using var scope = NewDisposeScope();
        var z = complex(tensor(re, [options.Bins, Frames]), tensor(im, [options.Bins, Frames]));
        var expected = Stft.Inverse(z, options, length).data<float>().ToArray();
        var peak = expected.Select(Math.Abs).Max();
        var worst = 0.0;
        for (var i = 0; i < length; i++) worst = Math.Max(worst, Math.Abs(got[i] - expected[i]));
        Assert.True(worst < 2e-5 * peak + 1e-6, $"largest difference {worst} (peak {peak})");
    }

    [Fact]
    public void ForwardThenInverse_RoundTripsTheSignal()
    {
        var options = new StftOptions(4096, 1024, Center: true, Normalized: true);
        var x = Signal(50_000, 5);
        var frames = options.FrameCount(x.Length);
        var re = new float[options.Bins * frames];
        var im = new float[options.Bins * frames];
        var stft = new ManagedStft(options);
        stft.Forward(x, re, im);
        var y = new float[x.Length];
        stft.Inverse(re, im, frames, y);
        for (var i = 0; i < x.Length; i++) Assert.True(Math.Abs(x[i] - y[i]) < 1e-5, $"sample {i}: {x[i]} vs {y[i]}");
    }

    [Fact]
    public void Forward_Parseval_FrameEnergyEqualsSpectrumEnergy()
    {
        // Σ|x·w|² = (1/N)·(|X0|² + |X_{N/2}|² + 2·Σ_{0<k<N/2} |Xk|²) for one frame, without normalisation.
        var options = new StftOptions(1024, 1024, Center: true, Normalized: false);
        var x = Signal(8192, 7);
        var frames = options.FrameCount(x.Length);
        var re = new float[options.Bins * frames];
        var im = new float[options.Bins * frames];
        new ManagedStft(options).Forward(x, re, im);
        const int T = 3; // frame 3 covers x[3·1024 − 512, 3·1024 + 512)
        double time = 0;
        for (var i = 0; i < 1024; i++)
        {
            var w = 0.5 - (0.5 * Math.Cos(2 * Math.PI * i / 1024));
            var v = x[(T * 1024) - 512 + i] * w;
            time += v * v;
        }
        double freq = 0;
        for (var k = 0; k < options.Bins; k++)
        {
            var p = (double)re[(k * frames) + T] * re[(k * frames) + T] + ((double)im[(k * frames) + T] * im[(k * frames) + T]);
            freq += k is 0 or 512 ? p : 2 * p;
        }
        Assert.Equal(time, freq / 1024, time * 1e-5);
    }
}
