using System.Globalization;
using Traum.Audio;
using Traum.Audio.IO;

namespace Traum.Benchmarks.Descriptors;

/// <summary>What a file of the accuracy library was made to be.</summary>
/// <param name="File">File name under the library folder (neutral: a number, so names state nothing).</param>
/// <param name="Group">rhythm (drum loops with a tempo), tonal (loops and stabs with a key), note (one pitched note),
/// drums (unpitched one-shots and loops: no key), oneshot (must be called one-shots), loop (must not be).</param>
/// <param name="What">Human description, e.g. "dnb 174", "piano cadence Cm".</param>
/// <param name="Bpm">True tempo or null.</param>
/// <param name="Tonic">True tonic pitch class (0 = C) or null.</param>
/// <param name="Mode">"major", "minor", or null (a single note).</param>
/// <param name="OneShot">True when the file is a one-shot, false for loops and phrases.</param>
public sealed record AccuracyItem(string File, string Group, string What, double? Bpm, int? Tonic, string? Mode, bool OneShot);

/// <summary>
/// A deterministic library of synthesized sounds with known tempo, key and shape, for the accuracy benchmark
/// (<c>e2e accuracy</c>). Instruments are additive models with realistic overtone series (piano with inharmonic,
/// decaying partials and strong low harmonics; Rhodes with a bell partial; bowed strings with vibrato; bass; detuned pads),
/// drums are classic analogue-style models (sine-sweep kicks, noise snares and hats, tuned congas, metallic rides, 808s).
/// Everything is rebuilt from seeds, so anyone gets the same files.
/// </summary>
internal static class AccuracyLibrary
{
    public const int Rate = 44100;

    public static readonly string[] Names = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"];

    /// <summary>(genre, tempo range, pattern) for drum loops; patterns are 16 steps per bar: K kick, S snare, C clap, h closed hat, o open hat, r ride, k conga.</summary>
    private static readonly (string Genre, double Lo, double Hi, string[] Lanes)[] Genres =
    [
        ("hiphop", 80, 98, ["K......K..K.....", "....S.......S...", "h.h.h.h.h.h.h.h."]),
        ("boombap", 84, 96, ["K.........K..K..", "....S.......S...", "hhhhhhhhhhhhhhhh"]),
        ("reggaeton", 90, 100, ["K...K...K...K...", "...S..S....S..S.", "h.h.h.h.h.h.h.h."]),
        ("house", 118, 128, ["K...K...K...K...", "....C.......C...", "..o...o...o...o."]),
        ("techno", 125, 138, ["K...K...K...K...", "hhhhhhhhhhhhhhhh", "..r...r...r...r."]),
        ("breaks", 128, 140, ["K.........K.....", "....S..S.S..S...", "h.h.h.h.h.h.h.h."]),
        ("trap", 138, 152, ["K.......K..K....", "........S.......", "hhhhhhhhhhhhhhhh"]),
        ("dubstep", 138, 142, ["K...........K...", "........S.......", "h.h.h.h.h.h.h.h."]),
        ("footwork", 155, 165, ["K..K..K...K..K..", "....C.......C...", "h.h.h.h.h.h.h.h."]),
        ("dnb", 168, 178, ["K.........K.....", "....S.......S...", "h.h.h.h.h.h.h.h."]),
        ("jungle", 160, 180, ["K.........K.....", "....S..S....S.S.", "hhhhhhhhhhhhhhhh"]),
        ("afro", 100, 120, ["K.....K...K.....", "k..k..k...k.k...", "h.hhh.hhh.hhh.hh"]),
    ];

