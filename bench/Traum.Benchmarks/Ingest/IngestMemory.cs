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
/// <c>e2e ingest-memory [small=100] [large=400]</c>: peak RSS (VmHWM) of ingesting two folders of synthetic stems
/// (the <c>e2e ingest</c> mix of one-shots and 8-bar loops) with CLAP on the fixture graph, each in a child process
/// built by the product's composition root. The target of the one-engine issue is at most 200 MB; the two runs show
/// whether memory stays flat as the folder grows (no libtorch is loaded for ingest).
/// </summary>
internal static class IngestMemory
{
    /// <summary>The one-engine issue's target, MiB.</summary>
    private const double TargetMiB = 200;

    public static int Run(string[] args)
    {
        var small = args.Length > 0 ? args[0] : "100";
        var large = args.Length > 1 ? args[1] : "400";
        Console.WriteLine($"ingest-memory: load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}; {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC");
        var a = PeakMemory.OfChild("ingest-memory-child", small, $"{small} stems");
        var b = PeakMemory.OfChild("ingest-memory-child", large, $"{large} stems");
        if (a is null || b is null) return 1;
        var peak = Math.Max(a.Value, b.Value) / 1024.0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"peak RSS: {small} stems {a.Value / 1024.0:0.0} MiB, {large} stems {b.Value / 1024.0:0.0} MiB (ratio {(double)b.Value / a.Value:0.000}); target <= {TargetMiB:0} MiB: {(peak <= TargetMiB ? "met" : "NOT met")}"));
        return 0;
    }

    /// <summary>Child: write N stems, ingest them with descriptors, fingerprint and CLAP (fixture graph), print "VmHWM_KB".</summary>
    public static int RunChild(string[] args)
    {
        var n = int.Parse(args[0], CultureInfo.InvariantCulture);
        var dir = Path.Combine(Path.GetTempPath(), $"traum-bench-ingest-mem-{Guid.NewGuid():N}");
        try
        {
            var src = Path.Combine(dir, "src");
            var seconds = IngestEndToEnd.Generate(src, n, 0.3);
            var clap = ClapFixture.CreateModelFolder(Path.Combine(dir, "clap"));
            var lib = Path.Combine(dir, "lib");
            var context = new TraumContext(TraumSettings.Build(lib, new Dictionary<string, string?> { ["models:clap:path"] = clap, ["models:root"] = Path.Combine(dir, "models") }));
            using var library = Library.Open(lib);
            using var engine = EngineServices.Build(context, library);
            var analyzers = engine.GetRequiredService<IReadOnlyList<IStemAnalyzer>>();
            var sw = Stopwatch.StartNew();
            var summary = engine.GetRequiredService<IngestService>().RunAsync(new IngestRequest([src]) { Jobs = 2 }, null, CancellationToken.None).GetAwaiter().GetResult();
            var torch = PeakMemory.LibtorchLoaded();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"VmHWM_KB {PeakMemory.Kb()} added {summary.Added} audio {seconds:0} s in {sw.Elapsed.TotalSeconds:0.0} s analysers {string.Join(",", analyzers.Select(x => x.Name))} libtorch {(torch ? "loaded" : "not loaded")}"));
            return summary.Failed == 0 ? 0 : 1;
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
