using Traum.Core;

namespace Traum.Catalog.Tests;

public sealed class MusicalKeyTests
{
    [Theory]
    [InlineData("Am", "A", "minor")]
    [InlineData("a minor", "A", "minor")]
    [InlineData("A-min", "A", "minor")]
    [InlineData("C", "C", "major")]
    [InlineData("C major", "C", "major")]
    [InlineData("Cmaj", "C", "major")]
    [InlineData("F#m", "F#", "minor")]
    [InlineData("Bbm", "Bb", "minor")]
    [InlineData("A#m", "Bb", "minor")]
    [InlineData("8A", "A", "minor")]
    [InlineData("12B", "E", "major")]
    [InlineData("1A", "Ab", "minor")]
    [InlineData("Gb", "F#", "major")]
    [InlineData("Cb", "B", "major")]
    [InlineData("B#", "C", "major")]
    [InlineData("b", "B", "major")]
    [InlineData("Ebmaj", "Eb", "major")]
    [InlineData("C#", "Db", "major")]
    public void Parse_CommonSpellingsAndCamelot_GiveConventionTonicAndMode(string text, string tonic, string mode)
    {
        var k = MusicalKey.Parse(text);
        Assert.Equal(tonic, k.Tonic);
        Assert.Equal(mode, k.Mode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("H")]
    [InlineData("Am7")]
    [InlineData("A dorian")]
    public void Parse_NotAKey_ThrowsInvalidInput(string text) => Assert.Throws<InvalidInputException>(() => MusicalKey.Parse(text));

    [Fact]
    public void ToString_MinorAndMajor_UsesShortNames()
    {
        Assert.Equal("A#m", new MusicalKey("A#", "minor").ToString());
        Assert.Equal("E", new MusicalKey("E", "major").ToString());
    }
}
