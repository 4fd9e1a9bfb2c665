using Traum.Cli.Commands;
using Traum.Core;
using Traum.TestKit;
using Xunit;

namespace Traum.Cli.Tests.Commands;

public sealed class SearchCommandTests
{
    [Theory]
    [InlineData("search", "anything")]
    [InlineData("similar", "12345")]
    [InlineData("search", "x", "--bpm", "fast")]
    [InlineData("search", "x", "--profile", "energy:furious>0.5")]
    [InlineData("duplicates", "--embedding", "--threshold", "3")]
    [InlineData("duplicates", "--threshold", "0.9")]
    [InlineData("duplicates", "--max-bit-error", "2")]
    [InlineData("duplicates", "--embedding", "--fingerprint")]
    public async Task Run_UserErrors_ExitCode1(params string[] args)
    {
        using var dir = new TempDir("cli-search");
        var code = (await CatalogCli.RunAsync([.. args, "--library", dir.Path, "--json"])).ExitCode;
        Assert.Equal(CliApp.ExitUserError, code);
    }

    [Fact]
    public async Task Similar_BpmHalfDouble_AlsoFindsHalfAndDoubleTheStatedTempo()
    {
        using var dir = new TempDir("cli-search");
        var src = Path.Combine(dir.Path, "src");
        Directory.CreateDirectory(src);
        var names = new[] { "Loop 124 BPM", "Loop 62 BPM", "Loop 248 BPM", "Loop 100 BPM" };
        for (var i = 0; i < names.Length; i++)
        {
            Traum.Audio.IO.AudioFile.Write(Path.Combine(src, names[i] + ".wav"), Traum.Audio.AudioBuffer.Mono(Signals.Sine(220 + (20 * i), 1, 8000, amplitude: 0.4), 8000));
        }
        var lib = Path.Combine(dir.Path, "lib");
        Assert.Equal(CliApp.ExitOk, (await CatalogCli.RunAsync("ingest", src, "--library", lib, "--json")).ExitCode);
        var example = Path.Combine(src, "Loop 100 BPM.wav");

        async Task<string[]> NamesAsync(params string[] extra)
        {
            var r = await CatalogCli.RunAsync(["similar", example, "-k", "10", "--library", lib, "--json", .. extra]);
            Assert.True(r.ExitCode == CliApp.ExitOk, r.Err);
            using var doc = System.Text.Json.JsonDocument.Parse(r.Out);
            var hits = doc.RootElement.EnumerateObject().First(p => p.Name.Equals("hits", StringComparison.OrdinalIgnoreCase)).Value;
            return [.. hits.EnumerateArray().Select(h => h.EnumerateObject().First(p => p.Name.Equals("name", StringComparison.OrdinalIgnoreCase)).Value.GetString()!).Order(StringComparer.Ordinal)];
        }

        Assert.Equal(["Loop 124 BPM"], await NamesAsync("--bpm", "124"));
        Assert.Equal(["Loop 124 BPM", "Loop 248 BPM", "Loop 62 BPM"], await NamesAsync("--bpm", "124", "--half-double"));
        var bad = await CatalogCli.RunAsync("similar", example, "--half-double", "--library", lib, "--json");
        Assert.Equal(CliApp.ExitUserError, bad.ExitCode);
        Assert.Contains("needs a tempo", bad.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reindex_EmptyLibrary_Succeeds()
    {
        using var dir = new TempDir("cli-search");
        Traum.Catalog.Library.Open(dir.Path).Dispose(); // a library with no stems yet
        Assert.Equal(CliApp.ExitOk, (await CatalogCli.RunAsync(["reindex", "--library", dir.Path, "--json"])).ExitCode);
    }
}
