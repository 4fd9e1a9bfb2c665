using Traum.Core;
using Xunit;

namespace Traum.Audio.Tests.Descriptors;

public sealed class KeyNamesTests
{
    // The Camelot wheel as DJ software prints it (Mixed In Key's chart).
    [Theory]
    [InlineData("C", false, "8B")]
    [InlineData("A", true, "8A")]
    [InlineData("G", false, "9B")]
    [InlineData("E", true, "9A")]
    [InlineData("F", false, "7B")]
    [InlineData("D", true, "7A")]
    [InlineData("F#", false, "2B")]
    [InlineData("Eb", true, "2A")]
    [InlineData("Db", true, "12A")]
    [InlineData("E", false, "12B")]
    [InlineData("Bb", true, "3A")]
    [InlineData("Ab", false, "4B")]
    [InlineData("B", false, "1B")]
    [InlineData("Ab", true, "1A")]
    public void Camelot_EveryCornerOfTheWheel_MatchesTheChart(string tonic, bool minor, string code)
    {
        Assert.Equal(code, KeyNames.Camelot(KeyNames.PitchClass(tonic)!.Value, minor));
    }

    [Fact]
    public void Spell_BlackKeys_FlatsExceptFSharp()
    {
        Assert.Equal(["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"], Enumerable.Range(0, 12).Select(KeyNames.Spell));
        Assert.Equal(10, KeyNames.PitchClass("A#"));
        Assert.Equal(10, KeyNames.PitchClass("Bb"));
        Assert.Equal(6, KeyNames.PitchClass("Gb"));
        Assert.Null(KeyNames.PitchClass("H"));
    }

    [Fact]
    public void Compatible_AMinor_SameRelativeAndNeighbours()
    {
        // 8A: itself, 8B (C major), 9A (E minor), 7A (D minor).
        var codes = KeyNames.Compatible(9, minor: true).Select(k => KeyNames.Camelot(k.PitchClass, k.Minor)).Order().ToArray();
        Assert.Equal(["7A", "8A", "8B", "9A"], codes);
    }
}
