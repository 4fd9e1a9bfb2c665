using System.Diagnostics;
using Traum.TestKit;
using Xunit;

namespace Traum.Cli.Tests.Commands;

/// <summary>
/// The command line where libtorch cannot load (here: a copy of the CLI without libtorch's native files, and no NuGet
/// cache to fall back on): training and generation fail with one line that names the fix; everything else works.
/// </summary>
public sealed class LibtorchMissingTests
{
    private static bool IsLibtorch(string name) =>
        name.StartsWith("libtorch", StringComparison.Ordinal) || name is "libLibTorchSharp.so" or "libc10.so" || name.StartsWith("libgomp", StringComparison.Ordinal);

    /// <summary>Copies the built CLI without libtorch (and without other platforms' native files).</summary>
    private static void CopyWithoutLibtorch(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, file);
            var parts = rel.Split(Path.DirectorySeparatorChar);
            if (IsLibtorch(Path.GetFileName(file))) continue;
            if (parts[0] == "cpu") continue; // TorchSharp's consolidated copy of libtorch
            if (parts[0] == "runtimes" && parts.Length > 1 && parts[1] != "linux-x64") continue;
            var target = Path.Combine(to, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static (int Code, string Out, string Err) Run(string app, string home, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(app, "traum.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["HOME"] = home;
        psi.Environment["NUGET_PACKAGES"] = Path.Combine(home, "no-packages");
        psi.Environment["DOTNET_CLI_HOME"] = home;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }

    [Fact]
    public void TrainAndGenerate_LibtorchCannotLoad_OneLineNamingTheFixOtherCommandsWork()
    {
        using var dir = new TempDir("notorch");
        var app = dir.File("app");
        CopyWithoutLibtorch(AppContext.BaseDirectory, app);
        var home = dir.File("home");
        Directory.CreateDirectory(home);
        var lib = dir.File("lib");
        Traum.Catalog.Library.Open(lib).Dispose();

        foreach (var args in new[] { new[] { "train", "--category", "bass" }, ["generate", "--category", "bass"] })
        {
            var (code, stdout, stderr) = Run(app, home, [.. args, "--library", lib]);
            Assert.Equal(1, code);
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("need libtorch", line, StringComparison.Ordinal);
            Assert.Contains("scripts/bootstrap.sh --yes", line, StringComparison.Ordinal);
            Assert.DoesNotContain("LoadNativeBackend", stdout, StringComparison.Ordinal); // TorchSharp's own trace stays out
            Assert.Equal("", stdout.Trim());
        }
        // Everything that does not train works without libtorch.
        Assert.Equal(0, Run(app, home, "stems", "list", "--library", lib).Code);
    }
}
