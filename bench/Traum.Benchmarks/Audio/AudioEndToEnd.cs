using System.Diagnostics;
using System.Globalization;

namespace Traum.Benchmarks.Audio;

/// <summary>
/// <c>e2e audio [repeats]</c>: times the audio suites directly (median of several runs after a warm-up) and prints each
/// figure beside its target, so the numbers in docs/benchmarks.md can be refreshed in seconds.
/// </summary>
public static class AudioEndToEnd
{
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var repeats = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        if (args.Length > 1) TorchSharp.torch.set_num_threads(int.Parse(args[1], CultureInfo.InvariantCulture));
        Console.WriteLine($"{Environment.ProcessorCount} cores, torch threads {TorchSharp.torch.get_num_threads()}, load average {LoadAverage()}");
        var decode = new AudioDecodeBenchmarks();
        decode.Setup();
        var spectral = new SpectralBenchmarks();
        spectral.Setup();
        try
        {
            var track = AudioBenchInputs.TrackSeconds;
            Report("WAV decode, 4 min stereo", Median(repeats, () => decode.WavDecode()), track, null);
            Report("WAV decode + resample to 48 kHz, 4 min stereo", Median(repeats, () => decode.DecodeAndResample()), track, "≥ 200× real time");
            Report("resample 44.1k→48k in memory, 4 min stereo", Median(repeats, () => decode.Resample()), track, null);
            Report("CLAP log-mel features, 10 s (Traum's STFT)", Median(repeats, () => spectral.ClapFeatures()), 10, "≤ 3 ms");
            Report("CLAP log-mel, 10 s (libtorch)", Median(repeats, () => spectral.ClapLogMel()), 10, null);
            Report("STFT power 1024/480, 10 s at 48 kHz (libtorch)", Median(repeats, () => spectral.StftPower()), 10, null);
            Report("Griffin-Lim 32 it., 4 s at 22.05 kHz (Traum's STFT)", Median(repeats, () => spectral.GriffinLim32()), 4, "≤ 60 ms");
            Report("Griffin-Lim 32 it., 4 s at 22.05 kHz (Traum's, 1 thread)", Median(repeats, () => spectral.GriffinLim32OneThread()), 4, "≤ 60 ms");
            Report("Griffin-Lim 32 it., 4 s at 22.05 kHz (libtorch)", Median(repeats, () => spectral.GriffinLim32Torch()), 4, null);
        }
        finally
        {
            decode.Cleanup();
            spectral.Cleanup();
        }
        return 0;
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>Median wall time and median CPU time (all threads of the process) in ms.</summary>
    private static (double Wall, double Cpu) Median(int repeats, Func<object> work)
    {
        for (var i = 0; i < 20; i++) work(); // warm-up: past the JIT's first tiers
        var wall = new List<double>();
        var cpu = new List<double>();
        using var self = Process.GetCurrentProcess();
        for (var i = 0; i < repeats; i++)
        {
            self.Refresh();
            var c0 = self.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            work();
            wall.Add(sw.Elapsed.TotalMilliseconds);
            self.Refresh();
            cpu.Add((self.TotalProcessorTime - c0).TotalMilliseconds);
        }
        wall.Sort();
        cpu.Sort();
        return (wall[wall.Count / 2], cpu[cpu.Count / 2]);
    }

    private static void Report(string name, (double Wall, double Cpu) t, double audioSeconds, string? target)
    {
        var rt = audioSeconds * 1000 / t.Wall;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-50} wall {t.Wall,9:F2} ms ({rt,7:F0}× real time)  cpu {t.Cpu,9:F2} ms  target {target ?? "-"}"));
    }
}
