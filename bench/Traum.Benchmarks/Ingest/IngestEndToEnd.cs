using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Engine;
using Traum.Engine.Hosting;
using Traum.Engine.Ingest;
using Traum.TestKit;

namespace Traum.Benchmarks.Ingest;

/// <summary>
/// <c>e2e ingest [--n 1000] [--jobs 2] [--loops 0.3] [--formats wav,flac,mp3,ogg] [--clap] [--keep DIR]</c>: writes N
/// short synthetic stems (one-shots of 0.2–1 s and 8-bar loops at 90–174 BPM, 44.1 kHz mono 16-bit WAV, turned into the
/// given formats in turn), then ingests them into a fresh library with
/// the analysers of this build (decode + content hash + atomic store + catalog write + analysers), and prints
/// stems per second and seconds of audio per second (× real time). A second pass over the same folder measures
/// the idempotent re-ingest.
/// </summary>
public static class IngestEndToEnd
{
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var n = (int)Arg(args, "--n", 1000);
        var jobs = (int)Arg(args, "--jobs", 2);
        var loopShare = Arg(args, "--loops", 0.3);
        var keep = Value(args, "--keep");
        var root = keep ?? Path.Combine(Path.GetTempPath(), $"traum-bench-ingest-{Guid.NewGuid():N}");
        var src = Path.Combine(root, "src");
        var lib = Path.Combine(root, "lib");
        try
        {
            var sw = Stopwatch.StartNew();
            var audioSeconds = Generate(src, n, loopShare);
            var formats = (Value(args, "--formats") ?? "wav").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (formats.Any(f => f != "wav")) Convert(src, formats);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ingest: {n} stems ({audioSeconds:F0} s of audio, {loopShare:P0} loops, as {string.Join('/', formats)} in turn) written in {sw.Elapsed.TotalSeconds:F1} s; {jobs} workers, {Environment.ProcessorCount} processors"));

            // --clap: CLAP on the fixture graph as well (its features and graph run for every stem), as a library with
            // CLAP installed ingests.
            var settings = new Dictionary<string, string?>();
            if (args.Contains("--clap"))
            {
                settings["models:clap:path"] = Traum.TestKit.Fixtures.ClapFixture.CreateModelFolder(Path.Combine(root, "clap"));
                settings["models:root"] = Path.Combine(root, "models");
            }
            var context = TraumContext.ForLibrary(lib, settings);
            using var library = Library.Open(lib);
            using var engine = EngineServices.Build(context, library);
            var analyzers = engine.GetRequiredService<IReadOnlyList<IStemAnalyzer>>();
            Console.WriteLine($"  analysers: {(analyzers.Count == 0 ? "(none in this build)" : string.Join(", ", analyzers.Select(a => a.Name)))}");
            var service = engine.GetRequiredService<IngestService>();
            var request = new IngestRequest([src]) { Jobs = jobs };

            sw.Restart();
            var first = service.RunAsync(request, null, CancellationToken.None).GetAwaiter().GetResult();
            var t1 = sw.Elapsed.TotalSeconds;
            sw.Restart();
            var second = service.RunAsync(request, null, CancellationToken.None).GetAwaiter().GetResult();
            var t2 = sw.Elapsed.TotalSeconds;

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  first pass : {first.Added} added, {first.Failed} failed in {t1:F2} s → {first.Added / t1:F1} stems/s, {first.AudioSeconds / t1:F1} s of audio per second ({first.AudioSeconds / t1:F0}× real time)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  second pass: {second.Duplicates} already in, {second.Added} added in {t2:F2} s → {second.Files / t2:F0} files/s"));
            Breakdown(src, Path.Combine(root, "lib-breakdown"), analyzers, (int)Arg(args, "--breakdown", 200));
            return first.Failed == 0 && second.Added == 0 ? 0 : 1;
        }
        finally
        {
            if (keep is null)
            {
                try { Directory.Delete(root, recursive: true); } catch (IOException) { }
            }
        }
    }

    /// <summary>
    /// Where the time goes, on one thread over the first <paramref name="count"/> files: decode, content hash, store
    /// (atomic copy with fsync) + catalog row, and each analyser, as shares of the total.
    /// </summary>
    private static void Breakdown(string src, string lib, IReadOnlyList<IStemAnalyzer> analyzers, int count)
    {
        if (count <= 0) return;
        using var library = Library.Open(lib);
        var all = Directory.EnumerateFiles(src).Order(StringComparer.Ordinal).ToList();
        var files = all.Where((_, i) => i % Math.Max(1, all.Count / count) == 0).Take(count).ToList(); // spread over one-shots and loops
        var times = new Dictionary<string, double> { ["decode"] = 0, ["hash"] = 0, ["store file"] = 0, ["catalog row"] = 0 };
        foreach (var a in analyzers) times[a.Name] = 0;
        double audio = 0;
        var sw = new Stopwatch();
        foreach (var f in files)
        {
            sw.Restart();
            var buffer = AudioFile.Read(f);
            times["decode"] += sw.Elapsed.TotalSeconds;
            audio += buffer.Duration;
            sw.Restart();
            var hash = ContentHasher.Of(buffer);
            times["hash"] += sw.Elapsed.TotalSeconds;
            sw.Restart();
            var stored = library.StoreStemFile(f, hash);
            times["store file"] += sw.Elapsed.TotalSeconds;
            sw.Restart();
            var stem = library.Catalog.AddStem(new NewStem
            {
                Name = Path.GetFileNameWithoutExtension(f), Kind = "drums", Category = "drums", Origin = Core.StemOrigin.Imported,
                FilePath = stored, ContentHash = hash, SampleRate = buffer.SampleRate, Channels = buffer.ChannelCount, Duration = buffer.Duration,
            });
            times["catalog row"] += sw.Elapsed.TotalSeconds;
            var results = AnalysisResults.None;
            var decoded = new DecodedAudio(buffer);
            foreach (var a in analyzers)
            {
                sw.Restart();
                results = results.Merge(a.Analyze(stem, decoded, StoredAnalysis.None, CancellationToken.None));
                times[a.Name] += sw.Elapsed.TotalSeconds;
            }
            sw.Restart();
            library.Catalog.SaveAnalysis(stem.Id, results);
            times["save analysis"] = times.GetValueOrDefault("save analysis") + sw.Elapsed.TotalSeconds;
        }
        var total = times.Values.Sum();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  breakdown, one thread, {files.Count} files ({audio:F0} s of audio) in {total:F2} s ({audio / total:F0}× real time):"));
        foreach (var (stage, t) in times)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {stage,-14} {t * 1000 / files.Count,8:F2} ms/stem  {t / total,6:P0}  ({audio / t:F0}× real time alone)"));
        }
    }

    /// <summary>Writes the synthetic stems; returns their total duration in seconds.</summary>
    internal static double Generate(string folder, int n, double loopShare)
    {
        Directory.CreateDirectory(folder);
        const int Rate = 44100;
        var total = 0.0;
        var options = new AudioWriteOptions(SampleFormat.Pcm16);
        var rng = new Random(42);
        for (var i = 0; i < n; i++)
        {
            var loop = rng.NextDouble() < loopShare;
            float[] x;
            string name;
            if (loop)
            {
                var bpm = 90 + rng.Next(0, 85);
                var seconds = 8 * 4 * 60.0 / bpm; // 8 bars of 4/4
                var clicks = Signals.ClickTrack(bpm, seconds, Rate, 0.6);
                var bass = Signals.Sine(40 + rng.Next(0, 40), seconds, Rate, 0.3);
                var hiss = Signals.WhiteNoise(seconds, Rate, 0.02, seed: i + 1);
                x = new float[clicks.Length];
                for (var j = 0; j < x.Length; j++) x[j] = clicks[j] + bass[j] + hiss[j];
                name = string.Create(CultureInfo.InvariantCulture, $"loop_{i:0000}_{bpm}bpm.wav");
            }
            else
            {
                var seconds = 0.2 + (rng.NextDouble() * 0.8);
                x = Signals.DrumHit(seconds, Rate, 80 + rng.Next(0, 150), 40 + rng.Next(0, 20), 0.05 + (rng.NextDouble() * 0.3), seed: i + 1, decay: 0.05 + (rng.NextDouble() * 0.2));
                name = string.Create(CultureInfo.InvariantCulture, $"hit_{i:0000}.wav");
            }
            AudioFile.Write(Path.Combine(folder, name), new AudioBuffer([x], Rate), options);
            total += (double)x.Length / Rate;
        }
        return total;
    }

    /// <summary>
    /// Turns the WAVs of <paramref name="folder"/> into the given formats in turn (file i into formats[i mod count]):
    /// FLAC and MP3 through Traum's own writer, Ogg Vorbis through the ffmpeg command.
    /// </summary>
    private static void Convert(string folder, string[] formats)
    {
        var files = Directory.GetFiles(folder, "*.wav").Order(StringComparer.Ordinal).ToArray();
        for (var i = 0; i < files.Length; i++)
        {
            var format = formats[i % formats.Length].ToLowerInvariant();
            if (format == "wav") continue;
            var target = Path.ChangeExtension(files[i], format);
            if (format == "ogg")
            {
                var psi = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardError = true };
                foreach (var a in new[] { "-nostdin", "-loglevel", "error", "-i", files[i], "-c:a", "libvorbis", "-q:a", "5", target }) psi.ArgumentList.Add(a);
                using var p = Process.Start(psi)!;
                var err = p.StandardError.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg could not write {target}: {err}");
            }
            else
            {
                AudioFile.Write(target, AudioFile.Read(files[i]), new AudioWriteOptions(SampleFormat.Pcm16, Mp3BitrateKbps: 192));
            }
            File.Delete(files[i]);
        }
    }

    private static double Arg(string[] args, string name, double fallback) =>
        Value(args, name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
