using Traum.Core;
using Traum.Models.Demucs;
using Traum.TestKit;
using Xunit;

namespace Traum.Models.Tests.Demucs;

public sealed class DemucsManifestTests
{
    private static void CopyFixture(string name, string to)
    {
        foreach (var f in Directory.GetFiles(DemucsFixtures.Dir(name))) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    [Fact]
    public void Load_MissingFolder_SaysHowToPull()
    {
        using var tmp = new TempDir("demucs");
        var e = Assert.Throws<ModelNotFoundException>(() => DemucsManifest.Load(tmp.File("nope")));
        Assert.Contains("traum models pull demucs", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoManifest_SaysWhatToAdd()
    {
        using var tmp = new TempDir("demucs");
        var e = Assert.Throws<ModelNotFoundException>(() => DemucsManifest.Load(tmp.Path));
        Assert.Contains("model.json", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"name":"x","sources":[],"sampleRate":44100,"segment":343980,"graphs":[{"file":"model.onnx"}]}""", "'sources'")]
    [InlineData("""{"name":"x","sources":["a","a"],"sampleRate":44100,"segment":343980,"graphs":[{"file":"model.onnx"}]}""", "twice")]
    [InlineData("""{"name":"x","sources":["a","b"],"sampleRate":44100,"segment":100,"graphs":[{"file":"model.onnx"}]}""", "'segment'")]
    [InlineData("""{"name":"x","sources":["a","b"],"sampleRate":44100,"segment":343980,"graphs":[{"file":"model.onnx","stems":["a"]}]}""", "no graph gives")]
    [InlineData("""{"name":"x","sources":["a","b"],"sampleRate":44100,"segment":343980,"graphs":[{"file":"model.onnx","stems":["c"]}]}""", "not in 'sources'")]
    [InlineData("""{"name":"x","sources":["a","b"],"sampleRate":44100,"segment":343980,"graphs":[{"file":"other.onnx"}]}""", "other.onnx")]
    [InlineData("""{"name":"x",""", "not valid JSON")]
    public void Load_InvalidManifest_NamesTheProblem(string json, string expected)
    {
        using var tmp = new TempDir("demucs");
        File.Copy(Path.Combine(DemucsFixtures.Dir("time4"), "model.onnx"), tmp.File("model.onnx"));
        File.WriteAllText(tmp.File("model.json"), json);
        var e = Assert.Throws<ModelNotFoundException>(() => DemucsManifest.Load(tmp.Path));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_GraphWithOtherSourceCount_IsRejectedWithTheShapes()
    {
        // A six-source graph under a four-source manifest: the outputs do not match [1, 4, …].
        using var tmp = new TempDir("demucs");
        CopyFixture("fractions6", tmp.Path);
        new DemucsManifest("x", ["drums", "bass", "other", "vocals"], 44100, 343980, [new DemucsGraphEntry("model.onnx")]).Save(tmp.Path);
        var e = Assert.Throws<ModelNotFoundException>(() => DemucsSeparator.Load(tmp.Path));
        Assert.Contains("[1,6,4,2048,336]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CorruptGraph_IsRejected()
    {
        using var tmp = new TempDir("demucs");
        CopyFixture("time4", tmp.Path);
        File.WriteAllBytes(tmp.File("model.onnx"), [1, 2, 3, 4, 5]);
        var e = Assert.Throws<ModelNotFoundException>(() => DemucsSeparator.Load(tmp.Path));
        Assert.Contains("cannot be loaded", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Geometry_HtdemucsSegment_MatchesTheContract()
    {
        var g = new DemucsGeometry(343980);
        Assert.Equal(336, g.Frames);
        Assert.Equal(1536, g.PadLeft);
        Assert.Equal(1620, g.PadRight);
        Assert.Equal(347136, g.PaddedLength);
        Assert.Equal(340, g.FullFrames);
        var w = g.TriangleWeights();
        Assert.Equal(1f / 171990, w[0]);
        Assert.Equal(1f, w[171989]);
        Assert.Equal(1f, w[171990]);
        Assert.Equal(1f / 171990, w[^1]);
        Assert.Equal(257985, new DemucsOptions().Stride(343980));
    }
}
