using System.Diagnostics;
using System.Globalization;
using Traum.Audio;
using Traum.Models.Clap;
using Traum.TestKit;
using Traum.TestKit.Fixtures;

namespace Traum.Benchmarks.Clap;

/// <summary>
/// <c>e2e clap [iterations]</c>: median milliseconds per 10 s window of feature extraction, of EmbedAudio with the
/// fixture graph, and of the fixture graph alone, measured in one run.
/// </summary>
public static class ClapEndToEnd
{
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
        var window = Signals.PinkNoise(10, ClapFeatureExtractor.SampleRate, 0.3);
        var features = new float[ClapFeatureExtractor.FeaturesPerWindow];
        using var dir = new TempDir("e2e-clap");
        var folder = ClapFixture.CreateModelFolder(Path.Combine(dir.Path, "model"));
        using var embedder = new ClapEmbedder(ClapModelLocator.FromFolder(folder, "fp32"), new ClapOptions { BatchSize = 1, IntraOpThreads = 1 });
        embedder.Open();
        var clip = AudioBuffer.Mono(window, ClapFeatureExtractor.SampleRate);

        var (extract, extractCpu) = Median(iterations, () => ClapFeatureExtractor.Instance.Compute(window, 1, features));
        var (embed, embedCpu) = Median(iterations, () => embedder.EmbedAudio([clip]));
        var (graph, graphCpu) = Median(iterations, () => embedder.EmbedFeatures(features, 1));

        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {load}; wall = median wall-clock, cpu = mean process CPU time");
        Console.WriteLine($"feature extraction, 10 s at 48 kHz:         wall {extract,8:F2} ms  cpu {extractCpu,8:F2} ms (target ≤ 3)");
        Console.WriteLine($"EmbedAudio per 10 s window, fixture graph:  wall {embed,8:F2} ms  cpu {embedCpu,8:F2} ms");
        Console.WriteLine($"fixture graph alone:                        wall {graph,8:F2} ms  cpu {graphCpu,8:F2} ms");
        Console.WriteLine($"Traum's own time around the graph:          wall {embed - graph,8:F2} ms  cpu {embedCpu - graphCpu,8:F2} ms (target < 6)");
        return 0;
    }

    private static (double WallMedianMs, double CpuMeanMs) Median(int n, Action action)
    {
        for (var i = 0; i < 20; i++) action(); // warm-up: past the JIT's first tiers
        var times = new double[n];
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        for (var i = 0; i < n; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times[i] = sw.Elapsed.TotalMilliseconds;
        }
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalMilliseconds / n;
        Array.Sort(times);
        return (times[n / 2], cpu);
    }
}
