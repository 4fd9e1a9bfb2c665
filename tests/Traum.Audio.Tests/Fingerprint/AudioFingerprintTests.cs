using Traum.Audio.Fingerprint;
using Traum.Audio.IO;
using Traum.TestKit;
using Xunit;

namespace Traum.Audio.Tests.Fingerprint;

public sealed class AudioFingerprintTests
{
    private const int Rate = 44100;

    /// <summary>20 s of a changing "take": chords in a seeded order over a seeded drum pattern.</summary>
    private static float[] Take(int seed)
    {
        var rng = new Random(seed);
        var x = new float[20 * Rate];
        var pos = 0;
        while (pos < x.Length)
        {
            var root = 48 + rng.Next(12);
            var chord = Signals.Chord([root, root + (rng.Next(2) == 0 ? 3 : 4), root + 7], 0.5 + (rng.Next(4) * 0.25), Rate, 0.3);
            for (var i = 0; i < chord.Length && pos + i < x.Length; i++) x[pos + i] += chord[i];
            var hit = Signals.DrumHit(0.2, Rate, seed: rng.Next());
            for (var i = 0; i < hit.Length && pos + i < x.Length; i++) x[pos + i] += 0.5f * hit[i];
            pos += chord.Length;
        }
        return Signals.Normalize(x, 0.7);
    }

    [Fact]
    public void Group_ReencodedGainChangedResampledTrimmed_AllFoundDifferentTakeApart()
    {
        using var dir = new TempDir("fp");
        var original = dir.File("original.wav");
        AudioFile.Write(original, AudioBuffer.Mono(Take(1), Rate));
        var mp3 = dir.File("copy.mp3");
        ExternalTools.Ffmpeg(original, mp3, "-b:a", "128k");
        var quiet = dir.File("quiet.wav");
        ExternalTools.Ffmpeg(original, quiet, "-af", "volume=-9dB");
        var resampled = dir.File("resampled.wav");
        ExternalTools.Ffmpeg(original, resampled, "-ar", "48000");
        var trimmed = dir.File("trimmed.wav");
        ExternalTools.Ffmpeg(original, trimmed, "-ss", "3", "-t", "12");
        var other = dir.File("other-take.wav");
        AudioFile.Write(other, AudioBuffer.Mono(Take(2), Rate)); // same style, other chords: not a duplicate
        var ct = TestContext.Current.CancellationToken;
        string[] files = [original, mp3, quiet, resampled, trimmed, other];
        var prints = files.Select(f => AudioFingerprint.Compute(f, ct)).ToList();

        var groups = AudioFingerprint.Group(prints);

        Assert.Equal([[0, 1, 2, 3, 4]], groups.Select(g => g.ToArray()));
        Assert.True(AudioFingerprint.BitErrorRate(prints[0], prints[5], out _) > 0.3);
    }

    [Theory]
    [InlineData(1, 44100)]
    [InlineData(2, 48000)]
    public void Compute_SameItemsAsFfmpegsChromaprintMuxer(int channels, int rate)
    {
        using var dir = new TempDir("fp");
        var path = dir.File("take.wav");
        var mono = Take(4);
        var buffers = Enumerable.Range(0, channels).Select(c => c == 0 ? mono : mono.Select((v, i) => 0.5f * v * MathF.Cos(i * 0.0001f)).ToArray()).ToArray();
        AudioFile.Write(path, new AudioBuffer(buffers, rate));

        var reference = ExternalTools.FfmpegChromaprint(path);
        var items = AudioFingerprint.Compute(path, TestContext.Current.CancellationToken);

        Assert.True(reference.Length > 100, $"the reference has {reference.Length} items");
        Assert.Equal(reference, items);
    }

    [Fact]
    public void Compute_MoreThanTwoChannels_MixedToMonoFirst()
    {
        var mono = Take(5);
        var six = new AudioBuffer(Enumerable.Range(0, 6).Select(_ => mono).ToArray(), Rate);

        var items = Chromaprint.Compute(six, TestContext.Current.CancellationToken);

        Assert.Equal(Chromaprint.Compute(AudioBuffer.Mono(mono, Rate), TestContext.Current.CancellationToken), items);
    }

    [Fact]
    public void Compute_TooShort_Empty()
    {
        var items = Chromaprint.Compute(AudioBuffer.Mono(new float[Rate / 2], Rate), TestContext.Current.CancellationToken);

        Assert.Empty(items);
    }

    [Fact]
    public void BitErrorRate_IdenticalAndShifted_ZeroAtTheShift()
    {
        var rng = new Random(3);
        var a = Enumerable.Range(0, 200).Select(_ => (uint)rng.Next()).ToArray();
        var b = a[17..];
        Assert.Equal(0, AudioFingerprint.BitErrorRate(a, a, out var o0));
        Assert.Equal(0, o0);
        Assert.Equal(0, AudioFingerprint.BitErrorRate(a, b, out var o1));
        Assert.Equal(-17, o1); // a[i] against b[i − 17]
        // Unrelated random words differ in half their bits.
        var c = Enumerable.Range(0, 200).Select(_ => (uint)rng.Next()).ToArray();
        Assert.InRange(AudioFingerprint.BitErrorRate(a, c, out _), 0.4, 0.5);
    }
}
