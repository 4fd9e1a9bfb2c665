using Traum.Engine.Export;

namespace Traum.Engine.Tests.Export;

public sealed class PackNamesTests
{
    [Theory]
    [InlineData("Kick 01", "Kick 01")]
    [InlineData("Pad: warm/soft?", "Pad_ warm_soft_")]
    [InlineData("a\\b|c\"d<e>f*g", "a_b_c_d_e_f_g")]
    [InlineData("  ..Snare   roll..  ", "Snare roll")]
    [InlineData("Crème brûlée (Am) #2", "Crème brûlée (Am) #2")]
    [InlineData("line\nbreak\ttab", "line break tab")]
    [InlineData("CON", "_CON")]
    [InlineData("nul.take 2", "_nul.take 2")]
    [InlineData("", "stem")]
    [InlineData("...", "stem")]
    [InlineData(null, "stem")]
    public void Clean_Names_KeepOnlyCharactersEveryFileSystemTakes(string? name, string expected) =>
        Assert.Equal(expected, PackNames.Clean(name));

    [Fact]
    public void Clean_LongName_IsCutToTheLimit() =>
        Assert.Equal(PackNames.MaxLength, PackNames.Clean(new string('x', 500)).Length);

    [Fact]
    public void Next_SameNameInAnyCase_GetsANumber()
    {
        var names = new PackNames();
        names.Reserve("manifest.csv");
        Assert.Equal("Kick 01.wav", names.Next("Kick 01", "wav"));
        Assert.Equal("Kick 01 (2).wav", names.Next("Kick 01", "wav"));
        Assert.Equal("kick 01 (3).wav", names.Next("kick 01", "wav")); // Windows and macOS do not tell the case apart
        Assert.Equal("Kick 01 (2) (2).wav", names.Next("Kick 01 (2)", "wav"));
        Assert.Equal("manifest (2).csv", names.Next("manifest", "csv"));
        Assert.Equal("Kick 01.flac", names.Next("Kick 01", "flac"));
    }
}
