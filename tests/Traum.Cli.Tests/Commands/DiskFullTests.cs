using Traum.Core;
using Xunit;

namespace Traum.Cli.Tests.Commands;

/// <summary>A full disk is the user's to fix: one line, exit 1, and no advice to discard a healthy catalog.</summary>
public sealed class DiskFullTests
{
    private static IOException WriteToFullDevice()
    {
        // /dev/full answers every write with ENOSPC, as a full disk does.
        try
        {
            using var fs = new FileStream("/dev/full", FileMode.Open, FileAccess.Write);
            fs.Write(new byte[4096]);
            fs.Flush();
        }
        catch (IOException e)
        {
            return e;
        }
        throw new InvalidOperationException("/dev/full accepted a write");
    }

    [Fact]
    public void IsDiskFull_WriteToDevFull_True()
    {
        Assert.SkipUnless(File.Exists("/dev/full"), "needs /dev/full (Linux)");
        Assert.True(StorageFullException.IsDiskFull(WriteToFullDevice()));
        Assert.False(StorageFullException.IsDiskFull(new IOException("Unexpected end of stream")));
    }

    [Fact]
    public void Classify_DiskFull_IsAUserErrorWithOneLineAndNoAdviceToMoveTheCatalog()
    {
        Assert.SkipUnless(File.Exists("/dev/full"), "needs /dev/full (Linux)");
        var (message, user) = CliApp.Classify(WriteToFullDevice());
        Assert.True(user); // exit code 1
        Assert.Contains("the disk is full", message, StringComparison.Ordinal);
        Assert.DoesNotContain("move it aside", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void For_Path_SaysWhereAndHowMuchIsFree()
    {
        var e = StorageFullException.For(Path.GetTempPath());
        Assert.Contains("MiB free", e.Message, StringComparison.Ordinal);
        Assert.Contains("nothing in the library was damaged", e.Message, StringComparison.Ordinal);
    }
}
