using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Engine;
using Traum.Engine.Configuration;
using Traum.Server;
using Traum.TestKit;
using Xunit;

namespace Traum.Cli.Tests.Commands;

/// <summary>
/// <c>--queue</c> on ingest, separate, train and generate, and <c>traum jobs</c>: a queued job is validated and left for
/// a worker, which runs it; the CLI follows, cancels and retries it.
/// </summary>
[Collection("Console")]
public sealed class QueueCommandTests : IDisposable
{
    private static readonly string s_root = FindRoot();
    private readonly TempDir _dir = new("cli-queue");

    public void Dispose() => _dir.Dispose();

    private static string FindRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Traum.slnx"))) d = d.Parent;
        return d!.FullName;
    }

    private string Lib => _dir.File("lib");

    private string Samples(int count)
    {
        var folder = _dir.File("samples");
        for (var i = 0; i < count; i++)
        {
            var path = Path.Combine(folder, $"tone{i}.wav");
            Directory.CreateDirectory(folder);
            AudioFile.Write(path, new AudioBuffer([Signals.Sine(110 * (i + 1), 0.5, 44100)], 44100), new AudioWriteOptions(SampleFormat.Pcm16));
        }
        return folder;
    }

    /// <summary>A worker of every lane over the test library, without console logging (the console is captured).</summary>
    private IHost StartWorker()
    {
        var context = new TraumContext(TraumSettings.Build(Lib));
        var host = TraumServer.BuildWorker(context, TraumServer.ReadOptions(context), s => s.RemoveAll<ILoggerProvider>());
        return host;
    }

    private static JsonElement Json(CatalogCli.Result r)
    {
        Assert.True(r.ExitCode == 0, r.Err + r.Out);
        return JsonDocument.Parse(r.Out).RootElement.Clone();
    }

    [Fact]
    public async Task IngestQueue_LeavesTheJobToAWorker_WhichRunsItOnce()
    {
        var samples = Samples(3);
        var queued = Json(await CatalogCli.RunAsync("ingest", samples, "--tag", "queued", "--queue", "--json", "--library", Lib));
        var id = queued.GetProperty("id").GetString()!;
        Assert.Equal("queued", queued.GetProperty("state").GetString(), ignoreCase: true);
        var parameters = JsonDocument.Parse(queued.GetProperty("parameters").GetString()!).RootElement;
        Assert.Equal(Path.GetFullPath(samples), parameters.GetProperty("paths")[0].GetString());
        Assert.Equal("queued", parameters.GetProperty("tags")[0].GetString());

        // Nothing ran yet: the library has no stems, and the job is listed as queued.
        Assert.Empty(Json(await CatalogCli.RunAsync("stems", "list", "--json", "--library", Lib)).EnumerateArray());
        var listed = Json(await CatalogCli.RunAsync("jobs", "--state", "queued", "--json", "--library", Lib));
        Assert.Equal(id, Assert.Single(listed.EnumerateArray()).GetProperty("id").GetString());

        using (var worker = StartWorker())
        {
            await worker.StartAsync(TestContext.Current.CancellationToken);
            var waited = await CatalogCli.RunAsync("jobs", "wait", id[..8], "--library", Lib);
            await worker.StopAsync(TestContext.Current.CancellationToken);
            Assert.True(waited.ExitCode == 0, waited.Err + waited.Out);
            Assert.Contains($"job {id}: ingest, succeeded", waited.Out, StringComparison.Ordinal);
        }

        var stems = Json(await CatalogCli.RunAsync("stems", "list", "--json", "--library", Lib)).EnumerateArray().ToList();
        Assert.Equal(3, stems.Count);
        Assert.All(stems, s => Assert.Contains("queued", s.GetProperty("tags").EnumerateArray().Select(t => t.GetString())));
        var shown = Json(await CatalogCli.RunAsync("jobs", "show", id, "--json", "--library", Lib));
        Assert.Equal("succeeded", shown.GetProperty("state").GetString(), ignoreCase: true);
        Assert.Equal(3, JsonDocument.Parse(shown.GetProperty("result").GetString()!).RootElement.GetProperty("added").GetArrayLength());
    }

    [Fact]
    public async Task SeparateQueue_CopiesTheTrackIntoTheStore_AndTheWorkerSeparatesIt()
    {
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(Lib).FullName, "traum.json"),
            JsonSerializer.Serialize(new { models = new { demucs = new { path = Path.Combine(s_root, "tests", "fixtures", "demucs", "time4") } } }));
        var track = _dir.File("song.wav");
        AudioFile.Write(track, new AudioBuffer([Signals.Sine(220, 1.0, 44100, 0.3), Signals.Sine(330, 1.0, 44100, 0.3)], 44100));
        var before = File.ReadAllBytes(track);

        var queued = Json(await CatalogCli.RunAsync("separate", track, "--queue", "--json", "--library", Lib));
        var id = queued.GetProperty("id").GetString()!;
        var staged = JsonDocument.Parse(queued.GetProperty("parameters").GetString()!).RootElement.GetProperty("path").GetString()!;
        Assert.StartsWith(Path.Combine(Lib, "uploads") + Path.DirectorySeparatorChar, staged, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(staged));

        using (var worker = StartWorker())
        {
            await worker.StartAsync(TestContext.Current.CancellationToken);
            var waited = await CatalogCli.RunAsync("jobs", "wait", id, "--library", Lib);
            await worker.StopAsync(TestContext.Current.CancellationToken);
            Assert.True(waited.ExitCode == 0, waited.Err + waited.Out);
        }

        // The user's file is untouched, the staged copy is gone, and the track has its four stems in the library.
        Assert.Equal(before, File.ReadAllBytes(track));
        Assert.False(File.Exists(staged));
        var tracks = Json(await CatalogCli.RunAsync("tracks", "list", "--json", "--library", Lib)).EnumerateArray().ToList();
        Assert.Equal("song", Assert.Single(tracks).GetProperty("name").GetString());
        Assert.Equal(4, Json(await CatalogCli.RunAsync("stems", "list", "--json", "--library", Lib)).GetArrayLength());
    }

    [Fact]
    public async Task SeparateQueue_ModelNotInstalled_FailsAtOnceAndLeavesNoCopy()
    {
        var track = _dir.File("song.wav");
        AudioFile.Write(track, new AudioBuffer([Signals.Sine(220, 0.5, 44100, 0.3)], 44100));
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(Lib).FullName, "traum.json"),
            JsonSerializer.Serialize(new { models = new { root = _dir.File("no-models") } }));
        var r = await CatalogCli.RunAsync("separate", track, "--queue", "--library", Lib);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("traum models pull demucs", r.Err, StringComparison.Ordinal);
        Assert.True(!Directory.Exists(Path.Combine(Lib, "uploads")) || !Directory.EnumerateFileSystemEntries(Path.Combine(Lib, "uploads"), "*", SearchOption.AllDirectories).Any(),
            "a job that was not queued left its copy behind");
        Assert.Empty(Json(await CatalogCli.RunAsync("jobs", "--json", "--library", Lib)).EnumerateArray());
    }

    [Fact]
    public async Task Queue_OptionsTheJobCannotCarry_AreNamed()
    {
        var train = await CatalogCli.RunAsync("train", "-c", "bass", "--hidden", "64,32", "--patience", "3", "--queue", "--library", Lib);
        Assert.Equal(1, train.ExitCode);
        Assert.Contains("--queue does not carry --hidden, --patience", train.Err, StringComparison.Ordinal);

        var separate = await CatalogCli.RunAsync("separate", Samples(1), "--format", "flac", "--queue", "--library", Lib);
        Assert.Equal(1, separate.ExitCode);
        Assert.Contains("--queue does not carry --format", separate.Err, StringComparison.Ordinal);

        var ingest = await CatalogCli.RunAsync("ingest", _dir.File("nothing-here"), "--queue", "--library", Lib);
        Assert.Equal(1, ingest.ExitCode);
        Assert.Contains("No such file or folder: " + _dir.File("nothing-here"), ingest.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainAndGenerateQueue_AreValidatedAsTheWorkerWould()
    {
        Assert.Equal(0, (await CatalogCli.RunAsync("ingest", Samples(2), "--category", "pad", "--library", Lib)).ExitCode);
        var train = await CatalogCli.RunAsync("train", "-c", "bass", "--queue", "--library", Lib);
        Assert.Equal(1, train.ExitCode);
        Assert.Contains("No stems of category 'bass'", train.Err, StringComparison.Ordinal);

        var queued = Json(await CatalogCli.RunAsync("train", "-c", "pad", "--epochs", "7", "--queue", "--json", "--library", Lib));
        var parameters = JsonDocument.Parse(queued.GetProperty("parameters").GetString()!).RootElement;
        Assert.Equal("pad", parameters.GetProperty("category").GetString());
        Assert.Equal(7, parameters.GetProperty("epochs").GetInt32());
        // Options left at their defaults are left to the worker's training settings.
        Assert.True(!parameters.TryGetProperty("latentDim", out var latent) || latent.ValueKind == JsonValueKind.Null, parameters.ToString());
        Assert.True(!parameters.TryGetProperty("beta", out var beta) || beta.ValueKind == JsonValueKind.Null, parameters.ToString());

        var generate = await CatalogCli.RunAsync("generate", "-c", "nosuchmodel", "--queue", "--library", Lib);
        Assert.Equal(1, generate.ExitCode);
        Assert.Contains("nosuchmodel", generate.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JobsCancelAndRetry_ChangeTheQueuedJob()
    {
        var id = Json(await CatalogCli.RunAsync("ingest", Samples(1), "--queue", "--json", "--library", Lib)).GetProperty("id").GetString()!;
        var cancelled = Json(await CatalogCli.RunAsync("jobs", "cancel", id, "--json", "--library", Lib));
        Assert.Equal("cancelled", cancelled.GetProperty("state").GetString(), ignoreCase: true);
        var again = Json(await CatalogCli.RunAsync("jobs", "retry", id, "--json", "--library", Lib));
        Assert.Equal("queued", again.GetProperty("state").GetString(), ignoreCase: true);

        var missing = await CatalogCli.RunAsync("jobs", "show", "0123456789abcdef", "--library", Lib);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("No job with id '0123456789abcdef'", missing.Err, StringComparison.Ordinal);
        var badState = await CatalogCli.RunAsync("jobs", "--state", "sleeping", "--library", Lib);
        Assert.Equal(1, badState.ExitCode);
        Assert.Contains("--state 'sleeping' is not a job state", badState.Err, StringComparison.Ordinal);
    }
}
