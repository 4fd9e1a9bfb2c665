using System.Globalization;
using Traum.Models.Demucs;

namespace Traum.Benchmarks.Separation;

/// <summary>
/// Peak memory of separating a 5-minute and a 60-minute track, each in its own child process (peak RSS from
/// /proc/self/status VmHWM): streaming means the two are equal within ±10 %. Uses the time4 fixture graph; stems go
/// to a sink that drops them (the file writers hold one block each). Usage: <c>separation-memory [short=5] [long=60]</c>.
/// </summary>
internal static class SeparationMemory
{
    public static int Run(string[] args)
    {
        var shortMin = args.Length > 0 ? args[0] : "5";
        var longMin = args.Length > 1 ? args[1] : "60";
        var a = PeakMemory.OfChild("separation-memory-child", shortMin, $"{shortMin} min");
        var b = PeakMemory.OfChild("separation-memory-child", longMin, $"{longMin} min");
        if (a is null || b is null) return 1;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"peak RSS: {shortMin} min {a.Value / 1024.0:0.0} MiB, {longMin} min {b.Value / 1024.0:0.0} MiB, ratio {(double)b.Value / a.Value:0.000}"));
        return Math.Abs(((double)b.Value / a.Value) - 1) <= 0.10 ? 0 : 1;
    }

    /// <summary>Child: generate the input file, separate it, print "VmHWM_KB".</summary>
    public static int RunChild(string[] args)
    {
        var minutes = double.Parse(args[0], CultureInfo.InvariantCulture);
        var dir = Path.Combine(Path.GetTempPath(), $"traum-bench-mem-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var input = Path.Combine(dir, "in.wav");
            SeparationOverhead.WriteInput(input, minutes);
            using var sep = DemucsSeparator.Load(SeparationOverhead.FindFixture("time4"), new DemucsOptions { IntraOpThreads = 2 });
            var result = sep.Separate(new AudioFileInput(input, 44100), new CountingSink());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"VmHWM_KB {PeakMemory.Kb()} chunks {result.Chunks} libtorch {(PeakMemory.LibtorchLoaded() ? "loaded" : "not loaded")}"));
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class CountingSink : IStemSink
    {
        public long Frames { get; private set; }

        public void Write(float[][][] stems, int count) => Frames += count;
    }
}
