using Traum.Engine.Ingest;

namespace Traum.Engine.Tests.Ingest;

public sealed class StemClassifierTests
{
    [Theory]
    [InlineData("/s/Kick_01.wav", "drums", "kick", "file name")]
    [InlineData("/s/808 Kick Hard.wav", "drums", "kick", "file name")]
    [InlineData("/s/BigKicks.wav", "drums", "kick", "file name")]
    [InlineData("/s/Bass Drum 3.wav", "drums", "kick", "file name")]
    [InlineData("/s/808_Long_C.wav", "bass", "808", "file name")]
    [InlineData("/s/TR808.wav", "bass", "808", "file name")]
    [InlineData("/s/SnareRoll.aif", "drums", "snare", "file name")]
    [InlineData("/s/open-hat.wav", "drums", "hihat", "file name")]
    [InlineData("/s/HH_closed.wav", "drums", "hihat", "file name")]
    [InlineData("/s/deep bassline 120.wav", "bass", "bass", "file name")]
    [InlineData("/s/VOX_chop.wav", "vocals", "vocals", "file name")]
    [InlineData("/s/lead vocal.wav", "vocals", "vocals", "file name")]
    [InlineData("/s/Warm Pad Cm.wav", "other", "pad", "file name")]
    [InlineData("/s/SuperSaw Lead.wav", "other", "lead", "file name")]
    [InlineData("/s/Rhodes Keys.wav", "piano", "piano", "file name")]
    [InlineData("/s/keys_loop.wav", "piano", "keys", "file name")]
    [InlineData("/s/Guitar Strum.wav", "guitar", "guitar", "file name")]
    [InlineData("/s/Grand Piano C4.wav", "piano", "piano", "file name")]
    [InlineData("/s/drum loop 90.wav", "drums", "drums", "file name")]
    [InlineData("/s/Riser 8 bars.wav", "other", "fx", "file name")]
    [InlineData("/sep/song/drums.wav", "drums", "drums", "separation")]
    [InlineData("/sep/song/Vocals.flac", "vocals", "vocals", "separation")]
    [InlineData("/sep/song/no_vocals.wav", "other", "instrumental", "separation")]
    [InlineData("/lib/Kicks/001.wav", "drums", "kick", "folder")]
    [InlineData("/lib/Bass/Sub Stuff/x1.wav", "bass", "sub", "folder")]
    [InlineData("/lib/Bass/misc/x1.wav", "bass", "bass", "folder")]
    [InlineData("/lib/misc/take 3.wav", "uncategorized", "uncategorized", "default")]
    public void Classify_NameRules_GiveKindAndCategory(string path, string kind, string category, string reason)
    {
        var c = StemClassifier.Classify(path, root: "/");
        Assert.Equal((kind, category, reason), (c.Kind, c.Category, c.Reason));
    }

    [Fact]
    public void Classify_Flags_WinOverNames()
    {
        Assert.Equal(("bass", "reese", "flag"), Tuple(StemClassifier.Classify("/s/Kick.wav", "Bass", "Reese")));
        // --kind alone keeps the name's category when it agrees with the kind …
        Assert.Equal(("drums", "kick", "flag"), Tuple(StemClassifier.Classify("/s/Kick.wav", kindFlag: "drums")));
        // … and otherwise uses the kind as the category.
        Assert.Equal(("vocals", "vocals", "flag"), Tuple(StemClassifier.Classify("/s/Kick.wav", kindFlag: "vocals")));
        // --category alone takes its kind from the category's own words, else from the name, else the category.
        Assert.Equal(("drums", "my snares", "flag"), Tuple(StemClassifier.Classify("/s/x.wav", categoryFlag: "My Snares")));
        Assert.Equal(("bass", "favourites", "flag"), Tuple(StemClassifier.Classify("/s/808.wav", categoryFlag: "favourites")));
        Assert.Equal(("favourites", "favourites", "flag"), Tuple(StemClassifier.Classify("/s/x.wav", categoryFlag: "favourites")));
    }

    [Fact]
    public void Classify_FolderAboveRoot_IsNotLookedAt()
    {
        var c = StemClassifier.Classify("/home/kick/samples/take.wav", root: "/home/kick/samples");
        Assert.Equal("uncategorized", c.Kind);
    }

    [Theory]
    [InlineData("KickDrum_01", new[] { "kick", "drum", "01" })]
    [InlineData("808Bass", new[] { "808", "bass" })]
    [InlineData("hat--open (2)", new[] { "hat", "open", "2" })]
    public void Words_Names_SplitAtBoundaries(string name, string[] words) => Assert.Equal(words, StemClassifier.Words(name));

    private static (string, string, string) Tuple(StemClass c) => (c.Kind, c.Category, c.Reason);
}
