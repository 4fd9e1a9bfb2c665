using Traum.Audio.Dsp;
using Traum.Audio.IO;
using Traum.TestKit;
using Xunit;

namespace Traum.Audio.Tests.Dsp;

public sealed class ResamplerTests
{
    public static TheoryData<int, int> RatePairs => new()
    {
        { 44100, 48000 },
        { 48000, 44100 },
        { 48000, 22050 },
        { 22050, 48000 },
        { 44100, 22050 },
        { 22050, 44100 },
        { 44100, 16000 },
        { 44100, 47993 }, // reduced factor above the exact-table limit: interpolated phases
    };

    [Theory]
    [InlineData(0, 44100, 48000)]
    [InlineData(1, 44100, 48000)]
    [InlineData(441, 44100, 48000)]
    [InlineData(1000, 44100, 48000)]
    [InlineData(12345, 48000, 44100)]
    [InlineData(7, 48000, 22050)]
    [InlineData(99999, 22050, 48000)]
    [InlineData(54321, 44100, 47993)]
    public void Resample_AnyLength_HasRoundedLength(int n, int from, int to)
    {
        var y = Resampler.Resample(new float[n], from, to);
        Assert.Equal((int)Math.Round((double)n * to / from, MidpointRounding.AwayFromZero), y.Length);
    }

    [Theory]
    [MemberData(nameof(RatePairs))]
    public void Resample_TonesInPassband_GainWithin005DbAndPhaseAligned(int from, int to)
    {
        var lowerNyquist = Math.Min(from, to) / 2.0;
        double[] freqs = [50, 440, 1000, 3000, 0.5 * lowerNyquist, 0.75 * lowerNyquist, 0.9 * lowerNyquist];
        var gains = new List<double>();
        foreach (var f in freqs)
        {
            var x = Signals.Sine(f, 1.0, from, 0.5, phase: 0.3);
            var y = Resampler.Resample(x, from, to);
            // Skip the edges (where the signal starts and stops abruptly): compare over the middle half.
            var (amp, phase) = SignalMeasure.FitSine(y, y.Length / 4, 3 * y.Length / 4, f, to);
            gains.Add(SignalMeasure.Db(amp / 0.5));
            Assert.True(Math.Abs(SignalMeasure.Db(amp / 0.5)) < 0.05, $"{f} Hz: gain {SignalMeasure.Db(amp / 0.5):F4} dB");
            Assert.True(Math.Abs(phase - 0.3) < 1e-3, $"{f} Hz: phase {phase} (time shift)");
        }
        Assert.True(gains.Max() - gains.Min() < 0.1, $"ripple {gains.Max() - gains.Min():F4} dB");
    }

    [Theory]
    [MemberData(nameof(RatePairs))]
    public void Resample_SweepInPassband_MatchesIdealSweepWithin01Db(int from, int to)
    {
        // Exponential sweep 30 Hz → 0.9 × lower Nyquist, 2 s; compared with the same closed-form sweep evaluated at
        // the output sample times. A gain error of 0.1 dB would be an error of 1.16 % of the amplitude.
        var f0 = 30.0;
        var f1 = 0.9 * Math.Min(from, to) / 2;
        const double T = 2.0;
        const double A = 0.5;
        var k = Math.Log(f1 / f0);
        double Sweep(double t) => A * Math.Sin(2 * Math.PI * f0 * T / k * (Math.Exp(t / T * k) - 1));
        var n = (int)(T * from);
        var x = new float[n];
        for (var i = 0; i < n; i++) x[i] = (float)Sweep((double)i / from);

        var y = Resampler.Resample(x, from, to);

        var worst = 0.0;
        for (var j = y.Length / 20; j < y.Length * 19 / 20; j++)
        {
            worst = Math.Max(worst, Math.Abs(y[j] - Sweep((double)j / to)));
        }
        Assert.True(worst < A * (Math.Pow(10, 0.1 / 20) - 1), $"max error {worst:E3}");
    }

    [Theory]
    [InlineData(48000, 22050, 11025.0)]
    [InlineData(48000, 22050, 12000.0)]
    [InlineData(48000, 22050, 16000.0)]
    [InlineData(48000, 22050, 23000.0)]
    [InlineData(44100, 16000, 8100.0)]
    [InlineData(48000, 44100, 22100.0)]
    [InlineData(48000, 44100, 23500.0)]
    [InlineData(96000, 44100, 30000.0)]
    public void Resample_ToneAboveNewNyquist_AttenuatedBy80Db(int from, int to, double frequency)
    {
        var x = Signals.Fade(Signals.Sine(frequency, 1.0, from, 0.5), from / 20);
        var y = Resampler.Resample(x, from, to);
        var inRms = SignalMeasure.Rms(x, x.Length / 4, 3 * x.Length / 4);
        var outRms = SignalMeasure.Rms(y, y.Length / 4, 3 * y.Length / 4);
        Assert.True(SignalMeasure.Db(outRms / inRms) < -80, $"{SignalMeasure.Db(outRms / inRms):F1} dB");
    }

