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

    /// <summary>
    /// Runs a command to its end and returns its peak resident set in KiB: its VmHWM (the kernel's high-water mark),
    /// read from /proc every 20 ms while it runs, so at most the last 20 ms are missed. Also tells whether libtorch was
    /// ever mapped into it.
    /// </summary>
    /// <returns>The peak, or null when the command failed (its output is printed).</returns>
    public static long? OfProcess(string fileName, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, out bool libtorch)
    {
        var psi = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        long peak = 0;
        libtorch = false;
        // TRAUM_BENCH_RSS_TRACE=1 prints the resident set every half second, to see which phase holds the memory.
        var trace = Environment.GetEnvironmentVariable("TRAUM_BENCH_RSS_TRACE") == "1";
        var clock = Stopwatch.StartNew();
        var nextTrace = 0.0;
        while (!p.WaitForExit(20))
        {
            try
            {
                foreach (var l in File.ReadLines($"/proc/{p.Id}/status"))
                {
                    if (l.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Math.Max(peak, long.Parse(l[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
                    if (trace && l.StartsWith("VmRSS:", StringComparison.Ordinal) && clock.Elapsed.TotalSeconds >= nextTrace)
                    {
                        Console.WriteLine($"  {clock.Elapsed.TotalSeconds,6:F1} s  {l}");
                        nextTrace += 0.5;
                    }
                }
                libtorch |= File.ReadAllText($"/proc/{p.Id}/maps").Contains("libtorch", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                // The process ended between the check and the read.
            }
        }
        if (p.ExitCode != 0)
        {
            Console.WriteLine($"{fileName} {string.Join(' ', arguments)} failed (exit {p.ExitCode}): {stdout.Result}{stderr.Result}");
            return null;
        }
        return peak;
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
