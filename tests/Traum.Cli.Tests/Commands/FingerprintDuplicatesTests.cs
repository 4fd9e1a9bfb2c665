using System.Text.Json;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.TestKit;
using Xunit;

namespace Traum.Cli.Tests.Commands;

[Collection("Console")]
public sealed class FingerprintDuplicatesTests : IDisposable
{
    private readonly TempDir _dir = new("cli-fp");

    public void Dispose() => _dir.Dispose();

    private static float[] Take(int seed)
    {
        var rng = new Random(seed);
        var x = new float[12 * 44100];
        for (var pos = 0; pos < x.Length;)
        {
            var root = 48 + rng.Next(12);
            var chord = Signals.Chord([root, root + 4, root + 7], 0.5 + (rng.Next(3) * 0.25), 44100, 0.3);
            for (var i = 0; i < chord.Length && pos + i < x.Length; i++) x[pos + i] += chord[i];
            pos += chord.Length;
        }
        return x;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Duplicates_Fingerprint_GroupsReencodeAndGainChangeNotOtherTake(bool flag)
    {
        var root = _dir.File("samples");
        Directory.CreateDirectory(root);
        var original = Path.Combine(root, "loop.wav");
        AudioFile.Write(original, AudioBuffer.Mono(Take(1), 44100));
        ExternalTools.Ffmpeg(original, Path.Combine(root, "loop copy.mp3"), "-b:a", "160k");
        ExternalTools.Ffmpeg(original, Path.Combine(root, "loop quiet.wav"), "-af", "volume=-6dB");
        AudioFile.Write(Path.Combine(root, "other take.wav"), AudioBuffer.Mono(Take(2), 44100));
        var lib = _dir.File("lib");
        Assert.Equal(0, (await CatalogCli.RunAsync("ingest", root, "--library", lib, "--json")).ExitCode);

        // Ingest fingerprints every stem from the audio it decoded.
        using (var library = Traum.Catalog.Library.OpenExisting(lib))
        {
            var stems = library.Catalog.ListStems();
            Assert.Equal(4, stems.Count);
            Assert.All(stems, s => Assert.True(library.Catalog.HasFingerprint(s.Id, Traum.Audio.Fingerprint.Chromaprint.AlgorithmName), s.Name));
        }

        var r = flag
            ? await CatalogCli.RunAsync("duplicates", "--fingerprint", "--library", lib, "--json")
            : await CatalogCli.RunAsync("duplicates", "--library", lib, "--json");

        Assert.Equal(0, r.ExitCode);
        var doc = JsonDocument.Parse(r.Out).RootElement;
        Assert.Equal("fingerprint", doc.GetProperty("method").GetString());
        Assert.Equal(4, doc.GetProperty("searched").GetInt32());
        var groups = doc.GetProperty("groups");
        Assert.Equal(1, groups.GetArrayLength());
        var names = groups[0].GetProperty("stems").EnumerateArray().Select(s => Path.GetFileName(s.GetProperty("sourcePath").GetString())).Order().ToArray();
        Assert.Equal(["loop copy.mp3", "loop quiet.wav", "loop.wav"], names);
        Assert.All(groups[0].GetProperty("pairs").EnumerateArray(), p => Assert.InRange(p.GetProperty("bitErrorRate").GetDouble(), 0, 0.1));

        // The table lists the user's own files.
        var table = await CatalogCli.RunAsync("duplicates", "--library", lib);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains(Path.Combine(root, "loop copy.mp3"), table.Out, StringComparison.Ordinal);
        Assert.Contains("the same recording", table.Out, StringComparison.Ordinal);
    }
}
