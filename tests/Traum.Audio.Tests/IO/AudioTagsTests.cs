using System.Buffers.Binary;
using Traum.Audio.IO;
using Traum.TestKit;
using Xunit;

namespace Traum.Audio.Tests.IO;

public sealed class AudioTagsTests
{
    private static string Tone(TempDir dir, string name)
    {
        var path = dir.File(name);
        AudioFile.Write(path, AudioBuffer.Mono(Signals.Sine(220, 1.0, 44100, 0.3), 44100));
        return path;
    }

    /// <summary>Appends an ACID chunk (layout of the ACID/Sony specification) to a WAV file and fixes the RIFF size.</summary>
    private static void AddAcidChunk(string path, uint flags, ushort rootNote, float tempo)
    {
        var acid = new byte[8 + 24];
        "acid"u8.CopyTo(acid);
        BinaryPrimitives.WriteUInt32LittleEndian(acid.AsSpan(4), 24);
        BinaryPrimitives.WriteUInt32LittleEndian(acid.AsSpan(8), flags);
        BinaryPrimitives.WriteUInt16LittleEndian(acid.AsSpan(12), rootNote);
        BinaryPrimitives.WriteUInt32LittleEndian(acid.AsSpan(20), 8); // beats
        BinaryPrimitives.WriteUInt16LittleEndian(acid.AsSpan(24), 4);
        BinaryPrimitives.WriteUInt16LittleEndian(acid.AsSpan(26), 4);
        BinaryPrimitives.WriteSingleLittleEndian(acid.AsSpan(28), tempo);
        var bytes = File.ReadAllBytes(path).Concat(acid).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(bytes.Length - 8));
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void Read_Mp3WithId3TempoAndKey_ReadsThem()
    {
        using var dir = new TempDir("tags");
        var mp3 = dir.File("neutral.mp3");
        ExternalTools.Ffmpeg(Tone(dir, "t.wav"), mp3, "-id3v2_version", "3", "-metadata", "TBPM=128", "-metadata", "TKEY=Am");

        var tags = AudioTags.Read(mp3);

        Assert.Equal(128.0, tags.Bpm);
        Assert.Equal("Am", tags.Key);
    }

    [Fact]
    public void Read_FlacWithVorbisComments_ReadsBpmAndInitialKey()
    {
        using var dir = new TempDir("tags");
        var flac = dir.File("neutral.flac");
        ExternalTools.Ffmpeg(Tone(dir, "t.wav"), flac, "-metadata", "BPM=140.5", "-metadata", "INITIALKEY=F#m");

        var tags = AudioTags.Read(flac);

        Assert.Equal(140.5, tags.Bpm);
        Assert.Equal("F#m", tags.Key);
    }

    [Fact]
    public void Read_AcidizedWavLoop_TempoAndRootNote()
    {
        using var dir = new TempDir("tags");
        var wav = Tone(dir, "loop.wav");
        AddAcidChunk(wav, flags: 2, rootNote: 57, tempo: 126f); // root note set, A3

        var tags = AudioTags.Read(wav);

        Assert.Equal(126.0, tags.Bpm);
        Assert.Equal(57, tags.RootNote);
        Assert.False(tags.OneShot);
        // The file still decodes: the chunk after the data is skipped.
        Assert.Equal(44100, AudioFile.Read(wav, TestContext.Current.CancellationToken).Length);
    }

    [Fact]
    public void Read_AcidizedWavOneShot_NoTempo()
    {
        using var dir = new TempDir("tags");
        var wav = Tone(dir, "hit.wav");
        AddAcidChunk(wav, flags: 1, rootNote: 60, tempo: 120f); // one-shot, root note not set

        var tags = AudioTags.Read(wav);

        Assert.Null(tags.Bpm);
        Assert.Null(tags.RootNote);
        Assert.True(tags.OneShot);
    }

    [Fact]
    public void Read_UntaggedOrNotAudio_None()
    {
        using var dir = new TempDir("tags");
        var junk = dir.File("junk.wav");
        File.WriteAllText(junk, "not audio at all");

        Assert.Equal(EmbeddedTags.None, AudioTags.Read(Tone(dir, "plain.wav")));
        Assert.Equal(EmbeddedTags.None, AudioTags.Read(junk));
    }
}
