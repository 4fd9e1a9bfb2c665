using Traum.Audio.Spectral;
using Traum.Generative.Spectral;
using Traum.TestKit;
using Xunit;
using static TorchSharp.torch;

namespace Traum.Generative.Tests.Spectral;

public sealed class StftTests
{
    [Theory]
    [InlineData(1024, 256, 37, 0.5, false)]
    [InlineData(2048, 512, 100, 0.25, false)]
    [InlineData(1024, 480, 12, 0.8, true)]
    public void Forward_BinCentredSine_PeaksAtItsBinWithAmplitudeANOver4(int nFft, int hop, int bin, double amplitude, bool normalized)
    {
        // A sine exactly on bin k under a periodic Hann window (sum N/2) gives |X[k]| = A/2 · N/2 = A·N/4;
        // the neighbours k±1 get half of that and the rest (almost) nothing. normalized divides by √N.
        const int Sr = 48000;
        var f = (double)bin * Sr / nFft;
        var x = Signals.Sine(f, 0.5, Sr, amplitude, phase: 0.4);
        var options = new StftOptions(nFft, hop, Center: true, Normalized: normalized);
        using var scope = NewDisposeScope();
        var mag = Stft.Forward(tensor(x), options).abs();
        var t = (int)mag.shape[1] / 2;
        var column = mag[.., t].data<float>().ToArray();
        var scale = normalized ? 1 / Math.Sqrt(nFft) : 1.0;

        Assert.Equal(options.Bins, column.Length);
        Assert.Equal(bin, Array.IndexOf(column, column.Max()));
        Assert.Equal(amplitude * nFft / 4 * scale, column[bin], amplitude * nFft / 4 * scale * 1e-4);
        Assert.Equal(amplitude * nFft / 8 * scale, column[bin + 1], amplitude * nFft / 8 * scale * 1e-3);
        Assert.True(column[bin + 5] < amplitude * nFft / 4 * scale * 1e-4);
    }

    [Fact]
    public void Forward_OneFrame_SatisfiesParseval()
    {
        // Σ|w·x|² = (1/N)·(|X0|² + 2·Σ_{k=1}^{N/2−1}|Xk|² + |X_{N/2}|²) for a real frame.
        const int N = 512;
        var x = Signals.WhiteNoise(1, N, 0.7, seed: 21);
        double timeEnergy = 0;
        for (var n = 0; n < N; n++)
        {
            var w = 0.5 - (0.5 * Math.Cos(2 * Math.PI * n / N));
            timeEnergy += w * x[n] * w * x[n];
        }
        using var scope = NewDisposeScope();
        var spec = Stft.Forward(tensor(x), new StftOptions(N, N, Center: false)).abs();
        Assert.Equal(1, spec.shape[1]);
        var m = spec.data<float>().ToArray();
        double freqEnergy = ((double)m[0] * m[0]) + ((double)m[N / 2] * m[N / 2]);
        for (var k = 1; k < N / 2; k++) freqEnergy += 2.0 * m[k] * m[k];
        freqEnergy /= N;

        Assert.Equal(timeEnergy, freqEnergy, timeEnergy * 1e-5);
    }

    [Theory]
    [InlineData(1024, 256, false, 48000)]
    [InlineData(1024, 256, true, 48001)]
    [InlineData(4096, 1024, true, 44100)]
    [InlineData(512, 128, false, 9999)]
    public void Inverse_OfForward_ReconstructsSignalTo1e5(int nFft, int hop, bool normalized, int length)
    {
        var x = Signals.WhiteNoise((double)length / 48000, 48000, 0.9, seed: 31);
        Assert.Equal(length, x.Length);
        var options = new StftOptions(nFft, hop, Center: true, Normalized: normalized);
        using var scope = NewDisposeScope();

        var y = Stft.Inverse(Stft.Forward(tensor(x), options), options, length).data<float>().ToArray();

        Assert.Equal(length, y.Length);
        var worst = 0.0;
        for (var i = 0; i < length; i++) worst = Math.Max(worst, Math.Abs(y[i] - x[i]));
        Assert.True(worst < 1e-5, $"max error {worst:E2}");
    }

    [Fact]
    public void Forward_Batch_EqualsEachSignalAlone()
    {
        var a = Signals.WhiteNoise(0.1, 8000, 0.5, seed: 1);
        var b = Signals.Sine(440, 0.1, 8000);
        var options = new StftOptions(256, 64);
        using var scope = NewDisposeScope();
        var batch = Stft.Forward(stack([tensor(a), tensor(b)]), options);
        Assert.Equal(new long[] { 2, options.Bins, options.FrameCount(a.Length) }, batch.shape);
        var sa = Stft.Forward(tensor(a), options);
        Assert.True((batch[0] - sa).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void PowerFrames_BinCentredSine_RowsAreFramesWithSquaredAmplitude()
    {
        const int N = 1024;
        var x = Signals.Sine(20.0 * 48000 / N, 0.5, 48000, 0.5);
        var options = new StftOptions(N, 480);
        var p = Stft.PowerFrames(x, options, out var frames);
        Assert.Equal(options.FrameCount(x.Length), frames);
        Assert.Equal(frames * options.Bins, p.Length);
        var row = frames / 2 * options.Bins;
        var expected = Math.Pow(0.5 * N / 4, 2);
        Assert.Equal(expected, p[row + 20], expected * 2e-4);
    }

    [Fact]
    public void FrameCount_CentredAndNot_MatchesTorch()
    {
        Assert.Equal((48000 / 480) + 1, new StftOptions(1024, 480).FrameCount(48000));
        Assert.Equal(((48000 - 1024) / 480) + 1, new StftOptions(1024, 480, Center: false).FrameCount(48000));
        using var scope = NewDisposeScope();
        Assert.Equal(1001, Stft.Forward(zeros(480000), new StftOptions(1024, 480)).shape[1]);
    }
}

public sealed class StftKernelTests
{
    [Theory]
    [InlineData(1024, 256, false, 88200)]
    [InlineData(512, 128, true, 9999)]
    [InlineData(1024, 480, false, 480000)]
    public void Kernel_ForwardAndInverse_EqualTorchStftAndIstft(int nFft, int hop, bool normalized, int length)
    {
        var options = new StftOptions(nFft, hop, Center: true, Normalized: normalized);
        var x = Signals.WhiteNoise((double)length / 48000, 48000, 0.8, seed: 4);
        using var scope = NewDisposeScope();
        using var kernel = new StftKernel(options, length);
        var signal = tensor(x);
        var reference = Stft.Forward(signal, options);

        var spec = kernel.Forward(signal);
        var back = kernel.Inverse(reference);

        Assert.Equal(reference.shape, spec.shape);
        Assert.Equal(options.FrameCount(length), kernel.Frames);
        var scale = reference.abs().max().item<float>();
        Assert.True((spec - reference).abs().max().item<float>() < scale * 1e-5f);
        // A random spectrum (not consistent) exercises the least-squares overlap-add, not just the round trip.
        var random = complex(randn(reference.shape, generator: new Generator(5)), randn(reference.shape, generator: new Generator(6)));
        var want = Stft.Inverse(random, options, length);
        var got = kernel.Inverse(random);
        Assert.Equal(length, got.shape[0]);
        Assert.True((got - want).abs().max().item<float>() < want.abs().max().item<float>() * 1e-5f);
        Assert.True((back - signal).abs().max().item<float>() < 1e-5f);
    }
}
