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

        var extract = Median(iterations, () => ClapFeatureExtractor.Instance.Compute(window, 1, features));
        var embed = Median(iterations, () => embedder.EmbedAudio([clip]));
        var graph = Median(iterations, () => embedder.EmbedFeatures(features, 1));

        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        Console.WriteLine($"feature extraction, 10 s at 48 kHz:         {extract,8:F2} ms (target < 5)");
        Console.WriteLine($"EmbedAudio per 10 s window, fixture graph:  {embed,8:F2} ms");
        Console.WriteLine($"fixture graph alone:                        {graph,8:F2} ms");
        Console.WriteLine($"Traum's own time around the graph:          {embed - graph,8:F2} ms (target < 6)");
        return 0;
    }

    private static double Median(int n, Action action)
    {
        action();
        var times = new double[n];
        for (var i = 0; i < n; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[n / 2];
    }
}
