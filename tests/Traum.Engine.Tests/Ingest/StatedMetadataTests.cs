using Traum.Engine.Ingest;
using Xunit;

namespace Traum.Engine.Tests.Ingest;

public sealed class StatedMetadataTests
{
    [Theory]
    [InlineData("/packs/Am Bass Loop 128 BPM.wav", 128.0, "A", "minor")]
    [InlineData("/packs/deep_house/loop_124bpm_F#m.wav", 124.0, "F#", "minor")]
    [InlineData("/packs/Pad_A#maj_90_BPM.flac", 90.0, "Bb", "major")]
    [InlineData("/packs/Keys - C minor - bpm 85.wav", 85.0, "C", "minor")]
    [InlineData("/packs/Lead Ebmin 174bpm.wav", 174.0, "Eb", "minor")]
    [InlineData("/packs/Chords 8A 120bpm.wav", 120.0, "A", "minor")]
    [InlineData("/packs/Bass F#.wav", null, "F#", null)]
    [InlineData("Loop 124.4 BPM Am", 124.4, "A", "minor")] // a bare name (an upload's): ".4 BPM Am" is no extension
    [InlineData("/packs/Loop 126.5 BPM Dm.wav", 126.5, "D", "minor")]
    public void Parse_NameStatingTempoAndKey_ReadsThem(string path, double? bpm, string tonic, string? mode)
    {
        var s = StatedMetadata.Parse(path);
        Assert.Equal(bpm, s.Bpm);
        Assert.Equal(tonic, s.Tonic);
        Assert.Equal(mode, s.Mode);
    }

    [Theory]
    [InlineData("/packs/Kick 808 01.wav")]
    [InlineData("/packs/Side B/Snare 2.wav")]
    [InlineData("/packs/0001.wav")]
    [InlineData("/packs/Kit A/Hat Open.wav")]
    public void Parse_NameStatingNothing_ReadsNothing(string path)
    {
        Assert.Equal(new StatedValues(null, null, null), StatedMetadata.Parse(path));
    }

    [Fact]
    public void Parse_FolderStatesWhatTheFileDoesNot_UsesTheFolder()
    {
        var s = StatedMetadata.Parse("/packs/Dm 140 BPM/Bass 3.wav");
        Assert.Equal(140.0, s.Bpm);
        Assert.Equal(("D", "minor"), (s.Tonic, s.Mode));
    }

    [Fact]
    public void Parse_Tags_WinOverTheNameEachValueOnItsOwn()
    {
        var s = StatedMetadata.Parse("/packs/Dm 140 BPM/Bass 3.wav", new Traum.Audio.IO.EmbeddedTags(128, null, null, null));
        Assert.Equal(128.0, s.Bpm); // the tag
        Assert.Equal(("D", "minor"), (s.Tonic, s.Mode)); // the folder: the tags state no key

        var k = StatedMetadata.Parse("/packs/Dm 140 BPM/Bass 3.wav", new Traum.Audio.IO.EmbeddedTags(null, "Bbm", null, null));
        Assert.Equal(140.0, k.Bpm);
        Assert.Equal(("Bb", "minor"), (k.Tonic, k.Mode));
    }

    [Theory]
    [InlineData("A", null, "A", null)]
    [InlineData("8A", null, "A", "minor")]
    [InlineData("F# major", null, "F#", "major")]
    [InlineData(null, 61, "Db", null)] // ACID root note: a root without a mode, spelled as KeyNames does
    public void Parse_TagKeys_LoneLetterCamelotWordsAndRootNote(string? key, int? root, string tonic, string? mode)
    {
        var s = StatedMetadata.Parse("/packs/neutral.wav", new Traum.Audio.IO.EmbeddedTags(null, key, root, null));
        Assert.Equal((tonic, mode), (s.Tonic, s.Mode));
    }

    [Fact]
    public void Parse_TagKeyOffKey_FallsBackToTheName()
    {
        var s = StatedMetadata.Parse("/packs/Lead Ebmin.wav", new Traum.Audio.IO.EmbeddedTags(null, "o", null, null));
        Assert.Equal(("Eb", "minor"), (s.Tonic, s.Mode));
    }
}
