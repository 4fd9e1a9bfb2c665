using System.Diagnostics;
using System.Globalization;

namespace Traum.Benchmarks;

/// <summary>Peak resident memory (VmHWM) of a benchmark run in a child process of its own, so runs do not share a peak.</summary>
internal static class PeakMemory
{
    /// <summary>This process's peak resident set, KiB (VmHWM of /proc/self/status).</summary>
    public static long Kb()
    {
        foreach (var l in File.ReadLines("/proc/self/status"))
        {
            if (l.StartsWith("VmHWM:", StringComparison.Ordinal)) return long.Parse(l[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        return -1;
    }

    /// <summary>Whether libtorch is mapped into this process (it should not be for ingest and separation).</summary>
    public static bool LibtorchLoaded() => File.ReadAllText("/proc/self/maps").Contains("libtorch", StringComparison.Ordinal);

    /// <summary>
    /// Runs <c>e2e COMMAND ARGUMENT</c> in a child process of this benchmark binary and reads the line it prints that
    /// starts with <c>VmHWM_KB N</c>; prints that line under <paramref name="label"/>.
    /// </summary>
    /// <returns>N, or null when the child failed (its output is printed).</returns>
    public static long? OfChild(string command, string argument, string label)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in Environment.GetCommandLineArgs().Take(1).Where(a => a.EndsWith(".dll", StringComparison.Ordinal))) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("e2e");
        psi.ArgumentList.Add(command);
        psi.ArgumentList.Add(argument);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("VmHWM_KB ", StringComparison.Ordinal));
        if (p.ExitCode != 0 || line is null)
        {
            Console.WriteLine($"child for {label} failed (exit {p.ExitCode}): {output}");
            return null;
        }
        Console.WriteLine($"{label}: {line}");
        return long.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
    }
}
