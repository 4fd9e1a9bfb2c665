using System.Buffers.Binary;
using Traum.Audio.IO;
using Traum.Core;
using Traum.TestKit;
using Xunit;

namespace Traum.Audio.Tests.IO;

public sealed class WavReaderTests
{
    private static AudioBuffer ReadBytes(TempDir dir, byte[] bytes, string name = "x.wav") =>
        AudioFile.Read(Save(dir, bytes, name), TestContext.Current.CancellationToken);

    private static string Save(TempDir dir, byte[] bytes, string name = "x.wav")
    {
        var path = dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Read_Pcm8_UnsignedOffsetBinary()
    {
        using var dir = new TempDir("wav");
        var a = ReadBytes(dir, new WavBytes().Fmt(1, 1, 8000, 8).Data([0, 64, 128, 192, 255]).ToArray());
        Assert.Equal([-1f, -0.5f, 0f, 0.5f, 127f / 128], a.Channels[0]);
    }

    [Fact]
    public void Read_Pcm16Stereo_DeinterleavedAndScaledBy32768()
    {
        using var dir = new TempDir("wav");
        var a = ReadBytes(dir, new WavBytes().Fmt(1, 2, 44100, 16).Data(WavBytes.Int16(-32768, 16384, 32767, -1)).ToArray());
        Assert.Equal(44100, a.SampleRate);
        Assert.Equal([-1f, 32767f / 32768], a.Channels[0]);
        Assert.Equal([0.5f, -1f / 32768], a.Channels[1]);
    }

    [Fact]
    public void Read_Pcm24_SignExtendedAndScaledBy2Pow23()
    {
        using var dir = new TempDir("wav");
        var a = ReadBytes(dir, new WavBytes().Fmt(1, 1, 48000, 24).Data(WavBytes.Int24(-8388608, 8388607, 1, -1, 4194304)).ToArray());
        Assert.Equal([-1f, 8388607f / 8388608, 1f / 8388608, -1f / 8388608, 0.5f], a.Channels[0]);
    }

    [Fact]
    public void Read_Pcm32_ScaledBy2Pow31()
    {
        using var dir = new TempDir("wav");
        var a = ReadBytes(dir, new WavBytes().Fmt(1, 1, 48000, 32).Data(WavBytes.Int32(int.MinValue, 1 << 30, -(1 << 29))).ToArray());
        Assert.Equal([-1f, 0.5f, -0.25f], a.Channels[0]);
    }

    [Fact]
    public void Read_Float32AndFloat64_ValuesAsStored()
    {
        using var dir = new TempDir("wav");
        var f32 = ReadBytes(dir, new WavBytes().Fmt(3, 1, 48000, 32).Data(WavBytes.Float32(0.1f, -1.5f, 0f)).ToArray(), "a.wav");
        var f64 = ReadBytes(dir, new WavBytes().Fmt(3, 1, 48000, 64).Data(WavBytes.Float64(0.1, -1.5, 0.25)).ToArray(), "b.wav");
        Assert.Equal([0.1f, -1.5f, 0f], f32.Channels[0]);
        Assert.Equal([0.1f, -1.5f, 0.25f], f64.Channels[0]);
    }

    [Fact]
    public void Read_ExtensiblePcm24AndFloat_UsesSubFormat()
    {
        using var dir = new TempDir("wav");
        var pcm = ReadBytes(dir, new WavBytes().FmtExtensible(1, 2, 96000, 24, 24, 3).Data(WavBytes.Int24(4194304, -4194304)).ToArray(), "a.wav");
        var flt = ReadBytes(dir, new WavBytes().FmtExtensible(3, 1, 96000, 32, 32, 4).Data(WavBytes.Float32(0.75f)).ToArray(), "b.wav");
        Assert.Equal(96000, pcm.SampleRate);
        Assert.Equal([0.5f], pcm.Channels[0]);
        Assert.Equal([-0.5f], pcm.Channels[1]);
        Assert.Equal([0.75f], flt.Channels[0]);
    }

    [Fact]
    public void Read_ExtensibleSeventeenChannels_EachChannelInItsPlace()
    {
        using var dir = new TempDir("wav");
        const int Ch = 17;
        var samples = new short[Ch * 3];
        for (var f = 0; f < 3; f++)
        {
            for (var c = 0; c < Ch; c++) samples[(f * Ch) + c] = (short)((c * 1000) + f);
        }
        var a = ReadBytes(dir, new WavBytes().FmtExtensible(1, Ch, 48000, 16, 16, 0).Data(WavBytes.Int16(samples)).ToArray());
        Assert.Equal(Ch, a.ChannelCount);
        for (var c = 0; c < Ch; c++)
        {
            for (var f = 0; f < 3; f++) Assert.Equal(((c * 1000) + f) / 32768f, a.Channels[c][f]);
        }
    }

    [Fact]
    public void Read_OddSizedUnknownChunksBeforeAndAfterFmt_SkippedWithPadByte()
    {
        using var dir = new TempDir("wav");
        var bytes = new WavBytes()
            .Chunk("JUNK", [1, 2, 3])
            .Fmt(1, 1, 22050, 16)
            .Chunk("LIST", [9, 9, 9, 9, 9])
            .Chunk("bext", new byte[7])
            .Data(WavBytes.Int16(100, -200, 300))
            .Chunk("id3 ", [1])
            .ToArray();
        var a = ReadBytes(dir, bytes);
        Assert.Equal([100 / 32768f, -200 / 32768f, 300 / 32768f], a.Channels[0]);
    }

    [Fact]
    public void Read_OddSizedDataChunkThenTrailingChunk_DataEndsAtItsSize()
    {
        using var dir = new TempDir("wav");
        var bytes = new WavBytes().Fmt(1, 1, 8000, 8).Data([128, 255, 0]).Chunk("LIST", [5, 5, 5, 5]).ToArray();
        var a = ReadBytes(dir, bytes);
        Assert.Equal([0f, 127f / 128, -1f], a.Channels[0]);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(0xFFFFFFFFu)]
    public void Read_StreamedDataSize_ReadsToEndOfFile(uint sizeField)
    {
        using var dir = new TempDir("wav");
        var bytes = new WavBytes().Fmt(1, 2, 8000, 16).Data(WavBytes.Int16(1, 2, 3, 4, 5, 6), sizeField).ToArray(0xFFFFFFFF);
        var path = Save(dir, bytes);
        Assert.Equal(3, AudioFile.Probe(path).Frames);
        var a = AudioFile.Read(path, TestContext.Current.CancellationToken);
        Assert.Equal([1 / 32768f, 3 / 32768f, 5 / 32768f], a.Channels[0]);
        Assert.Equal([2 / 32768f, 4 / 32768f, 6 / 32768f], a.Channels[1]);
    }

    [Fact]
    public void Read_StreamedByFfmpegToPipe_EqualsFfmpegDecode()
    {
        using var dir = new TempDir("wav");
        var src = dir.File("src.wav");
        ExternalTools.RunChecked("sox", "-n", "-r", "44100", "-b", "16", "-c", "2", src, "synth", "0.5", "sine", "300", "sine", "500");
        var streamed = dir.File("streamed.wav");
        // ffmpeg writing to a pipe cannot seek back, so both size fields stay 0xFFFFFFFF.
        ExternalTools.RunChecked("sh", "-c", $"ffmpeg -nostdin -v error -i '{src}' -f wav - > '{streamed}'");
        var head = File.ReadAllBytes(streamed);
        Assert.Equal(0xFFFFFFFFu, BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(4)));

        var a = AudioFile.Read(streamed, TestContext.Current.CancellationToken);

        AssertEqualsFfmpegDecode(src, a);
    }

