using Traum.Core;
using Traum.Models.Clap;
using Traum.Models.Store;
using Traum.TestKit;
using Traum.TestKit.Fixtures;
using Xunit;

namespace Traum.Models.Tests.Clap;

public sealed class ClapModelLocatorTests
{
    private static ModelStore EmptyStore(string root, IReadOnlyList<string>? cacheRoots = null) =>
        new(Path.Combine(root, "models"), options: new ModelStoreOptions { Endpoint = "http://127.0.0.1:9", HubCacheRoots = cacheRoots ?? [] });

    [Fact]
    public void Locate_ExplicitFolder_UsesItWithoutTheStore()
    {
        using var dir = new TempDir("loc");
        var folder = ClapFixture.CreateModelFolder(dir.File("mine"));

        var files = ClapModelLocator.Locate(new ClapOptions { Path = folder }, EmptyStore(dir.Path));

        Assert.Equal(ClapModelSource.Explicit, files.Source);
        Assert.Equal(Path.Combine(folder, "onnx", "audio_model.onnx"), files.AudioModel);
        Assert.Equal(ClapFixture.ModelId, files.ModelId);
    }

    [Fact]
    public void Locate_ExplicitFolderWithGraphsAtTopLevel_FindsThem()
    {
        using var dir = new TempDir("loc");
        var folder = ClapFixture.CreateModelFolder(dir.File("flat"));
        foreach (var f in Directory.GetFiles(Path.Combine(folder, "onnx"))) File.Move(f, Path.Combine(folder, Path.GetFileName(f)));

        var files = ClapModelLocator.Locate(new ClapOptions { Path = folder }, EmptyStore(dir.Path));

        Assert.Equal(Path.Combine(folder, "text_model.onnx"), files.TextModel);
    }

    [Fact]
    public void Locate_ExplicitFolderMissingFiles_ListsThem()
    {
        using var dir = new TempDir("loc");
        var folder = ClapFixture.CreateModelFolder(dir.File("partial"));
        File.Delete(Path.Combine(folder, "merges.txt"));
        File.Delete(Path.Combine(folder, "onnx", "text_model.onnx"));

        var e = Assert.Throws<ModelNotFoundException>(() => ClapModelLocator.Locate(new ClapOptions { Path = folder }, EmptyStore(dir.Path)));

        Assert.Contains("merges.txt", e.Message, StringComparison.Ordinal);
        Assert.Contains("onnx/text_model.onnx", e.Message, StringComparison.Ordinal);
        Assert.Contains(folder, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Locate_ExplicitFolderOtherVariant_NeedsThatVariantsGraphs()
    {
        using var dir = new TempDir("loc");
        var folder = ClapFixture.CreateModelFolder(dir.File("mine"));

        var e = Assert.Throws<ModelNotFoundException>(() => ClapModelLocator.Locate(new ClapOptions { Path = folder, Variant = "quantized" }, EmptyStore(dir.Path)));

        Assert.Contains("audio_model_quantized.onnx", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Locate_ExplicitFolderWithFusionConfig_IsRefused()
    {
        using var dir = new TempDir("loc");
        var folder = ClapFixture.CreateModelFolder(dir.File("fusion"));
        var pre = Path.Combine(folder, "preprocessor_config.json");
        File.WriteAllText(pre, File.ReadAllText(pre).Replace("\"rand_trunc\"", "\"fusion\"", StringComparison.Ordinal));

        var e = Assert.Throws<ModelNotFoundException>(() => ClapModelLocator.Locate(new ClapOptions { Path = folder }, EmptyStore(dir.Path)));

        Assert.Contains("fusion", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Locate_NothingAnywhere_SaysWhereItLookedAndTheCommand()
    {
        using var dir = new TempDir("loc");
        using var cache = new TempDir("hf");
        var store = EmptyStore(dir.Path, [cache.Path]);

        var e = Assert.Throws<ModelNotFoundException>(() => ClapModelLocator.Locate(new ClapOptions { Variant = "fp16" }, store));

        Assert.Contains("`traum models pull clap --variant fp16`", e.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(dir.Path, "models", "clap"), e.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(cache.Path, "models--Xenova--larger_clap_music_and_speech"), e.Message, StringComparison.Ordinal);
        Assert.Contains("TRAUM_CLAP_MODEL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_NotInstalled_ReturnsNullWithTheFix()
    {
        using var dir = new TempDir("loc");

        var e = ClapEmbedder.TryLoad(new ClapOptions(), Path.Combine(dir.Path, "models"), out var reason);

        Assert.Null(e);
        Assert.Contains("traum models pull clap", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_ExplicitFixtureFolder_ReturnsEmbedder()
    {
        using var dir = new TempDir("loc");
        var folder = ClapFixture.CreateModelFolder(dir.File("m"));

        using var e = ClapEmbedder.TryLoad(new ClapOptions { Path = folder }, Path.Combine(dir.Path, "models"), out var reason);

        Assert.NotNull(e);
        Assert.Null(reason);
        Assert.Equal(ClapFixture.ModelId, e.ModelId);
    }

    [Fact]
    public void Locate_UnknownVariant_ThrowsInvalidInput()
    {
        using var dir = new TempDir("loc");

        Assert.Throws<InvalidInputException>(() => ClapModelLocator.Locate(new ClapOptions { Variant = "int4" }, EmptyStore(dir.Path)));
    }

    [Fact]
    public void Locate_FilesInHubCache_UsesThem()
    {
        using var dir = new TempDir("loc");
        using var cache = new TempDir("hf");
        var snapshot = Path.Combine(cache.Path, "models--Xenova--larger_clap_music_and_speech", "snapshots", "c0ffee");
        ClapFixture.CreateModelFolder(snapshot);

        var files = ClapModelLocator.Locate(new ClapOptions(), EmptyStore(dir.Path, [cache.Path]));

        Assert.Equal(ClapModelSource.HubCache, files.Source);
        Assert.Equal(Path.Combine(snapshot, "onnx", "audio_model.onnx"), files.AudioModel);
        Assert.Equal("clap:larger_clap_music_and_speech:fp32", files.ModelId);
    }

    [Fact]
    public async Task Locate_PulledIntoStore_UsesTheStore()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("loc");
        using var hub = new Store.FakeHub("Xenova/larger_clap_music_and_speech");
        var src = ClapFixture.SourceFolder;
        foreach (var f in ClapModelDefinition.Definition.FilesFor("fp32"))
        {
            hub.Add(f.Path, await File.ReadAllBytesAsync(Path.Combine(src, f.Path), ct), lfs: f.Path.EndsWith(".onnx", StringComparison.Ordinal));
        }
        var store = new ModelStore(Path.Combine(dir.Path, "models"), options: new ModelStoreOptions { Endpoint = hub.Endpoint, HubCacheRoots = [] });
        await store.PullAsync("clap", null, null, ct);

        var files = ClapModelLocator.Locate(new ClapOptions(), store);

        Assert.Equal(ClapModelSource.Store, files.Source);
        Assert.Equal(Path.Combine(dir.Path, "models", "clap", "onnx", "audio_model.onnx"), files.AudioModel);
        using var e = new ClapEmbedder(files);
        e.Open();
    }
}