    public static IReadOnlyList<AccuracyItem> Write(string folder)
    {
        Directory.CreateDirectory(folder);
        var items = new List<AccuracyItem>();
        var n = 0;
        void Save(string group, string what, double? bpm, int? tonic, string? mode, bool oneShot, float[] x)
        {
            var file = (++n).ToString("D4", CultureInfo.InvariantCulture) + ".wav";
            var peak = x.Max(v => Math.Abs(v));
            if (peak > 0) for (var i = 0; i < x.Length; i++) x[i] = x[i] * 0.7f / peak;
            AudioFile.Write(Path.Combine(folder, file), AudioBuffer.Mono(x, Rate), new AudioWriteOptions(SampleFormat.Pcm16));
            items.Add(new AccuracyItem(file, group, what, bpm, tonic, mode, oneShot));
        }

        var rng = new Random(20261201);
        // Rhythmic loops: every genre at four tempos of its range, 2 or 4 bars.
        foreach (var (genre, lo, hi, lanes) in Genres)
        {
            for (var j = 0; j < 4; j++)
            {
                var bpm = Math.Round(lo + ((hi - lo) * j / 3.0), 1);
                var bars = j % 2 == 0 ? 2 : 4;
                Save("rhythm", $"{genre} {bpm.ToString(CultureInfo.InvariantCulture)}", bpm, null, null, false, DrumLoop(lanes, bpm, bars, rng.Next()));
            }
        }

        // Tonal material: every instrument over keys spread around the circle, major and minor.
        string[] instruments = ["piano", "rhodes", "strings", "pad", "bass"];
        var k = 0;
        foreach (var inst in instruments)
        {
            for (var t = 0; t < 12; t++)
            {
                var tonic = (t * 7 + k) % 12;
                var minor = t % 2 == 1;
                var bpm = 80 + (5 * ((t + k) % 13));
                var mode = minor ? "minor" : "major";
                if (inst == "bass")
                {
                    Save("tonal", $"bass line {Names[tonic]}{(minor ? "m" : "")}", bpm, tonic, mode, false, BassLine(tonic, minor, bpm, rng.Next()));
                    continue;
                }
                var kind = t % 3;
                if (kind == 0)
                    Save("tonal", $"{inst} cadence {Names[tonic]}{(minor ? "m" : "")}", bpm, tonic, mode, false, Progression(inst, tonic, minor, Cadence(minor), bpm));
                else if (kind == 1)
                    Save("tonal", $"{inst} progression {Names[tonic]}{(minor ? "m" : "")}", bpm, tonic, mode, false, Progression(inst, tonic, minor, Pop(minor), bpm));
                else
                    Save("tonal", $"{inst} stab {Names[tonic]}{(minor ? "m" : "")}", null, tonic, mode, true, Stab(inst, tonic, minor, rng.Next()));
            }
            k += 5;
        }

        // Single notes: a root without a mode.
        for (var t = 0; t < 12; t++)
        {
            var inst = instruments[t % instruments.Length];
            var midi = (inst == "bass" ? 36 : 60) + t;
            Save("note", $"{inst} note {Names[t]}", null, t, null, true, Note(inst, midi, 1.5, 2.0));
        }

        // Unpitched drums: one-shots and loops (no key expected).
        for (var i = 0; i < 6; i++)
        {
            Save("drums", "snare", null, null, null, true, Pad(Snare(0.35, rng.Next()), 0.5));
            Save("drums", "closed hat", null, null, null, true, Pad(Hat(0.04, rng.Next()), 0.3));
            Save("drums", "clap", null, null, null, true, Pad(Clap(rng.Next()), 0.5));
            Save("drums", "ride", null, null, null, true, Ride(2.0, rng.Next()));
            Save("drums", "conga", null, null, null, true, Pad(Conga(200 + (25 * i), rng.Next()), 0.5));
            Save("drums", "noise snare", null, null, null, true, Pad(Snare(0.6, rng.Next(), tone: 0), 0.8));
        }
        for (var i = 0; i < 6; i++)
        {
            var (genre, lo, hi, lanes) = Genres[(i * 5) % Genres.Length];
            var bpm = Math.Round((lo + hi) / 2, 1);
            Save("drums", $"drum loop {genre}", bpm, null, null, false, DrumLoop(lanes, bpm, 2, rng.Next()));
        }

        // One-shots that are long or sustained: 808s, Reese hits, long kicks, open hats, crashes.
        for (var i = 0; i < 6; i++)
        {
            Save("oneshot", "808", null, null, null, true, Bass808(33 + (2 * i), 1.5));
            Save("oneshot", "reese", null, null, null, true, Reese(31 + (2 * i), 1.2 + (0.2 * i)));
            Save("oneshot", "long kick", null, null, null, true, Kick(0.8 + (0.04 * i), 0.3 + (0.05 * i), rng.Next()));
            Save("oneshot", "open hat", null, null, null, true, Pad(Hat(0.35 + (0.05 * i), rng.Next()), 1.0));
            Save("oneshot", "crash", null, null, null, true, Ride(2.5, rng.Next(), crash: true));
        }
        return items;
    }

    // ───────────── patterns ─────────────

