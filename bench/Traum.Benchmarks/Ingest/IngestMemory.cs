using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Traum.Catalog;
using Traum.Engine;
using Traum.Engine.Configuration;
using Traum.Engine.Hosting;
using Traum.Engine.Ingest;
using Traum.TestKit.Fixtures;

namespace Traum.Benchmarks.Ingest;

/// <summary>
/// <c>e2e ingest-memory [small=100] [large=400]</c>: peak RSS of the real <c>traum ingest</c> process (its own
/// runtime settings, the product's composition root) on two folders of synthetic stems (the <c>e2e ingest</c> mix of
/// one-shots and 8-bar loops) with CLAP on the fixture graph. The target of the one-engine issue is at most 200 MB; the two runs show
/// whether memory stays flat as the folder grows (no libtorch is loaded for ingest).
/// </summary>
internal static class IngestMemory
{
    /// <summary>The one-engine issue's target, MiB.</summary>
    private const double TargetMiB = 200;

    public static int Run(string[] args)
    {
        var small = int.Parse(args.Length > 0 ? args[0] : "100", CultureInfo.InvariantCulture);
        var large = int.Parse(args.Length > 1 ? args[1] : "400", CultureInfo.InvariantCulture);
        Console.WriteLine($"ingest-memory: `traum ingest -j 2` with CLAP (fixture graph); load average {BenchArgs.LoadAverage()}; {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC");
        var dir = Path.Combine(Path.GetTempPath(), $"traum-bench-ingest-mem-{Guid.NewGuid():N}");
        try
        {
            var clap = ClapFixture.CreateModelFolder(Path.Combine(dir, "clap"));
            var peaks = new List<long>();
            foreach (var n in new[] { small, large })
            {
                var src = Path.Combine(dir, $"src-{n}");
                var seconds = IngestEndToEnd.Generate(src, n, 0.3);
                var env = new Dictionary<string, string>
                {
                    ["TRAUM_MODELS__CLAP__PATH"] = clap,
                    ["TRAUM_MODELS__ROOT"] = Path.Combine(dir, "models"),
                };
                var sw = Stopwatch.StartNew();
                var peak = PeakMemory.OfProcess("dotnet", [BenchArgs.CliDll(), "ingest", src, "--library", Path.Combine(dir, $"lib-{n}"), "--jobs", "2"], env, out var libtorch);
                if (peak is null) return 1;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{n} stems ({seconds:0} s of audio): peak RSS {peak.Value / 1024.0:0.0} MiB in {sw.Elapsed.TotalSeconds:0.0} s ({seconds / sw.Elapsed.TotalSeconds:0}× real time), libtorch {(libtorch ? "loaded" : "not loaded")}"));
                peaks.Add(peak.Value);
            }
            var max = peaks.Max() / 1024.0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"peak RSS: {small} stems {peaks[0] / 1024.0:0.0} MiB, {large} stems {peaks[1] / 1024.0:0.0} MiB (ratio {(double)peaks[1] / peaks[0]:0.000}); target <= {TargetMiB:0} MiB: {(max <= TargetMiB ? "met" : "NOT met")}; load average {BenchArgs.LoadAverage()}"));
            return 0;
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
