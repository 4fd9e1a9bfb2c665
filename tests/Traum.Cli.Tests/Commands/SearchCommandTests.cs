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
    public async Task Reindex_EmptyLibrary_Succeeds()
    {
        using var dir = new TempDir("cli-search");
        Traum.Catalog.Library.Open(dir.Path).Dispose(); // a library with no stems yet
        Assert.Equal(CliApp.ExitOk, (await CatalogCli.RunAsync(["reindex", "--library", dir.Path, "--json"])).ExitCode);
    }
}
