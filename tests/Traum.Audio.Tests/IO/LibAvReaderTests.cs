using System.Diagnostics;
using Traum.Audio.IO;
using Traum.Core;
using Traum.TestKit;
using Xunit;

namespace Traum.Audio.Tests.IO;

/// <summary>Memory measurements of the in-process decoder run alone, with no other test allocating beside them.</summary>
[CollectionDefinition("Native memory", DisableParallelization = true)]
public sealed class NativeMemoryCollection;

/// <summary>
/// The in-process decoder against the command-line one it replaces: the same samples to the bit, the same frame count,
/// the same header information and the same refusals, on files made here.
/// </summary>
public sealed class LibAvReaderTests
{
    private static void RequireLibAv() =>
        Assert.SkipUnless(LibAv.IsAvailable, $"the FFmpeg 5.1 libraries cannot be used here ({LibAv.LoadProblem})");

    /// <summary>A float WAV written by Traum's writer: a tone plus noise per channel, so every bit of the samples matters.</summary>
    private static string SourceWav(TempDir dir, int rate, int channels, double seconds)
    {
        var path = dir.File($"src-{rate}-{channels}.wav");
        var data = new float[channels][];
        for (var c = 0; c < channels; c++)
        {
            var tone = Signals.Sine(440 * (c + 1), seconds, rate, 0.4);
            var noise = Signals.WhiteNoise(seconds, rate, 0.2, seed: 7 + c);
            data[c] = new float[tone.Length];
            for (var i = 0; i < tone.Length; i++) data[c][i] = tone[i] + noise[i];
        }
        AudioFile.Write(path, new AudioBuffer(data, rate), new AudioWriteOptions(SampleFormat.Float32));
        return path;
    }

