using System.Text.Json;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.TestKit;
using Traum.TestKit.Fixtures;
using Xunit;

namespace Traum.Cli.Tests.Commands;

/// <summary>After the command line adds stems, the semantic profiles' library percentiles are current at once.</summary>
[Collection("Console")]
public sealed class PercentileFreshnessTests : IDisposable
{
    private readonly TempDir _dir = new("cli-pct");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Ingest_WithClap_LeavesNoStalePercentilesAndRecordsAReindexJob()
    {
        var lib = _dir.File("lib");
        Directory.CreateDirectory(lib);
        var clap = ClapFixture.CreateModelFolder(_dir.File("clap"));
        File.WriteAllText(Path.Combine(lib, "traum.json"), JsonSerializer.Serialize(new { models = new { clap = new { path = clap } } }));
        var samples = _dir.File("samples");
        Directory.CreateDirectory(samples);
        for (var i = 0; i < 4; i++)
        {
            var tone = i % 2 == 0 ? Signals.Sine(80 * (i + 1), 1.0, 48000, 0.1 + (0.2 * i)) : Signals.PinkNoise(1.0, 48000, 0.1 + (0.2 * i), i);
            AudioFile.Write(Path.Combine(samples, $"s{i}.wav"), new AudioBuffer([tone], 48000), new AudioWriteOptions(SampleFormat.Pcm16));
        }

        var ingest = await CatalogCli.RunAsync("ingest", samples, "--library", lib);
        Assert.True(ingest.ExitCode == 0, ingest.Err + ingest.Out);

        // The ingest ran a reindex job of its own; a reindex now finds no percentile to refresh.
        var jobs = JsonDocument.Parse((await CatalogCli.RunAsync("jobs", "--kind", "reindex", "--json", "--library", lib)).Out).RootElement;
        var job = Assert.Single(jobs.EnumerateArray());
        Assert.Equal("succeeded", job.GetProperty("state").GetString(), ignoreCase: true);
        Assert.True(JsonDocument.Parse(job.GetProperty("result").GetString()!).RootElement.GetProperty("percentilesUpdated").GetInt32() > 0,
            "four different stems ranked against each other change the percentiles they were stored with");
        var reindex = await CatalogCli.RunAsync("reindex", "--json", "--library", lib);
        Assert.True(reindex.ExitCode == 0, reindex.Err);
        Assert.Equal(0, JsonDocument.Parse(reindex.Out).RootElement.GetProperty("percentilesUpdated").GetInt32());
    }
}
