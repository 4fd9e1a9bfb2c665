using System.Security.Cryptography;
using System.Text;
using Traum.Core;
using Xunit;
using Traum.Models.Store;
using Traum.TestKit;

namespace Traum.Models.Tests.Store;

public sealed class ModelStoreTests
{
    private const string Repo = "test-owner/test-model";

    private static readonly ModelDefinition Definition = new("testmodel", Repo, "main", "a test model",
        [
            new("onnx/model.onnx", "graph", "fp32"),
            new("onnx/model_fp16.onnx", "graph fp16", "fp16"),
            new("config.json", "config"),
        ],
        ["fp32", "fp16"])
    { PathVariable = "TRAUM_TEST_MODEL" };

    private static byte[] RandomBytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static (FakeHub Hub, byte[] Graph, byte[] Config) StartHub()
    {
        var hub = new FakeHub(Repo);
        var graph = RandomBytes(3_000_000, 1);
        var config = Encoding.UTF8.GetBytes("{\"model_type\":\"test\"}\n");
        hub.Add("onnx/model.onnx", graph, lfs: true);
        hub.Add("onnx/model_fp16.onnx", RandomBytes(1000, 2), lfs: true);
        hub.Add("config.json", config, lfs: false);
        return (hub, graph, config);
    }

    private static ModelStore Store(string root, string endpoint, IReadOnlyList<string>? cacheRoots = null) =>
        new(root, new ModelRegistry([Definition]), new ModelStoreOptions { Endpoint = endpoint, Token = null, HubCacheRoots = cacheRoots ?? [] });

    [Fact]
    public async Task PullAsync_FreshStore_DownloadsChecksAndInstallsOnlyTheVariantsFiles()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("store");
        var (hub, graph, config) = StartHub();
        using var _ = hub;
        var store = Store(dir.Path, hub.Endpoint);

        var folder = await store.PullAsync("testmodel", "fp32", null, ct);