    public static TheoryData<string[], string, int> SoxFiles => new()
    {
        { ["-b", "8", "-e", "unsigned-integer"], "pcm_u8", 8 },
        { ["-b", "16"], "pcm_s16le", 16 },
        { ["-b", "24"], "pcm_s24le", 24 },
        { ["-b", "32", "-e", "signed-integer"], "pcm_s32le", 32 },
        { ["-b", "32", "-e", "floating-point"], "pcm_f32le", 32 },
        { ["-b", "64", "-e", "floating-point"], "pcm_f64le", 64 },
    };

    [Theory]
    [MemberData(nameof(SoxFiles))]
    public void Read_SoxWrittenFile_HeaderAndSamplesEqualFfmpegDecode(string[] encoding, string codec, int bits)
    {
        using var dir = new TempDir("wav");
        var path = dir.File("sox.wav");
        ExternalTools.RunChecked("sox", ["-n", "-r", "44100", "-c", "3", .. encoding, path, "synth", "0.3", "sine", "1000", "sine", "2000", "sine", "3000", "vol", "0.8"]);

        var info = AudioFile.Probe(path);
        var a = AudioFile.Read(path, TestContext.Current.CancellationToken);

        Assert.Equal(("wav", codec, 44100, 3, bits), (info.Format, info.Codec, info.SampleRate, info.Channels, info.BitsPerSample));
        Assert.Equal(ExternalTools.ProbeStream(path, "codec_name"), codec);
        Assert.Equal(13230, info.Frames);
        AssertEqualsFfmpegDecode(path, a);
    }

