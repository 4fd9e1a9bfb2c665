using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.TestKit;
using Xunit;

namespace Traum.Cli.Tests.Commands;

[Collection("Console")]
public sealed class ExportCommandTests : IDisposable
{
    private const int Rate = 44100;

    private readonly TempDir _dir = new("cli-export");

    public void Dispose() => _dir.Dispose();

    private string Lib => _dir.File("lib");

    /// <summary>Two 16-bit kicks (60 and 70 Hz, 0.3 s) in Kicks/ and a 1.5 s pad, ingested; returns the samples by file name.</summary>
    private async Task<Dictionary<string, float[]>> IngestAsync()
    {
        var root = _dir.File("samples");
        var sounds = new Dictionary<string, float[]>
        {
            ["Kicks/k0.wav"] = Signals.Sine(60, 0.3, Rate),
            ["Kicks/k1.wav"] = Signals.Sine(70, 0.3, Rate),
            ["Warm Pad.wav"] = Signals.Sine(220, 1.5, Rate),
        };
        var quantised = new Dictionary<string, float[]>();
        foreach (var (name, samples) in sounds)
        {
            var path = Path.Combine(root, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AudioFile.Write(path, new AudioBuffer([samples], Rate), new AudioWriteOptions(SampleFormat.Pcm16));
            // The library holds what the 16-bit files hold.
            quantised[Path.GetFileNameWithoutExtension(name)] = [.. samples.Select(x => (float)(Math.Round(Math.Clamp(x * 32768.0, -32768, 32767)) / 32768.0))];
        }
        var r = await CatalogCli.RunAsync("ingest", root, "-r", "--library", Lib);
        Assert.True(r.ExitCode == 0, r.Err);
        return quantised;
    }

    [Fact]
    public async Task Export_CategoryAsFlac_ZipHoldsEveryKickLosslessWithManifest()
    {
        var sources = await IngestAsync();
        var pack = _dir.File("kicks.zip");
        var r = await CatalogCli.RunAsync("export", "--out", pack, "--category", "kick", "--format", "flac", "--library", Lib, "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Equal(2, JsonDocument.Parse(r.Out).RootElement.GetProperty("stems").GetInt32());
        Assert.False(File.Exists(pack + ".part"));
        using var zip = ZipFile.OpenRead(pack);
        Assert.Equal(["k0.flac", "k1.flac", "manifest.csv"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        foreach (var name in new[] { "k0", "k1" })
        {
            var path = _dir.File(name + ".flac");
            zip.GetEntry(name + ".flac")!.ExtractToFile(path);
            var info = AudioFile.Probe(path);
            Assert.Equal(16, info.BitsPerSample); // a 16-bit source stays 16 bit
            var decoded = AudioFile.Read(path, TestContext.Current.CancellationToken).Channels[0];
            Assert.Equal(sources[name], decoded); // FLAC is lossless: the very samples
        }
        using var manifest = new StreamReader(zip.GetEntry("manifest.csv")!.Open(), Encoding.UTF8);
        var lines = manifest.ReadToEnd().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("file,id,name,kind,category,bpm,key,duration", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.All(lines[1..], l => Assert.EndsWith(",0.300", l, StringComparison.Ordinal));
        Assert.All(lines[1..], l => Assert.Contains(",kick,", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Export_Ids_Wav24_PadAt24BitWithinHalfAnLsbOfItsSource()
    {
        var sources = await IngestAsync();
        var list = JsonDocument.Parse((await CatalogCli.RunAsync("stems", "list", "--name", "Warm", "--json", "--library", Lib)).Out).RootElement;
        var id = list[0].GetProperty("id").GetInt64();
        var pack = _dir.File("pad.zip");
        var r = await CatalogCli.RunAsync("export", "--out", pack, "--ids", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bits", "24", "--library", Lib);
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains("Exported 1 stem(s) as wav", r.Out, StringComparison.Ordinal);
        using var zip = ZipFile.OpenRead(pack);
        var path = _dir.File("pad.wav");
        zip.GetEntry("Warm Pad.wav")!.ExtractToFile(path);
        Assert.Equal(24, AudioFile.Probe(path).BitsPerSample);
        var decoded = AudioFile.Read(path, TestContext.Current.CancellationToken).Channels[0];
        var source = sources["Warm Pad"];
        Assert.Equal(source.Length, decoded.Length);
        for (var i = 0; i < source.Length; i++) Assert.True(Math.Abs(source[i] - decoded[i]) <= (0.5 / 8388608) + 1e-9, $"sample {i}");
    }

    [Fact]
    public async Task Export_Bits32f_WritesFloatWavOfTheVerySamples()
    {
        var sources = await IngestAsync();
        var pack = _dir.File("float.zip");
        var r = await CatalogCli.RunAsync("export", "--out", pack, "--name", "Warm", "--bits", "32f", "--library", Lib);
        Assert.True(r.ExitCode == 0, r.Err);
        using var zip = ZipFile.OpenRead(pack);
        var path = _dir.File("float.wav");
        zip.GetEntry("Warm Pad.wav")!.ExtractToFile(path);
        Assert.Contains("f32", AudioFile.Probe(path).Codec, StringComparison.Ordinal);
        Assert.Equal(sources["Warm Pad"], AudioFile.Read(path, TestContext.Current.CancellationToken).Channels[0]); // 16-bit values are exact in float
    }

    [Fact]
    public async Task Export_Errors_SayWhatIsWrongAndWriteNothing()
    {
        await IngestAsync();
        var pack = _dir.File("x.zip");
        var unknown = await CatalogCli.RunAsync("export", "--out", pack, "--ids", "1,42", "--library", Lib);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("42", unknown.Err, StringComparison.Ordinal);
        var none = await CatalogCli.RunAsync("export", "--out", pack, "--tag", "absent", "--library", Lib);
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("No stems match", none.Err, StringComparison.Ordinal);
        var format = await CatalogCli.RunAsync("export", "--out", pack, "--ids", "1", "--format", "ogg", "--library", Lib);
        Assert.Equal(1, format.ExitCode);
        Assert.Contains("wav, flac or mp3", format.Err, StringComparison.Ordinal);
        var bits = await CatalogCli.RunAsync("export", "--out", pack, "--ids", "1", "--bits", "20", "--library", Lib);
        Assert.Equal(1, bits.ExitCode);
        Assert.Contains("16 or 24 bit", bits.Err, StringComparison.Ordinal);
        var nothing = await CatalogCli.RunAsync("export", "--out", pack, "--library", Lib);
        Assert.Equal(1, nothing.ExitCode);
        Assert.False(File.Exists(pack));
        File.WriteAllText(pack, "keep");
        var exists = await CatalogCli.RunAsync("export", "--out", pack, "--ids", "1", "--library", Lib);
        Assert.Equal(1, exists.ExitCode);
        Assert.Contains("--force", exists.Err, StringComparison.Ordinal);
        Assert.Equal("keep", File.ReadAllText(pack));
    }
}