    public static TheoryData<string, string, int, int, string[]> Encodings => new()
    {
        { "flac 16-bit", "x.flac", 44100, 2, ["-c:a", "flac", "-sample_fmt", "s16"] },
        { "flac 24-bit", "x.flac", 48000, 2, ["-c:a", "flac", "-sample_fmt", "s32", "-bits_per_raw_sample", "24"] },
        { "flac 16-bit mono", "x.flac", 22050, 1, ["-c:a", "flac", "-sample_fmt", "s16"] },
        { "mp3 stereo", "x.mp3", 44100, 2, ["-c:a", "libmp3lame", "-b:a", "192k"] },
        { "mp3 mono", "x.mp3", 44100, 1, ["-c:a", "libmp3lame", "-b:a", "96k"] },
        { "mp3 mono 22.05 kHz", "x.mp3", 22050, 1, ["-c:a", "libmp3lame", "-q:a", "4"] },
        { "ogg vorbis", "x.ogg", 44100, 2, ["-c:a", "libvorbis", "-q:a", "5"] },
        { "ogg vorbis mono", "x.ogg", 48000, 1, ["-c:a", "libvorbis"] },
        { "opus", "x.opus", 48000, 2, ["-c:a", "libopus", "-b:a", "128k"] },
        { "m4a aac", "x.m4a", 44100, 2, ["-c:a", "aac", "-b:a", "160k"] },
        { "aiff 16-bit", "x.aiff", 44100, 2, [] },
        { "matroska pcm u8", "x.mka", 8000, 1, ["-c:a", "pcm_u8"] },
        { "matroska pcm f64", "x.mka", 44100, 2, ["-c:a", "pcm_f64le"] },
        { "matroska pcm s32", "x.mka", 96000, 2, ["-c:a", "pcm_s32le"] },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Read_EncodedFile_SamplesBitIdenticalToCommandLine(string name, string file, int rate, int channels, string[] args)
    {
        RequireLibAv();
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("libav");
        var path = dir.File(file);
        ExternalTools.Ffmpeg(SourceWav(dir, rate, channels, 1.3), path, args);

        var cliInfo = Ffmpeg.Probe(path, ct);
        AudioBuffer cli;
        using (var r = new FfmpegReader(path, cliInfo, ct)) cli = AudioFile.ReadAll(r, cancellationToken: ct);
        AudioBuffer own;
        using var reader = LibAvReader.Open(path, ct);
        own = AudioFile.ReadAll(reader, cancellationToken: ct);

        Assert.False(reader.HandedOver, $"{name}: decoded in process to the end");
        Assert.Equal(cliInfo, reader.Info);
        Assert.Equal(channels, own.ChannelCount);
        Assert.Equal(cli.Length, own.Length);
        for (var c = 0; c < channels; c++)
        {
            for (var i = 0; i < cli.Length; i++)
            {
                var a = BitConverter.SingleToInt32Bits(cli.Channels[c][i]);
                var b = BitConverter.SingleToInt32Bits(own.Channels[c][i]);
                if (a != b) Assert.Fail($"{name}: channel {c} sample {i}: command line {cli.Channels[c][i]:R}, in process {own.Channels[c][i]:R}");
            }
        }
    }

    [Fact]
    public void Read_LayoutCommandLineWouldRemix_HandedToCommandLineWithSameSamples()
    {
        RequireLibAv();
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("libav");
        var path = dir.File("quad.flac");
        // FLAC's 4-channel layout is quad, not the default 4-channel layout (4.0) that `ffmpeg -ac 4` asks for.
        ExternalTools.Ffmpeg(SourceWav(dir, 44100, 4, 0.8), path, "-af", "channelmap=channel_layout=quad", "-c:a", "flac", "-sample_fmt", "s16");
        Assert.Equal("quad", ExternalTools.ProbeStream(path, "channel_layout"));

        using var reader = LibAvReader.Open(path, ct);
        var own = AudioFile.ReadAll(reader, cancellationToken: ct);
        AudioBuffer cli;
        using (var r = Ffmpeg.OpenRead(path, ct)) cli = AudioFile.ReadAll(r, cancellationToken: ct);

        Assert.True(reader.HandedOver);
        Assert.True(reader.NativeFreed);
        Assert.Equal(cli.Length, own.Length);
        for (var c = 0; c < 4; c++) Assert.True(cli.Channels[c].AsSpan().SequenceEqual(own.Channels[c]), $"channel {c}");
    }

    [Fact]
    public void Open_ProjectFlacWriter24Bit_HeaderAndSamplesAsCommandLine()
    {
        RequireLibAv();
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("libav");
        var path = dir.File("w.flac");
        var x = Signals.WhiteNoise(0.7, 44100, 0.8, seed: 3);
        AudioFile.Write(path, new AudioBuffer([x, Signals.Sine(100, 0.7, 44100, 0.9)], 44100), new AudioWriteOptions(SampleFormat.Pcm24));

        using var reader = LibAvReader.Open(path, ct);
        Assert.Equal(Ffmpeg.Probe(path, ct), reader.Info);
        Assert.Equal(24, reader.Info.BitsPerSample);
        var own = AudioFile.ReadAll(reader, cancellationToken: ct);
        AudioBuffer cli;
        using (var r = Ffmpeg.OpenRead(path, ct)) cli = AudioFile.ReadAll(r, cancellationToken: ct);
        Assert.Equal(cli.Length, own.Length);
        for (var c = 0; c < 2; c++) Assert.True(cli.Channels[c].AsSpan().SequenceEqual(own.Channels[c]), $"channel {c}");
    }

    [Fact]
    public void Read_Chunked_EqualsWholeRead()
    {
        RequireLibAv();
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("libav");
        var path = dir.File("x.mp3");
        ExternalTools.Ffmpeg(SourceWav(dir, 44100, 2, 2), path, "-b:a", "128k");
        AudioBuffer whole;
        using (var r = LibAvReader.Open(path, ct)) whole = AudioFile.ReadAll(r, cancellationToken: ct);
        using var reader = LibAvReader.Open(path, ct);
        var buf = new[] { new float[333], new float[333] };
        var pos = 0;
        int n;
        while ((n = reader.Read(buf, 0, 333)) > 0)
        {
            Assert.True(whole.Channels[0].AsSpan(pos, n).SequenceEqual(buf[0].AsSpan(0, n)));
            Assert.True(whole.Channels[1].AsSpan(pos, n).SequenceEqual(buf[1].AsSpan(0, n)));
            pos += n;
        }
        Assert.Equal(whole.Length, pos);
        Assert.Equal(0, reader.Read(buf, 0, 333));
    }

    public static TheoryData<string> Broken => new() { "truncated flac", "truncated mp3", "truncated ogg", "random", "text", "png", "video" };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Read_BrokenFile_BothDecodersRefuseNamingTheFile(string kind)
    {
        RequireLibAv();
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("libav");
        var path = MakeBroken(dir, kind);

        var cli = Record.Exception(() =>
        {
            using var r = Ffmpeg.OpenRead(path, ct);
            AudioFile.ReadAll(r, cancellationToken: ct);
        });
        var own = Record.Exception(() =>
        {
            using var r = LibAvReader.Open(path, ct);
            AudioFile.ReadAll(r, cancellationToken: ct);
        });

        if (cli is null)
        {
            // A cut the command line decodes without complaint (a last page lost cleanly): so must this decoder.
            Assert.Null(own);
            return;
        }
        var cliError = Assert.IsType<AudioFormatException>(cli);
        var ownError = Assert.IsType<AudioFormatException>(own);
        Assert.Equal(path, ownError.FilePath);
        Assert.StartsWith(path + ": ", ownError.Message, StringComparison.Ordinal);
        // The same kind of refusal: the words before the detail in parentheses.
        Assert.Equal(Kind(cliError.Message), Kind(ownError.Message));
    }

    private static string Kind(string message) => message.Split('(')[0].Split(':')[1].Trim();

    private static string MakeBroken(TempDir dir, string kind)
    {
        switch (kind)
        {
            case "truncated flac":
            case "truncated mp3":
            case "truncated ogg":
                {
                    var ext = kind.Split(' ')[1];
                    var full = dir.File("full." + ext);
                    ExternalTools.Ffmpeg(SourceWav(dir, 44100, 2, 3), full, ext == "ogg" ? ["-c:a", "libvorbis"] : []);
                    var cut = dir.File("cut." + ext);
                    ExternalTools.Truncate(full, cut, 0.5);
                    return cut;
                }
            case "random":
                {
                    var path = dir.File("junk.mp3");
                    var bytes = new byte[5000];
                    new Random(3).NextBytes(bytes);
                    File.WriteAllBytes(path, bytes);
                    return path;
                }
            case "text":
                {
                    var path = dir.File("text.flac");
                    File.WriteAllText(path, "hello, this is not a FLAC file\n");
                    return path;
                }
            case "png":
                {
                    var path = dir.File("image.m4a");
                    File.WriteAllBytes(path, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
                    return path;
                }
            default:
                {
                    var path = dir.File("v.mkv");
                    ExternalTools.RunChecked("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=32x32:d=0.2", "-c:v", "ffv1", path);
                    return path;
                }
        }
    }

    [Fact]
    public void Read_CorruptedMiddle_RefusedAsCorrupt()
    {
        RequireLibAv();
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("libav");
        var path = dir.File("x.flac");
        ExternalTools.Ffmpeg(SourceWav(dir, 44100, 2, 3), path, "-c:a", "flac", "-sample_fmt", "s16");
        var bytes = File.ReadAllBytes(path);
        new Random(5).NextBytes(bytes.AsSpan(bytes.Length / 2, 4000));
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<AudioFormatException>(() =>
        {
            using var r = LibAvReader.Open(path, ct);
            AudioFile.ReadAll(r, cancellationToken: ct);
        });
        Assert.Contains("is corrupt or truncated (", e.Message, StringComparison.Ordinal);
        Assert.Throws<AudioFormatException>(() =>
        {
            using var r = Ffmpeg.OpenRead(path, ct);
            AudioFile.ReadAll(r, cancellationToken: ct);
        });
    }

    [Fact]
    public void Read_Cancelled_ThrowsOperationCanceled()
    {
        RequireLibAv();
        using var dir = new TempDir("libav");
        var path = dir.File("long.flac");
        ExternalTools.Ffmpeg(SourceWav(dir, 44100, 2, 20), path);
        using var cts = new CancellationTokenSource();
        using var r = LibAvReader.Open(path, cts.Token);
        var buf = new[] { new float[1024], new float[1024] };
        Assert.True(r.Read(buf, 0, 1024) > 0);

        cts.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => r.Read(buf, 0, 1024));
        Assert.ThrowsAny<OperationCanceledException>(() => AudioFile.ReadAll(r, cancellationToken: cts.Token));
    }

    [Fact]
    public void Dispose_MidStream_FreesNativeState()
    {
        RequireLibAv();
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("libav");
        var path = dir.File("x.ogg");
        ExternalTools.Ffmpeg(SourceWav(dir, 44100, 2, 5), path, "-c:a", "libvorbis");
        var r = LibAvReader.Open(path, ct);
        var buf = new[] { new float[1024], new float[1024] };
        Assert.True(r.Read(buf, 0, 1024) > 0);
        Assert.False(r.NativeFreed);

        r.Dispose();

        Assert.True(r.NativeFreed);
        Assert.Throws<ObjectDisposedException>(() => r.Read(buf, 0, 1024));
    }

    [Fact]
    public void Enabled_CliSetting_UsesCommandLine()
    {
        Assert.False(LibAvReader.Enabled("cli"));
        Assert.False(LibAvReader.Enabled(" CLI "));
        Assert.Equal(LibAv.IsAvailable, LibAvReader.Enabled(null));
        Assert.Equal(LibAv.IsAvailable, LibAvReader.Enabled("libav"));
    }

    [Fact]
    public void OpenRead_NonWav_DecodesInProcessWhenLibrariesLoad()
    {
        RequireLibAv();
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("libav");
        var path = dir.File("x.flac");
        ExternalTools.Ffmpeg(SourceWav(dir, 44100, 1, 0.2), path);
        using var r = AudioFile.OpenRead(path, ct);
        // TRAUM_DECODER=cli in the environment (a CI run of the command-line path) keeps the tools.
        if (LibAvReader.Enabled(Environment.GetEnvironmentVariable(LibAvReader.DecoderVariable))) Assert.IsType<LibAvReader>(r);
        else Assert.IsType<FfmpegReader>(r);
    }
}

/// <summary>Decoding the same file many times frees everything each time.</summary>
[Collection("Native memory")]
public sealed class LibAvReaderMemoryTests
{
    [Fact]
    public void Read_SameFile2000Times_AllNativeStateFreedAndMemoryFlat()
    {
        Assert.SkipUnless(LibAv.IsAvailable, $"the FFmpeg 5.1 libraries cannot be used here ({LibAv.LoadProblem})");
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("libav");
        var path = dir.File("x.ogg");
        AudioFile.Write(dir.File("s.wav"), new AudioBuffer([Signals.WhiteNoise(0.3, 44100, 0.5, seed: 9)], 44100));
        ExternalTools.Ffmpeg(dir.File("s.wav"), path, "-c:a", "libvorbis");
        var live = LibAvReader.LiveHandles;

        void Decode(int times)
        {
            for (var i = 0; i < times; i++)
            {
                using var r = LibAvReader.Open(path, ct);
                AudioFile.ReadAll(r, cancellationToken: ct);
            }
        }

        Decode(200);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var before = self.WorkingSet64;
        Decode(2000);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        self.Refresh();
        var grown = self.WorkingSet64 - before;

        Assert.Equal(live, LibAvReader.LiveHandles);
        // A demuxer and decoder left behind per file would be tens of kilobytes each: 2000 of them > 40 MB.
        Assert.True(grown < 16L << 20, $"working set grew by {grown / 1024} KiB over 2000 decodes");
    }

    [Fact]
    public void Finalizer_ReaderNotDisposed_NativeStateFreed()
    {
        Assert.SkipUnless(LibAv.IsAvailable, $"the FFmpeg 5.1 libraries cannot be used here ({LibAv.LoadProblem})");
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("libav");
        var path = dir.File("x.flac");
        var wav = dir.File("s.wav");
        AudioFile.Write(wav, new AudioBuffer([Signals.Sine(440, 0.3, 44100)], 44100));
        ExternalTools.Ffmpeg(wav, path);
        var live = LibAvReader.LiveHandles;

        OpenAndForget(path, ct);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.Equal(live, LibAvReader.LiveHandles);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void OpenAndForget(string path, CancellationToken ct)
    {
        var r = LibAvReader.Open(path, ct);
        var buf = new[] { new float[256] };
        Assert.True(r.Read(buf, 0, 256) > 0);
    }
}
