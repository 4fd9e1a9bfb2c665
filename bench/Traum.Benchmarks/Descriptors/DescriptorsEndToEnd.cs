using System.Diagnostics;
using System.Globalization;
using Traum.Audio;
using Traum.Audio.Descriptors;
using Traum.Audio.IO;
using Traum.Engine.Demo;

namespace Traum.Benchmarks.Descriptors;

/// <summary>
/// <c>e2e descriptors [--rounds 3] [--features]</c>: writes the demo kit to a temporary folder, decodes every file once,
/// then runs <see cref="DescriptorAnalyzer.Analyze"/> and <see cref="DescriptorEmbedder.Embed"/> over all of them on one
/// thread. Prints each file's tempo, key ("?" marks a single pitch without mode) and one-shot verdict against what the
/// kit was made to be, the accuracy, and
/// the speed as seconds of audio per second. <c>--features</c> also prints the mean and standard deviation of every raw
/// embedding feature over the kit.
/// </summary>
public static class DescriptorsEndToEnd
{
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var rounds = 3;
        var i = Array.IndexOf(args, "--rounds");
        if (i >= 0 && i + 1 < args.Length) rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
        var folder = Path.Combine(Path.GetTempPath(), "traum-descriptors-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        try
        {
            var items = DemoKit.Write(folder);
            var audio = items.Select(it => AudioFile.Read(Path.Combine(folder, it.RelativePath))).ToList();
            var seconds = audio.Sum(a => a.Duration);
            var analyzer = new DescriptorAnalyzer();
            var embedder = new DescriptorEmbedder();

            var results = audio.Select(a => analyzer.Analyze(a)).ToList();
            int keyed = 0, keyRight = 0, timed = 0, bpmRight = 0, shotRight = 0;
            Console.WriteLine($"descriptors: demo kit, {items.Count} files, {seconds:F1} s of audio, {Environment.ProcessorCount} processors");
            Console.WriteLine($"  {"file",-36} {"bpm",7} {"found",7} {"key",4} {"found",7} {"conf",5} {"one-shot",8}");
            for (var k = 0; k < items.Count; k++)
            {
                var it = items[k];
                var d = results[k];
                var foundKey = d.Key is null ? "-" : d.Key + (d.Mode switch { "minor" => "m", null => "?", _ => "" });
                var expectOneShot = it.Bpm is null && it.Category is "kick" or "snare" or "hat";
                if (it.Key is not null)
                {
                    keyed++;
                    if (foundKey == it.Key) keyRight++;
                }
                if (it.Bpm is { } bpm)
                {
                    timed++;
                    if (d.Bpm is { } found && Math.Abs(found - bpm) <= 1) bpmRight++;
                }
                if (d.IsOneShot == expectOneShot) shotRight++;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {it.RelativePath,-36} {it.Bpm?.ToString("F0", CultureInfo.InvariantCulture) ?? "-",7} {d.Bpm?.ToString("F1", CultureInfo.InvariantCulture) ?? "-",7} {it.Key ?? "-",4} {foundKey,7} {d.KeyConfidence,5:F2} {d.IsOneShot,8}"));
            }
            Console.WriteLine($"  tempo within 1 BPM: {bpmRight}/{timed}; key and mode: {keyRight}/{keyed}; one-shot vs loop (kick/snare/hat are one-shots): {shotRight}/{items.Count}");

            if (args.Contains("--features")) PrintFeatures(audio);

            // Warm-up done above; now time.
            var sw = Stopwatch.StartNew();
            for (var r = 0; r < rounds; r++)
            {
                foreach (var a in audio) analyzer.Analyze(a);
            }
            var analyse = sw.Elapsed.TotalSeconds;
            sw.Restart();
            for (var r = 0; r < rounds; r++)
            {
                foreach (var a in audio) embedder.Embed(a);
            }
            var embed = sw.Elapsed.TotalSeconds;
            if (args.Contains("--profile")) Profile(audio, seconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  Analyze: {seconds * rounds / analyse:F0} s of audio per second (one thread); Embed: {seconds * rounds / embed:F0} s/s"));
            return 0;
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private static void Profile(List<AudioBuffer> audio, double seconds)
    {
        var options = new DescriptorOptions();
        void Time(string what, Action<AudioBuffer> action)
        {
            var sw = Stopwatch.StartNew();
            foreach (var a in audio) action(a);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {what,-28} {sw.Elapsed.TotalMilliseconds,8:F1} ms  ({seconds / sw.Elapsed.TotalSeconds:F0} s/s)"));
        }
        Time("loudness (Measure)", a => Traum.Audio.Loudness.LoudnessMeter.Measure(a));
        Time("mono + resample", a => StemAnalysis.MonoAtAnalysisRate(a, options));
        var mono = audio.Select(a => StemAnalysis.MonoAtAnalysisRate(a, options)).ToList();
        var k = 0;
        Time("frame pass", _ => FrameAnalysis.Compute(mono[k++ % mono.Count], options, CancellationToken.None));
        k = 0;
        Time("chroma spectrum", _ => KeyEstimation.MeanSpectrum(mono[k++ % mono.Count], options.ChromaFftSize, CancellationToken.None));
        Time("stem analysis (all)", a => StemAnalysis.Run(a, options, CancellationToken.None));
    }

    private static void PrintFeatures(List<AudioBuffer> audio)
    {
        var options = new DescriptorOptions();
        var rows = audio.Select(a => DescriptorEmbedder.Features(StemAnalysis.Run(a, options, CancellationToken.None))).ToList();
        Console.WriteLine("  raw embedding features over the kit: index mean std");
        for (var j = 0; j < DescriptorEmbedder.VectorLength; j++)
        {
            var mean = rows.Average(r => (double)r[j]);
            var std = Math.Sqrt(rows.Average(r => ((double)r[j] - mean) * ((double)r[j] - mean)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {j,3} {mean,9:F3} {std,9:F3}"));
        }
    }
}
