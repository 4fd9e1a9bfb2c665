using System.Diagnostics;
using System.Globalization;
using Traum.Audio.IO;
using Traum.Models.Demucs;

namespace Traum.Benchmarks.Separation;

/// <summary>
/// Traum's own time around the Demucs graph, per minute of audio: decode, (resample), pack + STFT, overlap-add,
/// iSTFT, writing; measured with a fixture graph (tests/fixtures/demucs/time4, a few tiny ops), whose own time is
/// reported separately. Usage: <c>separation-overhead [minutes=1] [fixture-dir] [threads=2]</c>.
/// </summary>
internal static class SeparationOverhead
{
    public static int Run(string[] args)
    {
        var minutes = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 1.0;
        var fixture = args.Length > 1 ? args[1] : FindFixture("time4");
        var threads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;
        var dir = Path.Combine(Path.GetTempPath(), $"traum-bench-sep-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var input = Path.Combine(dir, "in.wav");
            WriteInput(input, minutes);
            using var sep = DemucsSeparator.Load(fixture, new DemucsOptions { IntraOpThreads = threads });
            // Warm-up on a short clip (JIT, libtorch and ONNX Runtime initialisation).
            sep.Separate(new InMemoryInput(new float[50_000], new float[50_000]), new NullSink());
            var before = sep.Timings!.Value;
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            var sink = new WavSink(dir, sep.Manifest.Sources);
            sep.Separate(new AudioFileInput(input, sep.Manifest.SampleRate), sink);
            sink.Dispose();
            var total = sw.Elapsed;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
            var after = sep.Timings!.Value;
            var graph = after.Graph - before.Graph;
            var pack = after.Pack - before.Pack;
            var unpack = after.Unpack - before.Unpack;
            var own = total - graph;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"audio {minutes:0.##} min, total {total.TotalSeconds:0.00} s, graph {graph.TotalSeconds:0.00} s, Traum's own {own.TotalSeconds:0.00} s = {own.TotalSeconds / minutes:0.00} s per minute of audio"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  process CPU time {cpu.TotalSeconds:0.00} s ({cpu.TotalSeconds / minutes:0.00} s per minute of audio, graph included)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  pack+STFT {pack.TotalSeconds / minutes:0.00} s/min, unpack+iSTFT {unpack.TotalSeconds / minutes:0.00} s/min, decode+overlap-add+write {(own - pack - unpack).TotalSeconds / minutes:0.00} s/min"));
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    internal static string FindFixture(string name)
    {
        static DirectoryInfo? Up(string from)
        {
            var d = new DirectoryInfo(from);
            while (d is not null && !File.Exists(Path.Combine(d.FullName, "Traum.slnx"))) d = d.Parent;
            return d;
        }
        var d = Up(AppContext.BaseDirectory) ?? Up(Environment.CurrentDirectory);
        if (d is null) throw new InvalidOperationException("Run from inside the repository (fixtures are in tests/fixtures/demucs).");
        return Path.Combine(d.FullName, "tests", "fixtures", "demucs", name);
    }

    /// <summary>Writes <paramref name="minutes"/> of stereo 16-bit noise + tones, block by block.</summary>
    internal static void WriteInput(string path, double minutes)
    {
        var frames = (long)(minutes * 60 * 44100);
        using var w = AudioFile.OpenWrite(path, 44100, 2, new AudioWriteOptions(SampleFormat.Pcm16));
        var rng = new Random(1);
        var buf = new float[][] { new float[65536], new float[65536] };
        for (long done = 0; done < frames;)
        {
            var n = (int)Math.Min(65536, frames - done);
            for (var i = 0; i < n; i++)
            {
                var t = (done + i) / 44100.0;
                buf[0][i] = (float)((0.3 * Math.Sin(2 * Math.PI * 220 * t)) + (0.1 * (rng.NextDouble() - 0.5)));
                buf[1][i] = (float)((0.3 * Math.Sin(2 * Math.PI * 330 * t)) + (0.1 * (rng.NextDouble() - 0.5)));
            }
            w.Write(buf, 0, n);
            done += n;
        }
        w.Complete();
    }

    private sealed class NullSink : IStemSink
    {
        public void Write(float[][][] stems, int count) { }
    }

    /// <summary>One 24-bit WAV per source, as `traum separate` writes them.</summary>
    private sealed class WavSink : IStemSink, IDisposable
    {
        private readonly IAudioWriter[] _writers;

        public WavSink(string dir, IReadOnlyList<string> sources) =>
            _writers = [.. sources.Select(s => AudioFile.OpenWrite(Path.Combine(dir, s + ".wav"), 44100, 2, new AudioWriteOptions(SampleFormat.Pcm24)))];

        public void Write(float[][][] stems, int count)
        {
            for (var s = 0; s < _writers.Length; s++) _writers[s].Write(stems[s], 0, count);
        }

        public void Dispose()
        {
            foreach (var w in _writers) w.Dispose();
        }
    }
}
