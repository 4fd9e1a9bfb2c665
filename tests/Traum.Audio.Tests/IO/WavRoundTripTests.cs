using Traum.Audio;
using Traum.Audio.IO;
using Traum.TestKit;
using Xunit;

namespace Traum.Audio.Tests.IO;

public sealed class WavRoundTripTests
{
    [Theory]
    [InlineData(SampleFormat.Pcm16, 0.5 / 32768)]
    [InlineData(SampleFormat.Pcm24, 0.5 / 8388608)]
    [InlineData(SampleFormat.Float32, 0.0)]
    public void Write_ThenRead_ReturnsSamplesWithinQuantisationStep(SampleFormat format, double step)
    {
        using var dir = new TempDir("wav");
        var path = dir.File("x.wav");
        var left = Signals.Sine(440, 0.1, 44100, 0.7);
        var right = Signals.Sine(660, 0.1, 44100, 0.3);
        AudioFile.Write(path, new AudioBuffer([left, right], 44100), new AudioWriteOptions(format));

        var back = AudioFile.Read(path, TestContext.Current.CancellationToken);

        Assert.Equal(44100, back.SampleRate);
        Assert.Equal(2, back.ChannelCount);
        Assert.Equal(left.Length, back.Length);
        for (var i = 0; i < left.Length; i++)
        {
            Assert.True(Math.Abs(back.Channels[0][i] - left[i]) <= step + 1e-7, $"L[{i}]");
            Assert.True(Math.Abs(back.Channels[1][i] - right[i]) <= step + 1e-7, $"R[{i}]");
        }
    }
}
