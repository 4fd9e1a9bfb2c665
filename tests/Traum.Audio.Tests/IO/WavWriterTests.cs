using System.Buffers.Binary;
using Traum.Audio.IO;
using Traum.TestKit;
using Xunit;

namespace Traum.Audio.Tests.IO;

public sealed class WavWriterTests
{
    [Theory]
    [InlineData(SampleFormat.Pcm16, 1, "pcm_s16le")]
    [InlineData(SampleFormat.Pcm24, 2, "pcm_s24le")]
    [InlineData(SampleFormat.Float32, 2, "pcm_f32le")]
    [InlineData(SampleFormat.Pcm16, 6, "pcm_s16le")]
    public void Write_FfmpegDecodesExactQuantisedValues(SampleFormat format, int channels, string codec)
    {
        using var dir = new TempDir("wav");
        var path = dir.File("w.wav");
        var data = new float[channels][];
        for (var c = 0; c < channels; c++) data[c] = Signals.WhiteNoise(0.2, 48000, 1.2, seed: c + 1); // includes values beyond ±1
        AudioFile.Write(path, new AudioBuffer(data, 48000), new AudioWriteOptions(format));

        Assert.Equal(codec, ExternalTools.ProbeStream(path, "codec_name"));
        Assert.Equal($"{channels}", ExternalTools.ProbeStream(path, "channels"));
        Assert.Equal("48000", ExternalTools.ProbeStream(path, "sample_rate"));
        var raw = dir.File("x.f64");
        ExternalTools.RunChecked("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "f64le", "-c:a", "pcm_f64le", raw);
        var bytes = File.ReadAllBytes(raw);
        Assert.Equal(data[0].Length * channels * 8, bytes.Length);
        double scale = format switch { SampleFormat.Pcm16 => 32768, SampleFormat.Pcm24 => 8388608, _ => 0 };
        for (var i = 0; i < data[0].Length; i++)
        {
            for (var c = 0; c < channels; c++)
            {
                var got = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(8 * ((i * channels) + c)));
                double want = data[c][i];
                if (scale > 0) want = Math.Clamp(Math.Round(want * scale), -scale, scale - 1) / scale;
                if (Math.Abs(got - want) > 1e-9) Assert.Fail($"frame {i} ch {c}: {got} vs {want}");
            }
        }
    }

    [Fact]
    public void Write_Pcm16WithDither_ErrorIsFlatNoiseOfHalfLsbRms()
    {
        // TPDF dither of ±1 LSB adds variance q²/6 to the rounding error's q²/12: error RMS = q/2, and the error no
        // longer depends on the signal. Without dither, a 1.3-LSB sine's error is harmonic distortion of the sine.
        const int Sr = 48000;
        const double Q = 1.0 / 32768;
        const double F = 1000;
        var x = Signals.Sine(F, 4, Sr, 1.3 * Q);
        var dithered = WriteAndRead16(x, dither: true);
        var plain = WriteAndRead16(x, dither: false);
        var eD = new float[x.Length];
        var eP = new float[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            eD[i] = dithered[i] - x[i];
            eP[i] = plain[i] - x[i];
        }

        Assert.Equal(0.5, SignalMeasure.Rms(eD, 0, x.Length) / Q, 0.02);
        foreach (var h in new[] { 1, 3, 5, 7 })
        {
            var (aD, _) = SignalMeasure.FitSine(eD, 0, x.Length, h * F, Sr);
            var (aP, _) = SignalMeasure.FitSine(eP, 0, x.Length, h * F, Sr);
            // Flat noise of RMS q/2 projects onto one sine with amplitude ≈ q/2·√(2/N) ≈ 0.0025 q; distortion is ~0.1 q or more.
            Assert.True(aD < 0.02 * Q, $"dithered error at {h}·f: {aD / Q:F4} LSB");
            Assert.True(aP > 0.05 * Q, $"undithered error at {h}·f: {aP / Q:F4} LSB");
        }
    }

    [Fact]
    public void Write_Pcm16Dither_SameSeedRepeatable()
    {
        var x = Signals.Sine(440, 0.1, 8000, 0.001);
        Assert.Equal(WriteAndRead16(x, true), WriteAndRead16(x, true));
    }

    [Fact]
    public void Write_OddByteCount_PaddedAndStillReadable()
    {
        using var dir = new TempDir("wav");
        var path = dir.File("odd.wav");
        AudioFile.Write(path, new AudioBuffer([[0.5f, -0.5f, 0.25f]], 8000), new AudioWriteOptions(SampleFormat.Pcm24));
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0, bytes.Length % 2);
        Assert.Equal((uint)(bytes.Length - 8), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal("3", ExternalTools.ProbeStream(path, "duration_ts"));
    }

    private static float[] WriteAndRead16(float[] x, bool dither)
    {
        using var dir = new TempDir("wav");
        var path = dir.File("d.wav");
        AudioFile.Write(path, AudioBuffer.Mono(x, 48000), new AudioWriteOptions(SampleFormat.Pcm16, dither, DitherSeed: 9));
        return AudioFile.Read(path, TestContext.Current.CancellationToken).Channels[0];
    }
}
