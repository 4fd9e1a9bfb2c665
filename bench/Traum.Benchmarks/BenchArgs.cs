using System.Globalization;

namespace Traum.Benchmarks;

/// <summary>What the end-to-end benchmark commands share: their <c>--name value</c> arguments, the load average they print, the built CLI they start.</summary>
internal static class BenchArgs
{
    /// <summary>The integer after <paramref name="name"/>, or <paramref name="fallback"/> when it is not given.</summary>
    public static int Int(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>The text after <paramref name="name"/>, or null when it is not given.</summary>
    public static string? String(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>The 1-, 5- and 15-minute load averages, as <c>uptime</c> prints them.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "n/a";

    /// <summary>The built command line (<c>TRAUM_CLI_DLL</c>, else <c>src/Traum.Cli/bin/Release</c> above this binary).</summary>
    /// <exception cref="InvalidOperationException">It is not built.</exception>
    public static string CliDll()
    {
        if (Environment.GetEnvironmentVariable("TRAUM_CLI_DLL") is { Length: > 0 } given && File.Exists(given)) return given;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var dll = Path.Combine(d.FullName, "src", "Traum.Cli", "bin", "Release", "net10.0", "traum.dll");
            if (File.Exists(dll)) return dll;
        }
        throw new InvalidOperationException("Build the CLI first: dotnet build src/Traum.Cli -c Release");
    }
}