        Assert.Equal(graph, await File.ReadAllBytesAsync(Path.Combine(folder, "onnx", "model.onnx"), ct));
        Assert.Equal(config, await File.ReadAllBytesAsync(Path.Combine(folder, "config.json"), ct));
        Assert.False(File.Exists(Path.Combine(folder, "onnx", "model_fp16.onnx")));
        Assert.Empty(Directory.GetFiles(folder, "*.part", SearchOption.AllDirectories));
        Assert.Equal(0, hub.CountGets("onnx/model_fp16.onnx"));
        var manifest = ModelManifest.Read(folder)!;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(graph)), manifest.Files["onnx/model.onnx"].Sha256);
        Assert.Equal("hub-lfs", manifest.Files["onnx/model.onnx"].CheckedAgainst);
        Assert.Equal("hub-git", manifest.Files["config.json"].CheckedAgainst);
        Assert.Equal(["fp32"], store.InstalledVariants(Definition));
    }

    [Fact]
    public async Task PullAsync_SecondRun_DownloadsNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("store");
        var (hub, _, _) = StartHub();
        using var __ = hub;
        var store = Store(dir.Path, hub.Endpoint);
        await store.PullAsync("testmodel", null, null, ct);
        var before = hub.Requests.Count;

        await store.PullAsync("testmodel", null, null, ct);

        Assert.Equal(before, hub.Requests.Count);
    }

    [Fact]
    public async Task PullAsync_ConnectionDropsMidway_SecondCallResumesWithRange()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("store");
        var (hub, graph, _) = StartHub();
        using var _ = hub;
        hub.Add("onnx/model.onnx", graph, lfs: true).DropAfter = 1_200_000;
        var store = Store(dir.Path, hub.Endpoint);

        var first = await Assert.ThrowsAsync<ModelNotFoundException>(() => store.PullAsync("testmodel", null, null, ct));
        var part = Path.Combine(dir.Path, "testmodel", "onnx", "model.onnx.part");
        Assert.True(File.Exists(part));
        var kept = new FileInfo(part).Length;
        Assert.InRange(kept, 1, graph.Length - 1);
        Assert.Contains("resumes", first.Message, StringComparison.Ordinal);
        Assert.Contains("traum models pull testmodel", first.Message, StringComparison.Ordinal);

        await store.PullAsync("testmodel", null, null, ct);

        Assert.Contains(hub.Requests, r => r.Range == $"bytes={kept}-");
        Assert.Equal(graph, await File.ReadAllBytesAsync(Path.Combine(dir.Path, "testmodel", "onnx", "model.onnx"), ct));
        Assert.False(File.Exists(part));
    }

    [Fact]
    public async Task PullAsync_ServerStalls_FailsAfterIdleTimeoutKeepingThePart()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("store");
        var (hub, graph, _) = StartHub();
        using var _ = hub;
        hub.Add("onnx/model.onnx", graph, lfs: true).StallAfter = 500_000;
        var store = new ModelStore(dir.Path, new ModelRegistry([Definition]),
            new ModelStoreOptions { Endpoint = hub.Endpoint, HubCacheRoots = [], IdleTimeout = TimeSpan.FromSeconds(1) });

        var e = await Assert.ThrowsAsync<ModelNotFoundException>(() => store.PullAsync("testmodel", null, null, ct));

        Assert.Contains("no data arrived", e.Message, StringComparison.Ordinal);
        Assert.Equal(500_000, new FileInfo(Path.Combine(dir.Path, "testmodel", "onnx", "model.onnx.part")).Length);
        await store.PullAsync("testmodel", null, null, ct);
        Assert.Equal(graph, await File.ReadAllBytesAsync(Path.Combine(dir.Path, "testmodel", "onnx", "model.onnx"), ct));
    }

    [Fact]
    public async Task PullAsync_ServedBytesDoNotMatchPublishedSha_RejectsAndRemovesFile()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("store");
        var (hub, graph, _) = StartHub();
        using var _ = hub;
        var corrupt = (byte[])graph.Clone();
        corrupt[12345] ^= 0xFF;
        hub.Add("onnx/model.onnx", graph, lfs: true).Served = corrupt;
        var store = Store(dir.Path, hub.Endpoint);

        var e = await Assert.ThrowsAsync<ModelNotFoundException>(() => store.PullAsync("testmodel", null, null, ct));

        Assert.Contains("corrupt", e.Message, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(graph)), e.Message, StringComparison.Ordinal);
        var folder = Path.Combine(dir.Path, "testmodel", "onnx");
        Assert.False(File.Exists(Path.Combine(folder, "model.onnx")));
        Assert.False(File.Exists(Path.Combine(folder, "model.onnx.part")));
    }

    [Fact]
    public async Task PullAsync_RegistryPinsDifferentSha_RejectsEvenWhenHubAgrees()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("store");
        var (hub, _, _) = StartHub();
        using var _ = hub;
        var pinned = Definition with
        {
            Files = [new("onnx/model.onnx", "graph", "fp32", Sha256: new string('a', 64)), new("config.json", "config")],
        };
        var store = new ModelStore(dir.Path, new ModelRegistry([pinned]), new ModelStoreOptions { Endpoint = hub.Endpoint, HubCacheRoots = [] });

        var e = await Assert.ThrowsAsync<ModelNotFoundException>(() => store.PullAsync("testmodel", null, null, ct));

        Assert.Contains(new string('a', 64), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullAsync_TreeApiUnavailable_ChecksAgainstLinkedEtagHeaders()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("store");
        var (hub, graph, config) = StartHub();
        using var _ = hub;
        hub.TreeApiDisabled = true;
        var store = Store(dir.Path, hub.Endpoint);

        var folder = await store.PullAsync("testmodel", null, null, ct);

        Assert.Equal(graph, await File.ReadAllBytesAsync(Path.Combine(folder, "onnx", "model.onnx"), ct));
        Assert.Equal(config, await File.ReadAllBytesAsync(Path.Combine(folder, "config.json"), ct));
        Assert.Contains(hub.Requests, r => r.Method == "HEAD");
    }

    [Fact]
    public async Task PullAsync_FilesInHubCache_AreReusedWithoutDownloading()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("store");
        using var cache = new TempDir("hfcache");
        var (hub, graph, config) = StartHub();
        using var _ = hub;
        var repoDir = Path.Combine(cache.Path, "models--test-owner--test-model");
        const string Commit = "0123456789abcdef0123456789abcdef01234567";
        var snap = Path.Combine(repoDir, "snapshots", Commit);
        Directory.CreateDirectory(Path.Combine(snap, "onnx"));
        Directory.CreateDirectory(Path.Combine(repoDir, "blobs"));
        Directory.CreateDirectory(Path.Combine(repoDir, "refs"));
        await File.WriteAllTextAsync(Path.Combine(repoDir, "refs", "main"), Commit, ct);
        var graphBlob = Path.Combine(repoDir, "blobs", Convert.ToHexStringLower(SHA256.HashData(graph)));
        var configBlob = Path.Combine(repoDir, "blobs", FakeHub.GitBlobId(config));
        await File.WriteAllBytesAsync(graphBlob, graph, ct);
        await File.WriteAllBytesAsync(configBlob, config, ct);
        File.CreateSymbolicLink(Path.Combine(snap, "onnx", "model.onnx"), Path.Combine("..", "..", "..", "blobs", Path.GetFileName(graphBlob)));
        File.CreateSymbolicLink(Path.Combine(snap, "config.json"), Path.Combine("..", "..", "blobs", Path.GetFileName(configBlob)));
        var store = Store(dir.Path, hub.Endpoint, [cache.Path]);

        var folder = await store.PullAsync("testmodel", null, null, ct);

        Assert.Empty(hub.Requests);
        Assert.Equal(graph, await File.ReadAllBytesAsync(Path.Combine(folder, "onnx", "model.onnx"), ct));
        Assert.Equal(config, await File.ReadAllBytesAsync(Path.Combine(folder, "config.json"), ct));
        var manifest = ModelManifest.Read(folder)!;
        Assert.Equal("hf-cache", manifest.Files["onnx/model.onnx"].Source);
        Assert.Equal("hub-cache-blob", manifest.Files["config.json"].CheckedAgainst);
    }

    [Fact]
    public async Task PullAsync_HubCacheBlobDoesNotMatchItsName_IsIgnoredAndDownloaded()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("store");
        using var cache = new TempDir("hfcache");
        var (hub, graph, _) = StartHub();
        using var _ = hub;
        var snap = Path.Combine(cache.Path, "models--test-owner--test-model", "snapshots", "abc");
        var blobs = Path.Combine(cache.Path, "models--test-owner--test-model", "blobs");
        Directory.CreateDirectory(Path.Combine(snap, "onnx"));
        Directory.CreateDirectory(blobs);
        var blob = Path.Combine(blobs, Convert.ToHexStringLower(SHA256.HashData(graph)));
        var damaged = (byte[])graph.Clone();
        damaged[7] ^= 1;
        await File.WriteAllBytesAsync(blob, damaged, ct);
        File.CreateSymbolicLink(Path.Combine(snap, "onnx", "model.onnx"), blob);
        var store = Store(dir.Path, hub.Endpoint, [cache.Path]);

        var folder = await store.PullAsync("testmodel", null, null, ct);

        Assert.Equal(graph, await File.ReadAllBytesAsync(Path.Combine(folder, "onnx", "model.onnx"), ct));
        Assert.Equal("download", ModelManifest.Read(folder)!.Files["onnx/model.onnx"].Source);
    }

    [Fact]
    public async Task PullAsync_NoNetwork_ErrorSaysWhatWhereAndHowToFix()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("store");
        using var cache = new TempDir("hfcache");
        int port;
        {
            var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }
        var store = Store(dir.Path, $"http://127.0.0.1:{port}", [cache.Path]);

        var e = await Assert.ThrowsAsync<ModelNotFoundException>(() => store.PullAsync("testmodel", "fp16", null, ct));

        Assert.Contains("onnx/model_fp16.onnx", e.Message, StringComparison.Ordinal);
        Assert.Contains($"cannot reach the hub at http://127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(dir.Path, "testmodel"), e.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(cache.Path, "models--test-owner--test-model"), e.Message, StringComparison.Ordinal);
        Assert.Contains("`traum models pull testmodel --variant fp16`", e.Message, StringComparison.Ordinal);
        Assert.Contains("TRAUM_TEST_MODEL=DIR", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullAsync_UnknownVariant_ThrowsInvalidInputListingVariants()
    {
        using var dir = new TempDir("store");
        var store = Store(dir.Path, "http://127.0.0.1:9");

        var e = await Assert.ThrowsAsync<InvalidInputException>(() => store.PullAsync("testmodel", "int4", null, TestContext.Current.CancellationToken));

        Assert.Contains("fp32, fp16", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_FileChangedAfterInstall_ReportsShaMismatch()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("store");
        var (hub, _, _) = StartHub();
        using var _ = hub;
        var store = Store(dir.Path, hub.Endpoint);
        var folder = await store.PullAsync("testmodel", null, null, ct);
        Assert.All(await store.VerifyAsync("testmodel", null, null, ct), c => Assert.True(c.Ok, c.Problem));

        var path = Path.Combine(folder, "onnx", "model.onnx");
        var bytes = await File.ReadAllBytesAsync(path, ct);
        bytes[100] ^= 0x55;
        await File.WriteAllBytesAsync(path, bytes, ct);
        var checks = await store.VerifyAsync("testmodel", null, null, ct);

        var bad = Assert.Single(checks, c => !c.Ok);
        Assert.Equal("onnx/model.onnx", bad.Path);
        Assert.Contains("SHA-256", bad.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_NotInstalled_ThrowsWithPullCommand()
    {
        using var dir = new TempDir("store");
        var store = Store(dir.Path, "http://127.0.0.1:9");

        var e = await Assert.ThrowsAsync<ModelNotFoundException>(() => store.VerifyAsync("testmodel", null, null, TestContext.Current.CancellationToken));

        Assert.Contains("traum models pull testmodel", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_Default_HoldsClapWithEveryFileOfEveryVariant()
    {
        var clap = ModelRegistry.Default.Get("clap");

        Assert.Equal("Xenova/larger_clap_music_and_speech", clap.Repo);
        Assert.Equal(["fp32", "quantized", "fp16"], clap.Variants);
        string[] fp32 = ["config.json", "merges.txt", "onnx/audio_model.onnx", "onnx/text_model.onnx", "preprocessor_config.json", "tokenizer.json", "vocab.json"];
        Assert.Equal(fp32, clap.FilesFor("fp32").Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.Contains(clap.FilesFor("quantized"), f => f.Path == "onnx/text_model_quantized.onnx");
        Assert.Contains(clap.FilesFor("fp16"), f => f.Path == "onnx/audio_model_fp16.onnx");
    }

    [Fact]
    public void Registry_UnknownName_ListsKnownModels()
    {
        var e = Assert.Throws<NotFoundException>(() => ModelRegistry.Default.Get("nope"));

        Assert.Contains("clap", e.Message, StringComparison.Ordinal);
    }
}
