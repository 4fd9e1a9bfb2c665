using System.Security.Cryptography;
using System.Text.Json;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Models.Store;
using Traum.TestKit;
using Xunit;

namespace Traum.Cli.Tests.Commands;

/// <summary><c>traum models verify demucs…</c> and <c>traum models list</c> for the Demucs sources, on the fixture graphs.</summary>
[Collection("Console redirection")]
public sealed class ModelsVerifyDemucsTests
{
    private static readonly string s_root = FindRoot();

    private static string FindRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Traum.slnx"))) d = d.Parent;
        return d!.FullName;
    }

    private static string Fixture(string name) => Path.Combine(s_root, "tests", "fixtures", "demucs", name);

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var r = await CatalogCli.RunAsync(args);
        return (r.ExitCode, r.Out, r.Err);
    }

    private static JsonElement Check(JsonDocument doc, string prefix) =>
        doc.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("check").GetString()!.StartsWith(prefix, StringComparison.Ordinal));

    [Theory]
    [InlineData("demucs", "ghilda-split", "split graph")]
    [InlineData("demucs-ft", "stemsplit-ft-full", "full graph")]
    [InlineData("demucs-ft-fp16", "monteslu-ft-fp16", "split graph")]
    [InlineData("demucs-6s", "stemsplit6-full", "full graph")]
    [InlineData("demucs", "full-fp16io", "float16 tensors converted")]
    public async Task Verify_FixtureExport_PassesEveryCheck(string model, string fixture, string expected)
    {
        using var tmp = new TempDir("cli-verify");
        var (code, stdout, stderr) = await RunAsync("models", "verify", model, "--model-path", Fixture(fixture), "--json", "--library", tmp.File("lib"));
        Assert.True(code == 0, stderr + stdout);
        using var doc = JsonDocument.Parse(stdout);
        Assert.True(doc.RootElement.GetProperty("ok").GetBoolean());
        var graphs = doc.RootElement.GetProperty("checks").EnumerateArray().Where(c => c.GetProperty("check").GetString()!.StartsWith("graph ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(graphs);
        Assert.All(graphs, g => Assert.Contains(expected, g.GetProperty("detail").GetString(), StringComparison.Ordinal));
        Assert.True(Check(doc, "one chunk").GetProperty("ok").GetBoolean());
        Assert.Equal(JsonValueKind.Null, Check(doc, "sha256").GetProperty("ok").ValueKind);
    }

    [Fact]
    public async Task Verify_StemsDoNotAddUp_FailsWithExit1AndTheReason()
    {
        // nosum4's stems are 0.1 of the chunk each: they add up to 0.4 of it, a relative error of exactly 0.6.
        using var tmp = new TempDir("cli-verify");
        var (code, stdout, stderr) = await RunAsync("models", "verify", "demucs", "--model-path", Fixture("nosum4"), "--library", tmp.File("lib"));
        Assert.Equal(1, code);
        Assert.Contains("FAILED", stdout, StringComparison.Ordinal);
        Assert.Contains("relative RMS error of 0.6 ", stdout, StringComparison.Ordinal);
        Assert.Contains("sumTolerance", stdout, StringComparison.Ordinal);
        Assert.Contains("check(s) of the Demucs export", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ManifestTolerance_IsTheLimit()
    {
        using var tmp = new TempDir("cli-verify");
        var dir = tmp.File("export");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(Fixture("nosum4"), "model.onnx"), Path.Combine(dir, "model.onnx"));
        File.WriteAllText(Path.Combine(dir, "model.json"),
            """{"name":"loose","sources":["drums","bass","other","vocals"],"sampleRate":44100,"segment":343980,"sumTolerance":0.65,"graphs":[{"file":"model.onnx"}]}""");
        var (code, stdout, stderr) = await RunAsync("models", "verify", "demucs", "--model-path", dir, "--json", "--library", tmp.File("lib"));
        Assert.True(code == 0, stderr + stdout);
        using var doc = JsonDocument.Parse(stdout);
        var chunk = Check(doc, "one chunk");
        Assert.True(chunk.GetProperty("ok").GetBoolean());
        Assert.StartsWith("relative RMS error 0.6 ", chunk.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("sum tolerance 0.65", Check(doc, "manifest").GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_GraphFitsNeitherContract_FailsListingWhatItHas()
    {
        using var tmp = new TempDir("cli-verify");
        var (code, stdout, _) = await RunAsync("models", "verify", "demucs", "--model-path", Fixture("other-layout"), "--json", "--library", tmp.File("lib"));
        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(stdout);
        var graphs = Check(doc, "graphs");
        Assert.False(graphs.GetProperty("ok").GetBoolean());
        Assert.Contains("spec [1,336,4,2048] float32", graphs.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_InstalledInTheStore_HashesAndSelfChecks()
    {
        using var tmp = new TempDir("cli-verify");
        var models = tmp.File("models");
        var folder = Path.Combine(models, "demucs-ft-fp16");
        Directory.CreateDirectory(folder);
        var manifest = new ModelManifest { Name = "demucs-ft-fp16", Repo = "monteslu/htdemucs-ft-webgpu", Revision = "main" };
        foreach (var stem in new[] { "drums", "bass", "other", "vocals" })
        {
            var file = $"htdemucs_ft_{stem}_safe16.onnx";
            File.Copy(Path.Combine(Fixture("monteslu-ft-fp16"), file), Path.Combine(folder, file));
            var bytes = File.ReadAllBytes(Path.Combine(folder, file));
            manifest.Files[file] = new InstalledFile { Size = bytes.Length, Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)), CheckedAgainst = "hub-lfs", Source = "download" };
        }
        manifest.Write(folder);
        var oldModels = Environment.GetEnvironmentVariable("TRAUM_MODELS");
        var oldPath = Environment.GetEnvironmentVariable("TRAUM_DEMUCS_MODEL");
        Environment.SetEnvironmentVariable("TRAUM_MODELS", models);
        Environment.SetEnvironmentVariable("TRAUM_DEMUCS_MODEL", null);
        try
        {
            var (code, stdout, stderr) = await RunAsync("models", "verify", "demucs-ft-fp16", "--json", "--library", tmp.File("lib"));
            Assert.True(code == 0, stderr + stdout);
            using var doc = JsonDocument.Parse(stdout);
            var checks = doc.RootElement.GetProperty("checks").EnumerateArray().ToList();
            Assert.Equal(4, checks.Count(c => c.GetProperty("check").GetString()!.StartsWith("sha256 ", StringComparison.Ordinal) && c.GetProperty("ok").GetBoolean()));
            Assert.Equal(4, checks.Count(c => c.GetProperty("check").GetString()!.StartsWith("graph ", StringComparison.Ordinal) && c.GetProperty("ok").GetBoolean()));
            Assert.True(Check(doc, "one chunk").GetProperty("ok").GetBoolean());

            // A corrupted graph fails its hash (and its load) with exit 1.
            File.WriteAllBytes(Path.Combine(folder, "htdemucs_ft_bass_safe16.onnx"), new byte[new FileInfo(Path.Combine(folder, "htdemucs_ft_bass_safe16.onnx")).Length]);
            var (bad, _, badErr) = await RunAsync("models", "verify", "demucs-ft-fp16", "--library", tmp.File("lib"));
            Assert.Equal(1, bad);
            Assert.Contains("traum models pull demucs-ft-fp16", badErr, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TRAUM_MODELS", oldModels);
            Environment.SetEnvironmentVariable("TRAUM_DEMUCS_MODEL", oldPath);
        }
    }

    [Fact]
    public async Task List_DemucsSources_SayWhichContractAndPrecision()
    {
        using var tmp = new TempDir("cli-list");
        var (code, stdout, stderr) = await RunAsync("models", "list", "--json", "--library", tmp.File("lib"));
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var byName = doc.RootElement.EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!, m => m);
        Assert.StartsWith("split graph (STFT outside); fp32", byName["demucs"].GetProperty("format").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("full graph (STFT inside); fp32", byName["demucs-ft"].GetProperty("format").GetString(), StringComparison.Ordinal);
        Assert.Contains("fp16: fp16 weights", byName["demucs-6s"].GetProperty("format").GetString(), StringComparison.Ordinal);
        Assert.Contains("split graph", byName["demucs-ft-fp16"].GetProperty("format").GetString(), StringComparison.Ordinal);
        Assert.Equal("monteslu/htdemucs-ft-webgpu", byName["demucs-ft-fp16"].GetProperty("repo").GetString());
        Assert.Equal(["htdemucs_ft_drums.onnx", "htdemucs_ft_bass.onnx", "htdemucs_ft_other.onnx", "htdemucs_ft_vocals.onnx"],
            byName["demucs-ft"].GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString()));
    }

    [Theory]
    [InlineData("stemsplit-ft-full")]
    [InlineData("full-fp16io")]
    public async Task Separate_FullGraphExport_WritesStemsThatAddUpToTheTrack(string fixture)
    {
        // Both full-graph fixtures' stems add up to the track exactly (their fractions sum to 1, their position gains
        // cancel); float16 inputs and outputs round to 11 significant bits.
        using var tmp = new TempDir("cli-sep-full");
        var l = Signals.Sine(220, 9.0, 44100, 0.3);
        var r = Signals.Sine(330, 9.0, 44100, 0.2);
        var input = tmp.File("track.wav");
        AudioFile.Write(input, new AudioBuffer([l, r], 44100), new AudioWriteOptions(SampleFormat.Float32));
        var (code, stdout, stderr) = await RunAsync("separate", input, "--model-path", Fixture(fixture), "--out", tmp.File("out"),
            "--no-ingest", "--bits", "32f", "--json", "--library", tmp.File("lib"));
        Assert.True(code == 0, stderr + stdout);
        using var doc = JsonDocument.Parse(stdout);
        var paths = doc.RootElement[0].GetProperty("stems").EnumerateArray().Select(s => s.GetProperty("path").GetString()!).ToList();
        Assert.Equal(4, paths.Count);
        var stems = paths.Select(p => AudioFile.Read(p)).ToList();
        double max = 0;
        for (var c = 0; c < 2; c++)
        {
            var x = c == 0 ? l : r;
            for (var i = 0; i < x.Length; i++) max = Math.Max(max, Math.Abs(stems.Sum(s => (double)s.Channels[c][i]) - x[i]));
        }
        Assert.True(max < (fixture == "full-fp16io" ? 2e-3 : 1e-4), $"max |sum − track| = {max}");
    }

    [Fact]
    public async Task Path_ExplicitFolders_AreWhatTheCommandsUse()
    {
        using var dir = new TempDir("models-path");
        var clap = Traum.TestKit.Fixtures.ClapFixture.CreateModelFolder(dir.File("my-clap"));
        var lib = dir.File("lib");
        Directory.CreateDirectory(lib);
        // The library's own settings name the folders, as models:clap:path and models:demucs:path.
        File.WriteAllText(Path.Combine(lib, "traum.json"), JsonSerializer.Serialize(new
        {
            models = new { root = dir.File("no-models"), clap = new { path = clap }, demucs = new { path = Fixture("fractions4") } },
        }));

        var c = await RunAsync("models", "path", "clap", "--library", lib);
        var d = await RunAsync("models", "path", "demucs", "--library", lib);
        var missing = await RunAsync("models", "path", "demucs-ft", "--library", dir.File("other"));

        Assert.True(c.Code == 0, c.Stderr);
        Assert.Equal(Path.GetFullPath(clap), c.Stdout.Trim());
        Assert.True(d.Code == 0, d.Stderr);
        Assert.Equal(Fixture("fractions4"), d.Stdout.Trim());
        Assert.Equal(1, missing.Code); // nothing explicit and nothing in the store: the install command is named
        Assert.Contains("traum models pull", missing.Stderr, StringComparison.Ordinal);
    }
}
