using System.Text.Json;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.TestKit;
using Xunit;

namespace Traum.Cli.Tests.Commands;

[Collection("Console redirection")]
public sealed class SeparateCommandTests
{
    private static readonly string s_root = FindRoot();

    private static string FindRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Traum.slnx"))) d = d.Parent;
        return d!.FullName;
    }

    // Console is process-wide: every console-capturing test goes through the one gate in CatalogCli.
    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var r = await CatalogCli.RunAsync(args);
        return (r.ExitCode, r.Out, r.Err);
    }

    private static string Track(TempDir tmp)
    {
        var l = Signals.Sine(220, 0.5, 44100, 0.3);
        var r = Signals.Sine(330, 0.5, 44100, 0.3);
        var path = tmp.File("track.wav");
        AudioFile.Write(path, new AudioBuffer([l, r], 44100));
        return path;
    }

    [Fact]
    public async Task Separate_JsonWithFixtureModel_WritesStemsAndReportsThem()
    {
        using var tmp = new TempDir("cli-sep");
        var input = Track(tmp);
        var (code, stdout, stderr) = await RunAsync("separate", input, "--model-path", Path.Combine(s_root, "tests", "fixtures", "demucs", "time4"),
            "--out", tmp.File("out"), "--no-ingest", "--two-stems", "vocals", "--json", "--library", tmp.File("lib"));
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var track = doc.RootElement[0];
        Assert.Equal("separated", track.GetProperty("status").GetString());
        var stems = track.GetProperty("stems").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Equal(["vocals", "no_vocals"], stems);
        Assert.All(track.GetProperty("stems").EnumerateArray(), s => Assert.True(File.Exists(s.GetProperty("path").GetString())));
    }

    [Fact]
    public async Task Separate_ModelNotInstalled_ExitsWithThePullCommand()
    {
        using var tmp = new TempDir("cli-sep");
        var input = Track(tmp);
        var old = Environment.GetEnvironmentVariable("TRAUM_MODELS");
        Environment.SetEnvironmentVariable("TRAUM_MODELS", tmp.File("models"));
        try
        {
            var (code, _, stderr) = await RunAsync("separate", input, "--out", tmp.File("out"), "--no-ingest", "--library", tmp.File("lib"));
            Assert.Equal(1, code);
            Assert.Contains("traum models pull demucs", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TRAUM_MODELS", old);
        }
    }

    [Fact]
    public async Task EvalSeparation_HalfAmplitudeEstimate_Reports6Db()
    {
        using var tmp = new TempDir("cli-eval");
        Directory.CreateDirectory(tmp.File("ref"));
        Directory.CreateDirectory(tmp.File("est"));
        var x = Signals.PinkNoise(1, 44100, 0.3, 2);
        AudioFile.Write(tmp.File("ref/bass.wav"), new AudioBuffer([x], 44100), new AudioWriteOptions(SampleFormat.Float32));
        AudioFile.Write(tmp.File("est/bass.wav"), new AudioBuffer([[.. x.Select(v => v / 2)]], 44100), new AudioWriteOptions(SampleFormat.Float32));
        var (code, stdout, stderr) = await RunAsync("eval", "separation", "--reference", tmp.File("ref"), "--estimate", tmp.File("est"), "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(6.0206, doc.RootElement.GetProperty("stems")[0].GetProperty("uSdr").GetDouble(), 3);
    }
}