    private static int[][] Cadence(bool minor) => minor
        ? [[0, 3, 7], [5, 8, 12], [7, 11, 14], [0, 3, 7]]      // i iv V i (harmonic minor: raised seventh in V)
        : [[0, 4, 7], [5, 9, 12], [7, 11, 14], [0, 4, 7]];     // I IV V I

    private static int[][] Pop(bool minor) => minor
        ? [[0, 3, 7], [8, 12, 15], [3, 7, 10], [10, 14, 17]]   // i VI III VII
        : [[0, 4, 7], [7, 11, 14], [9, 12, 16], [5, 9, 12]];   // I V vi IV

    private static float[] Progression(string inst, int tonic, bool minor, int[][] chords, double bpm)
    {
        var beat = 60.0 / bpm;
        var chordSeconds = 4 * beat;
        var x = new float[(int)((chordSeconds * chords.Length + 0.5) * Rate)];
        var root = 48 + tonic;
        if (root > 54) root -= 12;
        for (var c = 0; c < chords.Length; c++)
        {
            var start = c * chordSeconds;
            foreach (var iv in chords[c]) AddNote(x, inst, root + 12 + iv, start, chordSeconds * 0.95, 0.3);
            AddNote(x, inst, root + chords[c][0] - (chords[c][0] >= 7 ? 12 : 0), start, chordSeconds * 0.95, 0.35); // bass note
        }
        return x;
    }

    private static float[] Stab(string inst, int tonic, bool minor, int seed)
    {
        // One chord, struck on a rhythm of two hits; voiced with the root in the bass.
        var rng = new Random(seed);
        var root = 48 + tonic;
        int[] chord = minor ? [0, 3, 7, 12] : [0, 4, 7, 12];
        var x = new float[(int)(1.6 * Rate)];
        var len = 0.9 + (0.3 * rng.NextDouble());
        foreach (var iv in chord) AddNote(x, inst, root + 12 + iv, 0, len, 0.3);
        AddNote(x, inst, root, 0, len, 0.35);
        return x;
    }

    private static float[] BassLine(int tonic, bool minor, double bpm, int seed)
    {
        var rng = new Random(seed);
        var beat = 60.0 / bpm;
        var bars = 2;
        var root = 36 + tonic;
        if (root > 43) root -= 12;
        int[] scale = minor ? [0, 3, 5, 7, 10, 12] : [0, 4, 5, 7, 9, 12];
        var x = new float[(int)((bars * 4 * beat + 0.3) * Rate)];
        for (var s = 0; s < bars * 8; s++)
        {
            var step = s * beat / 2;
            // The root on every downbeat, scale tones between.
            var iv = s % 4 == 0 ? 0 : scale[rng.Next(scale.Length)];
            if (s % 8 == 6) iv = 7;
            AddNote(x, "bass", root + iv, step, beat / 2 * 0.9, 0.5);
        }
        // A sustained root and third above to anchor the mode.
        AddNote(x, "pad", root + 24, 0, bars * 4 * beat, 0.08);
        AddNote(x, "pad", root + 24 + (minor ? 3 : 4), 0, bars * 4 * beat, 0.06);
        return x;
    }

    private static float[] DrumLoop(string[] lanes, double bpm, int bars, int seed)
    {
        var rng = new Random(seed);
        var step = 60.0 / bpm / 4;
        var x = new float[(int)Math.Round(bars * 16 * step * Rate)];
        for (var b = 0; b < bars; b++)
        {
            foreach (var lane in lanes)
            {
                for (var s = 0; s < 16; s++)
                {
                    var c = lane[s];
                    if (c == '.') continue;
                    var t = (b * 16 + s) * step;
                    var hit = c switch
                    {
                        'K' => Kick(0.35, 0.12, rng.Next()),
                        'S' => Snare(0.25, rng.Next()),
                        'C' => Clap(rng.Next()),
                        'h' => Scale(Hat(0.04, rng.Next()), s % 4 == 0 ? 0.3 : 0.18),
                        'o' => Scale(Hat(0.2, rng.Next()), 0.25),
                        'r' => Scale(Ride(0.6, rng.Next()), 0.2),
                        'k' => Scale(Conga(240 + (40 * (s % 3)), rng.Next()), 0.6),
                        _ => [],
                    };
                    Mix(x, hit, (int)Math.Round(t * Rate));
                }
            }
        }
        return x;
    }

    // ───────────── instruments ─────────────

    private static double Hz(double midi) => 440 * Math.Pow(2, (midi - 69) / 12.0);

