using System.Diagnostics;
using System.Globalization;
using Traum.Audio;
using Traum.Audio.Descriptors;
using Traum.Audio.IO;

namespace Traum.Benchmarks.Descriptors;

/// <summary>
/// <c>e2e accuracy [--out DIR] [--verbose]</c>: synthesizes <see cref="AccuracyLibrary"/> (neutral file names, so nothing
/// is read from names), analyses every file on one thread with the default <see cref="DescriptorAnalyzer"/>, and prints
/// each figure beside its target: tempo Acc1 (within 4 %) on rhythmic loops 80–180 BPM, key MIREX-weighted score and
/// exact rate on tonal loops and stabs, single notes' roots, unpitched drums without a key, one-shots recognised, loops
/// kept as loops, and the analysis speed in seconds of audio per second on one core. <c>--verbose</c> lists every miss.
/// </summary>
public static class DescriptorAccuracy
{
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var only = Array.IndexOf(args, "--analyze");
        if (only >= 0)
        {
            // Analyse the files named after --analyze and print their descriptors (for looking into single results).
            var a = new DescriptorAnalyzer();
            foreach (var path in args[(only + 1)..])
            {
                var d = a.Analyze(AudioFile.Read(path));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{path}: bpm {d.Bpm:F1} ({d.BpmConfidence:F2}) key {d.Key} {d.Mode} ({d.KeyConfidence:F2}) one-shot {d.IsOneShot}"));
            }
            return 0;
        }
        var i = Array.IndexOf(args, "--out");
        var keep = i >= 0 && i + 1 < args.Length;
        var folder = keep ? args[i + 1] : Path.Combine(Path.GetTempPath(), "traum-accuracy-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var verbose = args.Contains("--verbose");
        try
        {
            var items = AccuracyLibrary.Write(folder);
            var audio = items.Select(it => AudioFile.Read(Path.Combine(folder, it.File))).ToList();
            var p = Array.IndexOf(args, "--profile");
            var options = p >= 0 && p + 1 < args.Length ? new DescriptorOptions { KeyProfile = Enum.Parse<KeyProfile>(args[p + 1], ignoreCase: true) } : new DescriptorOptions();
            var analyzer = new DescriptorAnalyzer(options);
            analyzer.Analyze(audio[0]); // warm-up
            var sw = Stopwatch.StartNew();
            var results = audio.Select(a => analyzer.Analyze(a)).ToList();
            var elapsed = sw.Elapsed.TotalSeconds;
            var seconds = audio.Sum(a => a.Duration);
            // Ingest also fingerprints every stem from the same buffers.
            sw.Restart();
            foreach (var a in audio) Traum.Audio.Fingerprint.Chromaprint.Compute(a);
            var fingerprintSeconds = sw.Elapsed.TotalSeconds;

            var misses = new List<string>();
            string Show(Traum.Core.Descriptors d) => string.Create(CultureInfo.InvariantCulture,
                $"bpm {d.Bpm?.ToString("F1", CultureInfo.InvariantCulture) ?? "-"} ({d.BpmConfidence:F2}), key {d.Key ?? "-"}{(d.Mode == "minor" ? "m" : d.Mode == "major" ? "" : d.Key is null ? "" : "?")} ({d.KeyConfidence:F2}), {(d.IsOneShot ? "one-shot" : "loop")}");

            // Tempo.
            var rhythm = Indices(items, it => it.Group == "rhythm");
            var acc1 = rhythm.Count(k => results[k].Bpm is { } b && Math.Abs(b - items[k].Bpm!.Value) <= 0.04 * items[k].Bpm!.Value);
            foreach (var k in rhythm.Where(k => !(results[k].Bpm is { } b && Math.Abs(b - items[k].Bpm!.Value) <= 0.04 * items[k].Bpm!.Value)))
                misses.Add($"tempo  {items[k].File} {items[k].What}: {Show(results[k])}");

            // Key on tonal loops and stabs.
            var tonal = Indices(items, it => it.Group == "tonal");
            double weighted = 0;
            var exact = 0;
            foreach (var k in tonal)
            {
                var w = Mirex(items[k].Tonic!.Value, items[k].Mode == "minor", results[k].Key, results[k].Mode);
                weighted += w;
                if (w == 1) exact++;
                else misses.Add($"key    {items[k].File} {items[k].What}: {Show(results[k])}");
            }

            // Single notes: root without a mode.
            var notes = Indices(items, it => it.Group == "note");
            var rootRight = notes.Count(k => results[k].Mode is null && PitchClass(results[k].Key) == items[k].Tonic);
            foreach (var k in notes.Where(k => !(results[k].Mode is null && PitchClass(results[k].Key) == items[k].Tonic)))
                misses.Add($"note   {items[k].File} {items[k].What}: {Show(results[k])}");

            // Unpitched drums: no key.
            var drums = Indices(items, it => it.Group == "drums");
            var noKey = drums.Count(k => results[k].Key is null);
            foreach (var k in drums.Where(k => results[k].Key is not null)) misses.Add($"drums  {items[k].File} {items[k].What}: {Show(results[k])}");

            // Shape.
            var shots = Indices(items, it => it.Group == "oneshot");
            var shotRight = shots.Count(k => results[k].IsOneShot);
            foreach (var k in shots.Where(k => !results[k].IsOneShot)) misses.Add($"shape  {items[k].File} {items[k].What}: {Show(results[k])}");
            var allShots = Indices(items, it => it.OneShot);
            var allShotRight = allShots.Count(k => results[k].IsOneShot);
            var loops = Indices(items, it => !it.OneShot);
            var loopRight = loops.Count(k => !results[k].IsOneShot);
            foreach (var k in loops.Where(k => results[k].IsOneShot)) misses.Add($"shape  {items[k].File} {items[k].What}: {Show(results[k])}");
            foreach (var k in allShots.Where(k => items[k].Group != "oneshot" && !results[k].IsOneShot)) misses.Add($"shape  {items[k].File} {items[k].What}: {Show(results[k])}");

            var speed = seconds / elapsed;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"accuracy: {items.Count} synthesized files, {seconds:F0} s of audio, key profile {options.KeyProfile}, {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}"));
            Console.WriteLine($"  {"figure",-52} {"measured",10} {"target",8}");
            void Row(string what, double value, string unit, double target, bool higherBetter = true) =>
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {what,-52} {value.ToString(unit == "%" ? "F1" : unit == "x" ? "F0" : "F3", CultureInfo.InvariantCulture) + (unit == "%" ? " %" : unit == "x" ? "x" : ""),10} {(unit == "%" ? target.ToString("F0", CultureInfo.InvariantCulture) + " %" : unit == "x" ? target.ToString("F0", CultureInfo.InvariantCulture) + "x" : target.ToString("F2", CultureInfo.InvariantCulture)),8} {((higherBetter ? value >= target : value <= target) ? "met" : "NOT MET")}"));
            Row($"tempo Acc1, rhythmic loops 80-180 BPM (n={rhythm.Count})", 100.0 * acc1 / rhythm.Count, "%", 95);
            Row($"key MIREX-weighted, tonal loops and stabs (n={tonal.Count})", weighted / tonal.Count, "", 0.90);
            Row($"key exact, tonal loops and stabs (n={tonal.Count})", 100.0 * exact / tonal.Count, "%", 80);
            Row($"single notes: root, no mode (n={notes.Count})", 100.0 * rootRight / notes.Count, "%", 95);
            Row($"unpitched drums without a key (n={drums.Count})", 100.0 * noKey / drums.Count, "%", 95);
            Row($"one-shots recognised: 808s, hits, long kicks (n={shots.Count})", 100.0 * shotRight / shots.Count, "%", 95);
            Row($"all one-shots incl. stabs and notes (n={allShots.Count})", 100.0 * allShotRight / allShots.Count, "%", 95);
            Row($"loops and phrases kept as loops (n={loops.Count})", 100.0 * loopRight / loops.Count, "%", 95);
            Row("analysis speed, one core (x real time)", speed, "x", 100);
            Row("analysis + Chromaprint fingerprint, one core (x real time)", seconds / (elapsed + fingerprintSeconds), "x", 100);
            var (planted, found, falseGroups) = Duplicates(folder, items);
            Row($"planted duplicates found (n={planted}; false groups: {falseGroups})", 100.0 * found / planted, "%", 100);
            if (verbose)
            {
                foreach (var m in misses) Console.WriteLine("  miss " + m);
            }
            return 0;
        }
        finally
        {
            if (!keep && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Plants re-encodes (MP3 128k), gain changes (−9 dB), resamples (48 kHz) and trims (from 2 s on) of eight loops,
    /// fingerprints every loop of 5 s or more and the copies, groups them, and counts the copies grouped with exactly their
    /// original, and the groups that hold anything else (different takes at the same tempo must stay apart).
    /// </summary>
    private static (int Planted, int Found, int FalseGroups) Duplicates(string folder, IReadOnlyList<AccuracyItem> items)
    {
        var loops = items.Where(it => !it.OneShot && AudioFile.Read(Path.Combine(folder, it.File)).Duration >= 5).Select(it => it.File).ToList();
        var files = new List<string>(loops.Select(f => Path.Combine(folder, f)));
        var originalOf = new Dictionary<int, int>();
        string[][] variants = [["-b:a", "128k"], ["-af", "volume=-9dB"], ["-ar", "48000"], ["-ss", "2"]];
        string[] extensions = [".mp3", ".wav", ".wav", ".wav"];
        for (var k = 0; k < 8; k++)
        {
            var source = (k * 7) % loops.Count;
            var v = k % variants.Length;
            var copy = Path.Combine(folder, $"copy{k}{extensions[v]}");
            var args = new List<string> { "-nostdin", "-v", "error", "-y", "-i", files[source] };
            args.AddRange(variants[v]);
            args.Add(copy);
            var psi = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using (var p = Process.Start(psi)!)
            {
                p.StandardError.ReadToEnd();
                p.WaitForExit();
            }
            originalOf[files.Count] = source;
            files.Add(copy);
        }
        var prints = files.Select(f => Traum.Audio.Fingerprint.AudioFingerprint.Compute(f)).ToList();
        var groups = Traum.Audio.Fingerprint.AudioFingerprint.Group(prints);
        var found = 0;
        var falseGroups = 0;
        foreach (var g in groups)
        {
            var originals = g.Where(i => !originalOf.ContainsKey(i)).ToList();
            var copies = g.Where(originalOf.ContainsKey).ToList();
            if (originals.Count == 1 && copies.All(c => originalOf[c] == originals[0])) found += copies.Count;
            else
            {
                falseGroups++;
                Console.WriteLine("  false group: " + string.Join(", ", g.Select(i => Path.GetFileName(files[i]) + (originalOf.TryGetValue(i, out var o) ? $" (copy of {Path.GetFileName(files[o])})" : $" ({items.First(it => it.File == Path.GetFileName(files[i])).What})"))));
            }
        }
        return (originalOf.Count, found, falseGroups);
    }

    /// <summary>MIREX key score: 1 same key, 0.5 a fifth above (same mode), 0.3 relative, 0.2 parallel, else 0.</summary>
    internal static double Mirex(int tonic, bool minor, string? key, string? mode)
    {
        if (PitchClass(key) is not { } t || mode is null) return 0;
        var estMinor = mode == "minor";
        if (t == tonic && estMinor == minor) return 1;
        if (estMinor == minor && t == (tonic + 7) % 12) return 0.5;
        if (!minor && estMinor && t == (tonic + 9) % 12) return 0.3;
        if (minor && !estMinor && t == (tonic + 3) % 12) return 0.3;
        if (t == tonic && estMinor != minor) return 0.2;
        return 0;
    }

    private static int? PitchClass(string? name)
    {
        if (name is null) return null;
        var i = Array.IndexOf(AccuracyLibrary.Names, name);
        if (i >= 0) return i;
        string[] sharps = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
        i = Array.IndexOf(sharps, name);
        return i >= 0 ? i : null;
    }

    private static List<int> Indices(IReadOnlyList<AccuracyItem> items, Func<AccuracyItem, bool> where) =>
        [.. Enumerable.Range(0, items.Count).Where(k => where(items[k]))];

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
        catch (UnauthorizedAccessException)
        {
            return "?";
        }
    }
}
