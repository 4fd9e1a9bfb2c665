using Traum.TestKit;
using Xunit;

namespace Traum.Cli.Tests.Commands;

/// <summary>One-line errors that name the fix; nothing created by reading.</summary>
public sealed class RoughEdgesTests : IDisposable
{
    private readonly TempDir _dir = new("cli-edges");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("serach dusty", "did you mean 'search'?")]
    [InlineData("stems lsit", "did you mean 'list'?")]
    [InlineData("stems list --bmp 120", "did you mean '--bpm'?")]
    public async Task Typo_OneLineWithTheNearestNameAndExitOne(string args, string expected)
    {
        var r = await CatalogCli.RunAsync([.. args.Split(' '), "--library", _dir.File("lib")]);
        Assert.Equal(1, r.ExitCode);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.Equal("", r.Out); // no help dumped
    }

    [Fact]
    public async Task BadNumber_SaysWhatIsExpectedWithoutDotNetTypeNames()
    {
        var r = await CatalogCli.RunAsync("stems", "list", "--limit", "abc", "--library", _dir.File("lib"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("expected a whole number", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", r.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stems", "list")]
    [InlineData("tracks", "list")]
    [InlineData("doctor")]
    [InlineData("search", "dusty drums")]
    public async Task ReadOnlyCommand_NoLibrary_ExitOneAndCreatesNothing(params string[] args)
    {
        var lib = _dir.File("nowhere");
        var r = await CatalogCli.RunAsync([.. args, "--library", lib]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"There is no library at {lib}", r.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(lib));
    }

    [Fact]
    public async Task Ingest_FolderWithoutAudio_ExitOne()
    {
        var folder = _dir.File("texts");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "notes.txt"), "not audio", TestContext.Current.CancellationToken);
        var r = await CatalogCli.RunAsync("ingest", folder, "--library", _dir.File("lib"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("No audio files found", r.Out, StringComparison.Ordinal);
    }
}