    public static float[] Note(string inst, int midi, double seconds, double total)
    {
        var x = new float[(int)(total * Rate)];
        AddNote(x, inst, midi, 0, seconds, 0.5);
        return x;
    }

    private static void AddNote(float[] x, string inst, double midi, double start, double seconds, double amp)
    {
        var f0 = Hz(midi);
        var from = (int)(start * Rate);
        var release = inst is "piano" or "rhodes" ? 0.3 : 0.12;
        var len = Math.Min(x.Length - from, (int)((seconds + release) * Rate));
        (int Harmonics, Func<int, double> Amp, Func<int, double> Decay, double Attack, double B) model = inst switch
        {
            // Piano: strong second and third harmonics, higher partials decaying faster, stretched (B = 4e-4).
            "piano" => (14, h => h switch { 1 => 1.0, 2 => 0.9, 3 => 0.6, 4 => 0.35, _ => 0.5 / h }, h => 1.2 + (0.5 * h), 0.004, 4e-4),
            "rhodes" => (6, h => h switch { 1 => 1.0, 2 => 0.25, 3 => 0.08, _ => 0.02 }, h => 0.9 + (0.6 * h), 0.003, 0),
            "strings" => (16, h => 1.0 / h, _ => 0.05, 0.15, 0),
            "pad" => (10, h => 1.0 / h, _ => 0.02, 0.3, 0),
            "bass" => (10, h => 1.0 / Math.Pow(h, 1.1), h => 2.0 + (0.8 * h), 0.005, 0),
            _ => (1, _ => 1.0, _ => 1.0, 0.01, 0),
        };
        var voices = inst == "pad" ? new[] { -0.07, 0.0, 0.07 } : [0.0];
        for (var h = 1; h <= model.Harmonics; h++)
        {
            var a = model.Amp(h) * amp / voices.Length;
            var decay = model.Decay(h);
            foreach (var detune in voices)
            {
                var f = h * f0 * Math.Sqrt(1 + (model.B * h * h)) * Math.Pow(2, detune / 12);
                if (f > 10000) continue;
                var phase = h * 0.7;
                for (var i = 0; i < len; i++)
                {
                    var t = (double)i / Rate;
                    var env = Math.Min(1, t / model.Attack) * Math.Exp(-decay * t);
                    if (t > seconds) env *= Math.Exp(-(t - seconds) / (release / 4));
                    // Vibrato of ±0.3 % at 5.5 Hz, as a phase accumulator.
                    var vib = inst == "strings" ? 0.003 * Math.Sin(2 * Math.PI * 5.5 * t) : 0;
                    phase += 2 * Math.PI * f * (1 + vib) / Rate;
                    x[from + i] += (float)(a * env * Math.Sin(phase));
                }
            }
        }
        if (inst == "rhodes")
        {
            // The tine: a bell partial near 7.1 × f0 that dies within 100 ms.
            for (var i = 0; i < len; i++)
            {
                var t = (double)i / Rate;
                x[from + i] += (float)(0.15 * amp * Math.Exp(-30 * t) * Math.Sin(2 * Math.PI * 7.1 * f0 * t));
            }
        }
    }

