using System.Text.Json;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.TestKit;
using Traum.Cli.Tests.Commands;
using Xunit;

namespace Traum.Cli.Tests;

/// <summary>Tests that redirect Console.Out/Error run one at a time and never beside other tests.</summary>
[CollectionDefinition("Console redirection", DisableParallelization = true)]
public sealed class ConsoleRedirectionCollection;

[Collection("Console redirection")]
public sealed class InfoCommandTests
{
    // Console is process-wide: every console-capturing test goes through the one gate in CatalogCli.
    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var r = await CatalogCli.RunAsync(args);
        return (r.ExitCode, r.Out, r.Err);
    }

    [Fact]
    public async Task Info_JsonForSynthesizedSine_ReportsHeaderAndLevels()
    {
        // A 1 kHz stereo sine at −23 dBFS peak, 5 s at 48 kHz in 24-bit WAV: peak −23 dBFS, RMS −26.01 dBFS,
        // −23.0 LUFS (EBU Tech 3341 case 1), true peak −23 dBTP.
        using var dir = new TempDir("info");
        var path = dir.File("sine.wav");
        var a = Math.Pow(10, -23 / 20.0);
        var x = Signals.Sine(1000, 5, 48000, a);
        AudioFile.Write(path, new AudioBuffer([x, (float[])x.Clone()], 48000), new AudioWriteOptions(SampleFormat.Pcm24));

        var (code, stdout, _) = await RunAsync("info", path, "--json");

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var f = doc.RootElement.GetProperty("files")[0];
        Assert.Equal(path, f.GetProperty("path").GetString());
        Assert.Equal("wav", f.GetProperty("format").GetString());
        Assert.Equal("pcm_s24le", f.GetProperty("codec").GetString());
        Assert.Equal(48000, f.GetProperty("sampleRate").GetInt32());
        Assert.Equal(2, f.GetProperty("channels").GetInt32());
        Assert.Equal(5.0, f.GetProperty("durationSeconds").GetDouble(), 1e-9);
        Assert.Equal(-23.0, f.GetProperty("peakDbfs").GetDouble(), 0.02);
        Assert.Equal(-23.0 - (10 * Math.Log10(2)), f.GetProperty("rmsDbfs").GetDouble(), 0.02);
        Assert.Equal(-23.0, f.GetProperty("integratedLufs").GetDouble(), 0.1);
        Assert.Equal(-23.0, f.GetProperty("truePeakDbtp").GetDouble(), 0.1);
        // A steady tone: momentary and short-term maxima equal the integrated loudness, the range is 0 LU.
        Assert.Equal(-23.0, f.GetProperty("momentaryMaxLufs").GetDouble(), 0.1);
        Assert.Equal(-23.0, f.GetProperty("shortTermMaxLufs").GetDouble(), 0.1);
        Assert.Equal(0.0, f.GetProperty("loudnessRangeLu").GetDouble(), 0.1);
        Assert.Equal(0, doc.RootElement.GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task Info_FlacThroughFfmpeg_SameLevelsAsTruth()
    {
        using var dir = new TempDir("info");
        var wav = dir.File("src.wav");
        var x = Signals.Sine(1000, 3, 44100, Math.Pow(10, -33 / 20.0));
        AudioFile.Write(wav, new AudioBuffer([x, (float[])x.Clone()], 44100), new AudioWriteOptions(SampleFormat.Pcm24));
        var flac = dir.File("x.flac");
        ExternalTools.Ffmpeg(wav, flac);

        var (code, stdout, _) = await RunAsync("--json", "info", flac);

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var f = doc.RootElement.GetProperty("files")[0];
        Assert.Equal("flac", f.GetProperty("format").GetString());
        Assert.Equal(44100, f.GetProperty("sampleRate").GetInt32());
        Assert.Equal(-33.0, f.GetProperty("integratedLufs").GetDouble(), 0.1);
    }

    [Fact]
    public async Task Info_BadFileAmongGood_OneLineErrorExitCode1AndOthersStillReported()
    {
        using var dir = new TempDir("info");
        var good = dir.File("good.wav");
        AudioFile.Write(good, AudioBuffer.Mono(Signals.Sine(440, 1, 8000, 0.5), 8000));
        var bad = dir.File("bad.wav");
        File.WriteAllText(bad, "not audio");
        var missing = dir.File("missing.flac");

        var (code, stdout, stderr) = await RunAsync("info", "--json", bad, good, missing);

        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(good, doc.RootElement.GetProperty("files")[0].GetProperty("path").GetString());
        Assert.Equal(20 * Math.Log10(0.5), doc.RootElement.GetProperty("files")[0].GetProperty("peakDbfs").GetDouble(), 0.01);
        var errors = doc.RootElement.GetProperty("errors");
        Assert.Equal(2, errors.GetArrayLength());
        Assert.Equal(bad, errors[0].GetProperty("path").GetString());
        Assert.Equal(missing, errors[1].GetProperty("path").GetString());
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith($"traum: {bad}: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"traum: {missing}: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("1 of 3 files read", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_SilentFile_LevelsNull()
    {
        using var dir = new TempDir("info");
        var path = dir.File("silence.wav");
        AudioFile.Write(path, new AudioBuffer(2, 48000, 48000));

        var (code, stdout, _) = await RunAsync("info", path, "--json");

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var f = doc.RootElement.GetProperty("files")[0];
        Assert.Equal(JsonValueKind.Null, f.GetProperty("integratedLufs").ValueKind);
        Assert.Equal(JsonValueKind.Null, f.GetProperty("peakDbfs").ValueKind);
    }
}
