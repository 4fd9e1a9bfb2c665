using Traum.Audio.IO;
using Traum.Core;
using Traum.TestKit;
using Xunit;

namespace Traum.Audio.Tests.IO;

public sealed class FfmpegTests
{
    private const int Sr = 44100;

    /// <summary>A stereo WAV (440 Hz at 0.5 left, 660 Hz at 0.25 right) made by sox, independent of Traum's writer.</summary>
    private static string SourceWav(TempDir dir, double seconds = 1.0)
    {
        var path = dir.File("src.wav");
        ExternalTools.RunChecked("sox", "-n", "-r", $"{Sr}", "-b", "16", "-c", "2", path, "synth", $"{seconds}",
            "sine", "440", "sine", "660", "remix", "1v0.5", "2v0.25");
        return path;
    }

    public static TheoryData<string, string[], string, string, int, bool> Formats => new()
    {
        { "flac", [], "flac", "flac", Sr, true },
        { "aiff", [], "aiff", "pcm_s16be", Sr, true },
        { "mp3", ["-b:a", "192k"], "mp3", "mp3", Sr, false },
        { "ogg", ["-c:a", "libvorbis"], "ogg", "vorbis", Sr, false },
        { "opus", ["-c:a", "libopus", "-ar", "48000"], "ogg", "opus", 48000, false },
        { "m4a", ["-c:a", "aac"], "m4a", "aac", Sr, false },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void Read_FormatMadeByFfmpeg_DecodesHeaderAndContent(string ext, string[] args, string format, string codec, int rate, bool lossless)
    {
        using var dir = new TempDir("ff");
        var wav = SourceWav(dir);
        var file = dir.File("x." + ext);
        ExternalTools.Ffmpeg(wav, file, args);

        var info = AudioFile.Probe(file);
        var audio = AudioFile.Read(file, TestContext.Current.CancellationToken);

        Assert.Equal(format, info.Format);
        Assert.Equal(codec, info.Codec);
        Assert.Equal(rate, info.SampleRate);
        Assert.Equal(2, info.Channels);
        Assert.Equal(rate, audio.SampleRate);
        Assert.Equal(2, audio.ChannelCount);
        Assert.InRange(audio.Duration, 0.99, 1.1);
        if (lossless)
        {
            var reference = AudioFile.Read(wav, TestContext.Current.CancellationToken);
            Assert.Equal(reference.Length, audio.Length);
            for (var c = 0; c < 2; c++)
            {
                for (var i = 0; i < audio.Length; i++) Assert.Equal(reference.Channels[c][i], audio.Channels[c][i]);
            }
        }
        var mid = audio.Length / 2;
        var (left, _) = SignalMeasure.FitSine(audio.Channels[0], mid - (rate / 4), mid + (rate / 4), 440, rate);
        var (right, _) = SignalMeasure.FitSine(audio.Channels[1], mid - (rate / 4), mid + (rate / 4), 660, rate);
        Assert.Equal(0.5, left, 0.02);
        Assert.Equal(0.25, right, 0.01);
    }

    [Theory]
    [InlineData(SampleFormat.Pcm16, "16", 1.0 / 32768)]
    [InlineData(SampleFormat.Pcm24, "24", 1.0 / 8388608)]
    public void Write_Flac_FfprobeSeesBitDepthAndSamplesRoundTrip(SampleFormat format, string bits, double step)
    {
        using var dir = new TempDir("ff");
        var path = dir.File("out.flac");
        var l = Signals.Sine(440, 0.5, Sr, 0.7);
        var r = Signals.WhiteNoise(0.5, Sr, 0.3, seed: 2);
        AudioFile.Write(path, new AudioBuffer([l, r], Sr), new AudioWriteOptions(format));

        Assert.Equal("flac", ExternalTools.ProbeStream(path, "codec_name"));
        Assert.Equal(bits, ExternalTools.ProbeStream(path, "bits_per_raw_sample"));
        Assert.False(File.Exists(path + ".partial"));
        var back = AudioFile.Read(path, TestContext.Current.CancellationToken);
        Assert.Equal(l.Length, back.Length);
        for (var i = 0; i < l.Length; i++)
        {
            Assert.True(Math.Abs(back.Channels[0][i] - l[i]) <= step, $"L[{i}]");
            Assert.True(Math.Abs(back.Channels[1][i] - r[i]) <= step, $"R[{i}]");
        }
    }

    [Fact]
    public void Write_Mp3_FfprobeSeesMp3AndToneSurvives()
    {
        using var dir = new TempDir("ff");
        var path = dir.File("out.mp3");
        var x = Signals.Sine(1000, 1.0, Sr, 0.5);
        AudioFile.Write(path, new AudioBuffer([x, x], Sr), new AudioWriteOptions(Mp3BitrateKbps: 192));

        Assert.Equal("mp3", ExternalTools.ProbeStream(path, "codec_name"));
        Assert.Equal("192000", ExternalTools.ProbeStream(path, "bit_rate"));
        var back = AudioFile.Read(path, TestContext.Current.CancellationToken);
        var (amp, _) = SignalMeasure.FitSine(back.Channels[0], back.Length / 4, back.Length * 3 / 4, 1000, Sr);
        Assert.Equal(0.5, amp, 0.02);
    }

    [Fact]
    public void Write_FlacFloat_RefusedWithAdvice()
    {
        using var dir = new TempDir("ff");
        var e = Assert.Throws<AudioFormatException>(() => AudioFile.OpenWrite(dir.File("x.flac"), Sr, 2, new AudioWriteOptions(SampleFormat.Float32)));
        Assert.Contains("16 or 24", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("flac", 0.5)]
    [InlineData("mp3", 0.5)]
    [InlineData("aiff", 0.5)]
    [InlineData("m4a", 0.5)]
    [InlineData("ogg", 0.5)]
    [InlineData("flac", 0.01)]
    public void Read_TruncatedFile_AudioFormatExceptionNamingFile(string ext, double keep)
    {
        using var dir = new TempDir("ff");
        var full = dir.File("full." + ext);
        ExternalTools.Ffmpeg(SourceWav(dir, 3), full, ext == "ogg" ? ["-c:a", "libvorbis"] : []);
        var cut = dir.File("cut." + ext);
        ExternalTools.Truncate(full, cut, keep);

        var e = Assert.Throws<AudioFormatException>(() => AudioFile.Read(cut, TestContext.Current.CancellationToken));

        Assert.Equal(cut, e.FilePath);
        Assert.StartsWith(cut + ": ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("junk.mp3", "random")]
    [InlineData("text.flac", "text")]
    [InlineData("empty.ogg", "empty")]
    [InlineData("image.m4a", "png")]
    public void Read_NotAudio_AudioFormatException(string name, string kind)
    {
        using var dir = new TempDir("ff");
        var path = dir.File(name);
        switch (kind)
        {
            case "random":
                var bytes = new byte[5000];
                new Random(3).NextBytes(bytes);
                File.WriteAllBytes(path, bytes);
                break;
            case "text":
                File.WriteAllText(path, "hello, this is not a FLAC file\n");
                break;
            case "empty":
                File.WriteAllBytes(path, []);
                break;
            default:
                File.WriteAllBytes(path, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
                break;
        }

        var e = Assert.Throws<AudioFormatException>(() => AudioFile.Read(path, TestContext.Current.CancellationToken));
        Assert.Equal(path, e.FilePath);
    }

    [Fact]
    public void Read_VideoWithoutAudio_NoAudioStream()
    {
        using var dir = new TempDir("ff");
        var path = dir.File("v.mkv");
        ExternalTools.RunChecked("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=32x32:d=0.2", "-c:v", "ffv1", path);
        var e = Assert.Throws<AudioFormatException>(() => AudioFile.Read(path, TestContext.Current.CancellationToken));
        Assert.Contains("no audio stream", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Locate_ToolNotOnPath_NullAndHintSaysHowToInstall()
    {
        using var dir = new TempDir("ff");
        Assert.Null(Ffmpeg.Locate("ffmpeg", null, dir.Path));
        Assert.Null(Ffmpeg.Locate("ffprobe", dir.File("nothing/ffmpeg"), dir.Path));
        Assert.Contains("sudo apt-get install ffmpeg", Ffmpeg.InstallHint, StringComparison.Ordinal);
        Assert.Contains("scripts/bootstrap.sh", Ffmpeg.InstallHint, StringComparison.Ordinal);
        Assert.NotNull(Ffmpeg.Locate("ffmpeg", null, Environment.GetEnvironmentVariable("PATH")));
    }

    [Fact]
    public void Reader_ChunkedRead_EqualsWholeRead()
    {
        using var dir = new TempDir("ff");
        var flac = dir.File("x.flac");
        ExternalTools.Ffmpeg(SourceWav(dir, 2), flac);
        var whole = AudioFile.Read(flac, TestContext.Current.CancellationToken);
        using var r = AudioFile.OpenRead(flac, TestContext.Current.CancellationToken);
        var buf = new[] { new float[777], new float[777] };
        var pos = 0;
        int n;
        while ((n = r.Read(buf, 0, 777)) > 0)
        {
            for (var i = 0; i < n; i++)
            {
                Assert.Equal(whole.Channels[0][pos + i], buf[0][i]);
                Assert.Equal(whole.Channels[1][pos + i], buf[1][i]);
            }
            pos += n;
        }
        Assert.Equal(whole.Length, pos);
    }

    [Fact]
    public void Reader_DisposedMidStream_DecoderProcessEnds()
    {
        using var dir = new TempDir("ff");
        var flac = dir.File("long.flac");
        ExternalTools.Ffmpeg(SourceWav(dir, 60), flac);
        var r = (FfmpegReader)Ffmpeg.OpenRead(flac, TestContext.Current.CancellationToken);
        var buf = new[] { new float[1024], new float[1024] };
        Assert.True(r.Read(buf, 0, 1024) > 0);
        var pid = r.ProcessId!.Value;
        Assert.False(r.ProcessExited);

        r.Dispose();

        Assert.True(HasEnded(pid));
    }

    [Fact]
    public void Reader_Cancelled_ThrowsOperationCanceledAndEndsDecoder()
    {
        using var dir = new TempDir("ff");
        var flac = dir.File("long.flac");
        ExternalTools.Ffmpeg(SourceWav(dir, 60), flac);
        using var cts = new CancellationTokenSource();
        using var r = (FfmpegReader)Ffmpeg.OpenRead(flac, cts.Token);
        var buf = new[] { new float[1024], new float[1024] };
        Assert.True(r.Read(buf, 0, 1024) > 0);
        var pid = r.ProcessId!.Value;

        cts.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            while (r.Read(buf, 0, 1024) > 0)
            {
            }
        });
        Assert.True(HasEnded(pid));
    }

    private static bool HasEnded(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return p.WaitForExit(5000);
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
