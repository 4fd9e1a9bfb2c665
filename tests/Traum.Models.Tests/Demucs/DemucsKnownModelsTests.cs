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

    [Fact]
    public void Registry_EveryModelHasASourceWithItsRealFilesAndContract()
    {
        var ghilda = ModelRegistry.Default.Get("demucs");
        Assert.Equal("850cd89461d0817276337061c29e6abceb86d75f", ghilda.Revision);
        Assert.Equal(174_266_088, Assert.Single(ghilda.Files).Size);
        Assert.Equal("e528a932a7d091e15938369135569884b62c2193fb11044c3d4a0d4c7b9221af", ghilda.Files[0].Sha256);
        Assert.StartsWith("split graph", ghilda.Format, StringComparison.Ordinal);

        var six = ModelRegistry.Default.Get("demucs-6s");
        Assert.Equal("StemSplitio/htdemucs-6s-onnx", six.Repo);
        Assert.Equal(["fp32", "fp16"], six.Variants);
        Assert.Equal(["htdemucs_6s.onnx"], six.FilesFor("fp32").Select(f => f.Path));
        Assert.Equal(["htdemucs_6s_fp16weights.onnx"], six.FilesFor("fp16").Select(f => f.Path));
        Assert.StartsWith("full graph", six.Format, StringComparison.Ordinal);

        var ft = ModelRegistry.Default.Get("demucs-ft");
        Assert.Equal("StemSplitio/htdemucs-ft-onnx", ft.Repo);
        Assert.Equal(["htdemucs_ft_drums.onnx", "htdemucs_ft_bass.onnx", "htdemucs_ft_other.onnx", "htdemucs_ft_vocals.onnx"], ft.Files.Select(f => f.Path));
        Assert.All(ft.Files, f => Assert.Null(f.Sha256)); // checked against the hub's LFS sums at download

        var ft16 = ModelRegistry.Default.Get("demucs-ft-fp16");
        Assert.Equal("monteslu/htdemucs-ft-webgpu", ft16.Repo);
        Assert.Equal(["htdemucs_ft_drums_safe16.onnx", "htdemucs_ft_bass_safe16.onnx", "htdemucs_ft_other_safe16.onnx", "htdemucs_ft_vocals_safe16.onnx"], ft16.Files.Select(f => f.Path));
        Assert.Contains("fp16 weights", ft16.Format, StringComparison.Ordinal);

        var full = ModelRegistry.Default.Get("demucs-full");
        Assert.Equal("StemSplitio/htdemucs-onnx", full.Repo);
        Assert.Equal(["htdemucs.onnx"], full.FilesFor("fp32").Select(f => f.Path));
        Assert.Equal(["htdemucs_fp16weights.onnx"], full.FilesFor("fp16").Select(f => f.Path));

        foreach (var model in new[] { "htdemucs", "htdemucs_6s", "htdemucs_ft" }) Assert.NotEmpty(DemucsKnownModels.Sources(model));
        Assert.Equal(["demucs", "demucs-full"], DemucsKnownModels.Sources("htdemucs").Select(m => m.StoreName));
        Assert.Equal(["demucs-ft", "demucs-ft-fp16"], DemucsKnownModels.Sources("htdemucs_ft").Select(m => m.StoreName));
    }

    [Fact]
    public void Resolve_FtWithOnlyTheFp16SourceInstalled_RunsItsSplitSpecialists()
    {
        using var tmp = new TempDir("demucs-store");
        var folder = Path.Combine(tmp.Path, "demucs-ft-fp16");
        Directory.CreateDirectory(folder);
        foreach (var f in Directory.GetFiles(DemucsFixtures.Dir("monteslu-ft-fp16"), "*.onnx")) File.Copy(f, Path.Combine(folder, Path.GetFileName(f)));
        var (resolved, manifest) = DemucsKnownModels.Resolve("htdemucs_ft", null, tmp.Path);
        Assert.Equal(folder, resolved);
        Assert.Equal("split", manifest.Contract);
        Assert.Equal("htdemucs_ft_fp16", manifest.Name);
        using var sep = new DemucsSeparator(manifest, resolved, new DemucsOptions { IntraOpThreads = 1 });
        Assert.Equal(4, sep.Graphs.Count);
        Assert.All(sep.Graphs, g => Assert.Equal(DemucsContract.Split, g.Contract));
    }

    [Fact]
    public void Resolve_SixStemFp16VariantInstalled_UsesItsFile()
    {
        using var tmp = new TempDir("demucs-store");
        var folder = Path.Combine(tmp.Path, "demucs-6s");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(DemucsFixtures.Dir("stemsplit6-full"), "htdemucs_6s.onnx"), Path.Combine(folder, "htdemucs_6s_fp16weights.onnx"));
        var (_, manifest) = DemucsKnownModels.Resolve("htdemucs_6s", null, tmp.Path);
        Assert.Equal("htdemucs_6s_fp16weights.onnx", Assert.Single(manifest.Graphs).File);
        Assert.Equal("htdemucs_6s_fp16", manifest.Name); // its own output folder and "already separated" record
        Assert.Equal("full", manifest.Contract);
        using var sep = new DemucsSeparator(manifest, folder, new DemucsOptions { IntraOpThreads = 1 });
        Assert.Equal(DemucsContract.Full, Assert.Single(sep.Graphs).Contract);
    }

    [Fact]
    public void Resolve_FtNotInstalled_NamesBothSources()
    {
        using var tmp = new TempDir("demucs-store");
        var e = Assert.Throws<ModelNotFoundException>(() => DemucsKnownModels.Resolve("htdemucs_ft", null, tmp.Path));
        Assert.Contains("'traum models pull demucs-ft' or 'traum models pull demucs-ft-fp16'", e.Message, StringComparison.Ordinal);
    }
}