    [Theory]
    [InlineData("pcm_s24le", 2)]
    [InlineData("pcm_s16le", 6)]
    [InlineData("pcm_f32le", 2)]
    public void Read_FfmpegWrittenExtensibleFile_EqualsFfmpegDecode(string codec, int channels)
    {
        using var dir = new TempDir("wav");
        var path = dir.File("ff.wav");
        ExternalTools.RunChecked("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=700:duration=0.3:sample_rate=48000",
            "-ac", $"{channels}", "-c:a", codec, path);
        var a = AudioFile.Read(path, TestContext.Current.CancellationToken);
        Assert.Equal(channels, a.ChannelCount);
        AssertEqualsFfmpegDecode(path, a);
    }

    [Fact]
    public void Read_TruncatedDataChunk_AudioFormatExceptionSaysTruncated()
    {
        using var dir = new TempDir("wav");
        var bytes = new WavBytes().Fmt(1, 1, 8000, 16).Data(WavBytes.Int16(new short[500]), sizeOverride: 2000).ToArray();
        var path = Save(dir, bytes);
        Assert.Equal(1000, AudioFile.Probe(path).Frames);

        var e = Assert.Throws<AudioFormatException>(() => AudioFile.Read(path, TestContext.Current.CancellationToken));

        Assert.Equal(path, e.FilePath);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SoxFileCutInHalf_AudioFormatException()
    {
        using var dir = new TempDir("wav");
        var path = dir.File("full.wav");
        ExternalTools.RunChecked("sox", "-n", "-r", "44100", "-b", "24", path, "synth", "1", "sine", "1000");
        var cut = dir.File("cut.wav");
        ExternalTools.Truncate(path, cut, 0.5);
        var e = Assert.Throws<AudioFormatException>(() => AudioFile.Read(cut, TestContext.Current.CancellationToken));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[]> BrokenFiles => new()
    {
        { "empty", [] },
        { "too short", "RIFF"u8.ToArray() },
        { "text", "this is a text file, not audio at all"u8.ToArray() },
        { "header only", new WavBytes().ToArray() },
        { "no data chunk", new WavBytes().Fmt(1, 1, 8000, 16).ToArray() },
        { "data before fmt", new WavBytes().Data([0, 0]).Fmt(1, 1, 8000, 16).ToArray() },
        { "zero channels", new WavBytes().Fmt(1, 0, 8000, 16).Data([0, 0]).ToArray() },
        { "zero rate", new WavBytes().Fmt(1, 1, 0, 16).Data([0, 0]).ToArray() },
        { "12-bit", new WavBytes().Fmt(1, 1, 8000, 12).Data([0, 0]).ToArray() },
        { "ADPCM", new WavBytes().Fmt(2, 1, 8000, 4).Data([0, 0]).ToArray() },
        { "chunk past end", new WavBytes().Fmt(1, 1, 8000, 16).Chunk("LIST", [1, 2], sizeOverride: 100000).Data([0, 0]).ToArray() },
        { "fmt too small", new WavBytes().Chunk("fmt ", new byte[8]).Data([0, 0]).ToArray() },
        { "empty data", new WavBytes().Fmt(1, 1, 8000, 16).Data([], sizeOverride: 2).ToArray() },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Read_BrokenFile_AudioFormatExceptionNamingFile(string what, byte[] bytes)
    {
        using var dir = new TempDir("wav");
        var path = Save(dir, bytes, what.Replace(' ', '_') + ".wav");
        var e = Assert.Throws<AudioFormatException>(() => AudioFile.Read(path, TestContext.Current.CancellationToken));
        Assert.Equal(path, e.FilePath);
        Assert.False(string.IsNullOrWhiteSpace(e.Problem));
    }

    [Fact]
    public void Read_Folder_AudioFormatException()
    {
        using var dir = new TempDir("wav");
        var e = Assert.Throws<AudioFormatException>(() => AudioFile.Read(dir.Path, TestContext.Current.CancellationToken));
        Assert.Contains("folder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_AudioFormatException()
    {
        using var dir = new TempDir("wav");
        var e = Assert.Throws<AudioFormatException>(() => AudioFile.Read(dir.File("nope.wav"), TestContext.Current.CancellationToken));
        Assert.Contains("no such file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_ThirtyMinuteStreamedFileReadInChunks_ExactSamplesAndBoundedMemory()
    {
        // 30 minutes of 8 kHz mono 16-bit (28.8 MB) with streamed sizes; sample i holds (i·7919) mod 65536.
        using var dir = new TempDir("wav");
        var path = dir.File("long.wav");
        const int Sr = 8000;
        const long Frames = 30L * 60 * Sr;
        using (var fs = File.Create(path))
        {
            fs.Write(new WavBytes().Fmt(1, 1, Sr, 16).Data([], 0xFFFFFFFF).ToArray(0xFFFFFFFF));
            var block = new byte[65536];
            for (long i = 0; i < Frames;)
            {
                var n = (int)Math.Min(block.Length / 2, Frames - i);
                for (var k = 0; k < n; k++) BinaryPrimitives.WriteInt16LittleEndian(block.AsSpan(2 * k), unchecked((short)((i + k) * 7919)));
                fs.Write(block, 0, 2 * n);
                i += n;
            }
        }

        using var reader = AudioFile.OpenRead(path, TestContext.Current.CancellationToken);
        Assert.Equal(Frames, reader.Info.Frames);
        const int Chunk = 4096;
        var buf = new[] { new float[Chunk] };
        long pos = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        int got;
        while ((got = reader.Read(buf, 0, Chunk)) > 0)
        {
            Assert.InRange(got, 1, Chunk);
            for (var k = 0; k < got; k++)
            {
                if (buf[0][k] != unchecked((short)((pos + k) * 7919)) / 32768f) Assert.Fail($"sample {pos + k}");
            }
            pos += got;
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Frames, pos);
        Assert.True(allocated < 1 << 20, $"reading 28.8 MB in chunks allocated {allocated} bytes");
    }

    private static void AssertEqualsFfmpegDecode(string path, AudioBuffer a)
    {
        using var dir = new TempDir("raw");
        var raw = dir.File("x.f32");
        ExternalTools.RunChecked("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "f32le", "-c:a", "pcm_f32le", raw);
        var bytes = File.ReadAllBytes(raw);
        var ch = a.ChannelCount;
        Assert.Equal(bytes.Length / 4 / ch, a.Length);
        for (var i = 0; i < a.Length; i++)
        {
            for (var c = 0; c < ch; c++)
            {
                var want = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * ((i * ch) + c)));
                if (Math.Abs(want - a.Channels[c][i]) > 1e-7) Assert.Fail($"frame {i} channel {c}: {a.Channels[c][i]} vs ffmpeg {want}");
            }
        }
    }
}
