using Traum.Audio.Descriptors;
using Traum.Audio.IO;
using Traum.Core;
using Traum.TestKit;
using Xunit;

namespace Traum.Audio.Tests.IO;

public sealed class TimeStretchTests
{
    private const int Rate = 44_100;

    private static string Write(TempDir dir, string name, float[] samples)
    {
        var path = dir.File(name);
        AudioFile.Write(path, AudioBuffer.Mono(samples, Rate), new AudioWriteOptions(SampleFormat.Float32));
        return path;
    }

    /// <summary>Frequency of a steady tone from its rising zero crossings over the middle half (independent of Traum's DSP).</summary>
    private static double ZeroCrossingFrequency(float[] x, int rate)
    {
        int start = x.Length / 4, end = x.Length * 3 / 4, count = 0;
        double first = -1, last = -1;
        for (var i = start + 1; i < end; i++)
        {
            if (x[i - 1] < 0 && x[i] >= 0)
            {
                // The crossing between samples i−1 and i, interpolated linearly.
                var at = i - 1 + (-x[i - 1] / (x[i] - x[i - 1]));
                if (first < 0) first = at;
                last = at;
                count++;
            }
        }
        Assert.True(count > 10, "too few zero crossings to measure a frequency");
        return (count - 1) * (double)rate / (last - first);
    }

    [Theory]
    [InlineData(120.0, 128.0)]
    [InlineData(120.0, 100.0)]
    [InlineData(90.0, 140.0)]
    public void Render_ClickLoop_TempoEstimatorReadsTargetAndLengthScales(double bpm, double target)
    {
        using var dir = new TempDir("stretch");
        var source = Write(dir, "clicks.wav", Signals.ClickTrack(bpm, 12, Rate));
        var output = dir.File("out.wav");

        TimeStretch.Render(source, output, target / bpm, 0, TestContext.Current.CancellationToken);

        var stretched = AudioFile.Read(output, TestContext.Current.CancellationToken);
        Assert.Equal(Rate, stretched.SampleRate);
        // Length: the source's × bpm / target (within 1 %).
        var expected = 12 * bpm / target;
        Assert.InRange(stretched.Channels[0].Length / (double)Rate, expected * 0.99, expected * 1.01);
        // Tempo: Traum's own estimator, which reads a click track within 1 BPM (DescriptorAnalyzerTests).
        var d = new DescriptorAnalyzer().Analyze(stretched, TestContext.Current.CancellationToken);
        Assert.NotNull(d.Bpm);
        Assert.InRange(d.Bpm!.Value, target - 1.5, target + 1.5);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-5)]
    [InlineData(7)]
    public void Render_SineShiftedBySemitones_FrequencyIsEqualTemperedAndLengthKept(int semitones)
    {
        using var dir = new TempDir("stretch");
        var source = Write(dir, "a440.wav", Signals.Sine(440, 4, Rate));
        var output = dir.File("out.wav");

        TimeStretch.Render(source, output, 1.0, semitones, TestContext.Current.CancellationToken);

        var shifted = AudioFile.Read(output, TestContext.Current.CancellationToken);
        var expected = 440 * Math.Pow(2, semitones / 12.0);
        var f = ZeroCrossingFrequency(shifted.Channels[0], Rate);
        // A semitone is 5.9 %; 0.5 % tells every neighbour apart.
        Assert.InRange(f, expected * 0.995, expected * 1.005);
        Assert.InRange(shifted.Channels[0].Length / (double)Rate, 4 * 0.99, 4 * 1.01);
    }

    [Theory]
    [InlineData(0.4, 0)]
    [InlineData(2.5, 0)]
    [InlineData(double.NaN, 0)]
    [InlineData(1.0, 13)]
    public void Render_OutOfRange_InvalidInputNamesTheLimits(double ratio, int semitones)
    {
        using var dir = new TempDir("stretch");
        var source = Write(dir, "a440.wav", Signals.Sine(440, 1, Rate));
        var e = Assert.Throws<InvalidInputException>(() => TimeStretch.Render(source, dir.File("out.wav"), ratio, semitones, TestContext.Current.CancellationToken));
        Assert.Contains(semitones == 0 ? "between 0.5× and 2×" : "at most 12", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("out.wav")));
    }

    [Theory]
    [InlineData(0, false, 0, false, 0)]   // C → C
    [InlineData(0, false, 7, false, -5)]  // C → G: down a fourth is shorter than up a fifth
    [InlineData(0, false, 5, false, 5)]   // C → F
    [InlineData(9, true, 0, false, 0)]    // A minor → C major: relative keys, no shift
    [InlineData(9, true, 0, true, 3)]     // A minor → C minor
    [InlineData(0, false, 9, true, 0)]    // C major → A minor
    [InlineData(2, true, 9, true, -5)]    // D minor → A minor
    [InlineData(0, false, 6, false, 6)]   // C → F#: a tritone either way; up
    [InlineData(11, false, 1, false, 2)]  // B → Db: across the octave
    public void ShortestShift_KeyPairs_SmallestInterval(int from, bool fromMinor, int to, bool toMinor, int expected) =>
        Assert.Equal(expected, TimeStretch.ShortestShift(from, fromMinor, to, toMinor));
}