    [Theory]
    [InlineData(22050, 48000, 9000.0)]
    [InlineData(44100, 48000, 19000.0)]
    [InlineData(16000, 44100, 7000.0)]
    public void Resample_Upsampling_ImagesAttenuatedBy80Db(int from, int to, double frequency)
    {
        // The output should be the tone alone: whatever is left after removing the fitted tone is imaging/error.
        var x = Signals.Sine(frequency, 1.0, from, 0.5);
        var y = Resampler.Resample(x, from, to);
        int a = y.Length / 4, b = 3 * y.Length / 4;
        var (amp, phase) = SignalMeasure.FitSine(y, a, b, frequency, to);
        var residual = new float[y.Length];
        for (var j = a; j < b; j++) residual[j] = (float)(y[j] - (amp * Math.Sin((2 * Math.PI * frequency * j / to) + phase)));
        var db = SignalMeasure.Db(SignalMeasure.Rms(residual, a, b) / (amp / Math.Sqrt(2)));
        Assert.True(db < -80, $"{db:F1} dB");
    }

    [Theory]
    [MemberData(nameof(RatePairs))]
    public void StreamingResampler_RandomChunks_IdenticalToOneShot(int from, int to)
    {
        var l = Signals.PinkNoise(0.7, from, 0.5, seed: 11);
        var r = Signals.WhiteNoise(0.7, from, 0.3, seed: 12);
        var wholeL = Resampler.Resample(l, from, to);
        var wholeR = Resampler.Resample(r, from, to);
        var s = new StreamingResampler(from, to, 2);
        var outL = new float[wholeL.Length];
        var outR = new float[wholeR.Length];
        var rng = new Random(13);
        var written = 0;
        for (var pos = 0; pos < l.Length;)
        {
            var n = Math.Min(rng.Next(0, 5000), l.Length - pos);
            var dst = new float[][] { new float[s.MaxOutput(n)], new float[s.MaxOutput(n)] };
            var got = s.Process([l, r], pos, n, dst, 0);
            dst[0].AsSpan(0, got).CopyTo(outL.AsSpan(written));
            dst[1].AsSpan(0, got).CopyTo(outR.AsSpan(written));
            written += got;
            pos += n;
        }
        Assert.Equal(wholeL.Length - written, s.PendingFlushOutput);
        written += s.Flush([outL, outR], written);

        Assert.Equal(wholeL.Length, written);
        Assert.Equal(wholeL, outL);
        Assert.Equal(wholeR, outR);
    }

    [Fact]
    public void Resample_Buffer_SameRate_ReturnsInput()
    {
        var a = new AudioBuffer([Signals.Sine(100, 0.1, 8000)], 8000);
        Assert.Same(a, Resampler.Resample(a, 8000));
    }

    [Fact]
    public void Resample_Buffer_ResamplesEveryChannelLikeTheSpanOverload()
    {
        var l = Signals.Sine(440, 0.3, 44100, 0.5);
        var r = Signals.Sine(660, 0.3, 44100, 0.2);
        var y = Resampler.Resample(new AudioBuffer([l, r], 44100), 48000);
        Assert.Equal(48000, y.SampleRate);
        Assert.Equal(Resampler.Resample(l, 44100, 48000), y.Channels[0]);
        Assert.Equal(Resampler.Resample(r, 44100, 48000), y.Channels[1]);
    }

    [Fact]
    public void ChannelMix_MonoAndDuplication_AsDocumented()
    {
        float[] l = [1, 0, -1], r = [0, 1, 1], c = [0.5f, 0.5f, 0.5f];
        var three = new AudioBuffer([l, r, c], 100);
        var mono = ChannelMix.ToMono(three).Channels[0];
        Assert.Equal(1.5 / 3, mono[0], 1e-6);
        Assert.Equal(1.5 / 3, mono[1], 1e-6);
        Assert.Equal(0.5 / 3, mono[2], 1e-6);
        var stereo = ChannelMix.ToStereo(three);
        Assert.Equal(2, stereo.ChannelCount);
        Assert.Equal(l, stereo.Channels[0]);
        Assert.Equal(r, stereo.Channels[1]);
        var dup = ChannelMix.ToStereo(AudioBuffer.Mono(l, 100));
        Assert.Equal(l, dup.Channels[0]);
        Assert.Equal(l, dup.Channels[1]);
        Assert.NotSame(dup.Channels[0], dup.Channels[1]);
    }
}

public sealed class ResamplingReaderTests
{
    [Theory]
    [InlineData(44100, 48000)]
    [InlineData(48000, 22050)]
    [InlineData(44100, 44100)]
    public void Read_WavFileInChunks_EqualsResamplingTheWholeBuffer(int from, int to)
    {
        using var dir = new TempDir("rs");
        var path = dir.File("x.wav");
        var src = new AudioBuffer([Signals.PinkNoise(1.3, from, 0.5, 1), Signals.Sine(440, 1.3, from, 0.3)], from);
        AudioFile.Write(path, src, new AudioWriteOptions(SampleFormat.Float32));
        var expected = Resampler.Resample(src, to);

        using var reader = new ResamplingReader(AudioFile.OpenRead(path, TestContext.Current.CancellationToken), to);
        var got = AudioFile.ReadAll(reader, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(to, reader.Info.SampleRate);
        Assert.Equal(expected.Length, reader.Info.Frames);
        Assert.Equal(expected.Channels[0], got.Channels[0]);
        Assert.Equal(expected.Channels[1], got.Channels[1]);
    }
}
