using Traum.Core;
using Traum.Models.Demucs;
using Traum.Models.Store;
using Traum.TestKit;
using Xunit;

namespace Traum.Models.Tests.Demucs;

[CollectionDefinition("Demucs environment", DisableParallelization = true)]
public sealed class DemucsEnvironmentCollection;

[Collection("Demucs environment")]
public sealed class DemucsKnownModelsTests
{
    [Fact]
    public void Resolve_ModelPath_WinsAndReadsItsManifest()
    {
        var (folder, manifest) = DemucsKnownModels.Resolve("htdemucs", DemucsFixtures.Dir("fractions6"), "/nonexistent");
        Assert.Equal(DemucsFixtures.Dir("fractions6"), folder);
        Assert.Equal(6, manifest.Sources.Count);
    }

    [Fact]
    public void Resolve_EnvironmentVariable_SelectsTheExportFolder()
    {
        var old = Environment.GetEnvironmentVariable(DemucsKnownModels.PathVariable);
        Environment.SetEnvironmentVariable(DemucsKnownModels.PathVariable, DemucsFixtures.Dir("bag4"));
        try
        {
            var (folder, manifest) = DemucsKnownModels.Resolve("htdemucs", null, "/nonexistent");
            Assert.Equal(DemucsFixtures.Dir("bag4"), folder);
            Assert.Equal(4, manifest.Graphs.Count);
        }
        finally
        {
            Environment.SetEnvironmentVariable(DemucsKnownModels.PathVariable, old);
        }
    }

    [Fact]
    public void Resolve_InstalledKnownModel_UsesTheBuiltInManifest()
    {
        using var tmp = new TempDir("demucs-store");
        var folder = Path.Combine(tmp.Path, "demucs");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(DemucsFixtures.Dir("fractions4"), "model.onnx"), Path.Combine(folder, "htdemucs.onnx"));
        var (resolved, manifest) = DemucsKnownModels.Resolve("htdemucs", null, tmp.Path);
        Assert.Equal(folder, resolved);
        Assert.Equal("htdemucs", manifest.Name);
        Assert.Equal(["drums", "bass", "other", "vocals"], manifest.Sources);
        using var sep = new DemucsSeparator(manifest, resolved, new DemucsOptions { IntraOpThreads = 1 });
        Assert.Equal("CPU", sep.Provider);
    }

    [Fact]
    public void Resolve_NotInstalled_NamesThePullCommand()
    {
        using var tmp = new TempDir("demucs-store");
        var e = Assert.Throws<ModelNotFoundException>(() => DemucsKnownModels.Resolve("htdemucs_6s", null, tmp.Path));
        Assert.Contains("traum models pull demucs-6s", e.Message, StringComparison.Ordinal);
        var unknown = Assert.Throws<ModelNotFoundException>(() => DemucsKnownModels.Resolve("spleeter", null, tmp.Path));
        Assert.Contains("htdemucs, htdemucs_6s, htdemucs_ft", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_HasTheDemucsEntries()
    {
        var demucs = ModelRegistry.Default.Get("demucs");
        Assert.Equal("Ghilda/htdemucs-onnx", demucs.Repo);
        Assert.Equal(["htdemucs.onnx"], demucs.Files.Select(f => f.Path));
        Assert.Equal(4, ModelRegistry.Default.Get("demucs-ft").Files.Count);
        Assert.Equal(DemucsKnownModels.PathVariable, demucs.PathVariable);
    }
}
