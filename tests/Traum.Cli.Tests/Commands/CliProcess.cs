using System.Diagnostics;
using Xunit;

namespace Traum.Cli.Tests.Commands;

/// <summary>Starts the real <c>traum</c> command line (built next to the tests) as a separate process, to kill or race it.</summary>
internal static class CliProcess
{
    public static Process Start(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "traum.dll");
        Assert.True(File.Exists(dll), $"the CLI was not built next to the tests ({dll})");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }
}