    public static float[] Kick(double seconds, double decay, int seed)
    {
        var rng = new Random(seed);
        var x = new float[(int)(seconds * Rate)];
        var f1 = 150 + (30 * rng.NextDouble());
        var f2 = 45 + (10 * rng.NextDouble());
        double phase = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var t = (double)i / Rate;
            var f = f2 + ((f1 - f2) * Math.Exp(-t / 0.03));
            phase += 2 * Math.PI * f / Rate;
            var env = Math.Exp(-t / decay) * Math.Min(1, (seconds - t) / 0.01);
            x[i] = (float)((Math.Sin(phase) * env) + (0.2 * (rng.NextDouble() - 0.5) * Math.Exp(-t / 0.004)));
        }
        return x;
    }

    public static float[] Bass808(int midi, double seconds)
    {
        var x = new float[(int)(seconds * Rate)];
        var f0 = Hz(midi);
        double phase = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var t = (double)i / Rate;
            var f = f0 * (1 + Math.Exp(-t / 0.015));
            phase += 2 * Math.PI * f / Rate;
            var env = Math.Exp(-t / 0.6) * Math.Min(1, (seconds - t) / 0.02);
            x[i] = (float)Math.Tanh(2.5 * Math.Sin(phase) * env) * 0.8f;
        }
        return x;
    }

    public static float[] Reese(int midi, double seconds)
    {
        var x = new float[(int)((seconds + 0.3) * Rate)];
        var f0 = Hz(midi);
        for (var h = 1; h <= 12; h++)
        {
            foreach (var d in new[] { -0.12, 0.12 })
            {
                var f = h * f0 * Math.Pow(2, d / 12);
                for (var i = 0; i < x.Length; i++)
                {
                    var t = (double)i / Rate;
                    var env = Math.Min(1, t / 0.01) * (t < seconds ? 1 - (0.4 * t / seconds) : 0.6 * Math.Exp(-(t - seconds) / 0.05));
                    x[i] += (float)(env * 0.3 / h * Math.Sin(2 * Math.PI * f * t));
                }
            }
        }
        return x;
    }

    public static float[] Snare(double seconds, int seed, double tone = 1)
    {
        var rng = new Random(seed);
        var x = new float[(int)(seconds * Rate)];
        var f = 180 + (40 * rng.NextDouble());
        double prev = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var t = (double)i / Rate;
            var w = rng.NextDouble() - 0.5;
            var hp = w - prev;
            prev = w;
            x[i] = (float)((0.8 * hp * Math.Exp(-t / 0.07)) + (tone * 0.5 * Math.Sin(2 * Math.PI * f * t) * Math.Exp(-t / 0.04)));
        }
        return x;
    }

    public static float[] Clap(int seed)
    {
        var rng = new Random(seed);
        var x = new float[(int)(0.3 * Rate)];
        double prev = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var t = (double)i / Rate;
            var w = rng.NextDouble() - 0.5;
            var bp = w - prev;
            prev = w;
            var burst = t < 0.03 ? (((int)(t / 0.01)) % 1 == 0 ? Math.Exp(-(t % 0.01) / 0.003) : 0) : Math.Exp(-(t - 0.03) / 0.08);
            x[i] = (float)(bp * burst);
        }
        return x;
    }

    public static float[] Hat(double decay, int seed)
    {
        var rng = new Random(seed);
        var x = new float[(int)((decay * 5 + 0.01) * Rate)];
        double p1 = 0, p2 = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var t = (double)i / Rate;
            var w = rng.NextDouble() - 0.5;
            var hp = w - (2 * p1) + p2; // second difference: a steep high-pass
            p2 = p1;
            p1 = w;
            x[i] = (float)(0.5 * hp * Math.Exp(-t / decay));
        }
        return x;
    }

    public static float[] Ride(double seconds, int seed, bool crash = false)
    {
        var rng = new Random(seed);
        var x = new float[(int)(seconds * Rate)];
        var partials = Enumerable.Range(0, 12).Select(_ => 2500 + (6000 * rng.NextDouble())).ToArray();
        var phases = partials.Select(_ => rng.NextDouble() * 2 * Math.PI).ToArray();
        double prev = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var t = (double)i / Rate;
            double s = 0;
            for (var p = 0; p < partials.Length; p++) s += Math.Sin((2 * Math.PI * partials[p] * t) + phases[p]);
            var w = rng.NextDouble() - 0.5;
            var hp = w - prev;
            prev = w;
            var env = Math.Exp(-t / (crash ? 0.8 : 0.5));
            x[i] = (float)(env * ((crash ? 0.02 : 0.04) * s + ((crash ? 0.9 : 0.4) * hp)) * Math.Min(1, (seconds - t) / 0.02));
        }
        return x;
    }

    public static float[] Conga(double hz, int seed)
    {
        var rng = new Random(seed);
        var x = new float[(int)(0.35 * Rate)];
        double phase = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var t = (double)i / Rate;
            var f = hz * (1 + (0.15 * Math.Exp(-t / 0.02)));
            phase += 2 * Math.PI * f / Rate;
            x[i] = (float)((Math.Sin(phase) * Math.Exp(-t / 0.08)) + (0.3 * (rng.NextDouble() - 0.5) * Math.Exp(-t / 0.01)));
        }
        return x;
    }

    private static float[] Pad(float[] x, double seconds)
    {
        var y = new float[Math.Max(x.Length, (int)(seconds * Rate))];
        x.CopyTo(y, 0);
        return y;
    }

    private static float[] Scale(float[] x, double g)
    {
        for (var i = 0; i < x.Length; i++) x[i] *= (float)g;
        return x;
    }

    private static void Mix(float[] into, float[] x, int at)
    {
        for (var i = 0; i < x.Length && at + i < into.Length; i++) into[at + i] += x[i];
    }
}
