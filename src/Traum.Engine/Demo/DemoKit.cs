using Traum.Audio;
using Traum.Audio.IO;

namespace Traum.Engine.Demo;

/// <summary>One synthesized file of the demo kit and what it was made to be.</summary>
/// <param name="RelativePath">Path under the kit folder, e.g. "bass/bass_Am_124bpm_1.wav".</param>
/// <param name="Category">kick, snare, hat, drums, bass, pad, lead, vocal, mix.</param>
/// <param name="Key">Tonic and mode, e.g. "Am", or null for unpitched sounds.</param>
/// <param name="Bpm">Tempo of loops, or null for one-shots.</param>
/// <param name="Seconds">Duration in seconds.</param>
public sealed record DemoKitItem(string RelativePath, string Category, string? Key, double? Bpm, double Seconds);

/// <summary>
/// Synthesizes the demo kit deterministically (same bytes every run): kicks, snares, hats, drum loops, bass lines,
/// pads, leads and vocal-like formant sweeps over several tempos, keys and timbres, plus full mixes built from them.
/// All audio is 44 100 Hz; one-shots and stems are mono, mixes stereo.
/// </summary>
public static class DemoKit
{
    /// <summary>Sample rate of every kit file in Hz.</summary>
    public const int SampleRate = 44100;

    private static readonly IReadOnlyList<string> NoteNames = Traum.Core.KeyNames.Tonics;

    /// <summary>(tonic pitch class, minor?, bpm) of the loop sets.</summary>
    private static readonly (int Tonic, bool Minor, double Bpm)[] Sets =
    [
        (9, true, 124), (0, false, 120), (2, true, 90), (7, false, 128), (4, true, 174), (5, false, 100),
    ];

    /// <summary>Writes the kit under <paramref name="folder"/> and returns what was written.</summary>
    public static IReadOnlyList<DemoKitItem> Write(string folder, CancellationToken cancellationToken = default)
    {
        var items = new List<DemoKitItem>();
        void Save(string rel, string category, string? key, double? bpm, float[][] channels)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = Path.Combine(folder, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var buffer = new AudioBuffer(channels, SampleRate);
            AudioFile.Write(path, buffer, new AudioWriteOptions(SampleFormat.Pcm16));
            items.Add(new DemoKitItem(rel.Replace('\\', '/'), category, key, bpm, buffer.Duration));
        }

        for (var i = 0; i < 6; i++)
        {
            Save($"kick/kick_{i + 1}.wav", "kick", null, null, [Kick(0.6 + (0.1 * (i % 3)), 110 + (15 * i), 42 + (3 * i), 0.12 + (0.05 * (i % 2)))]);
            Save($"snare/snare_{i + 1}.wav", "snare", null, null, [Snare(0.4, 170 + (12 * i), 0.09 + (0.02 * i), 100 + i)]);
            Save($"hat/hat_{(i % 2 == 0 ? "closed" : "open")}_{i + 1}.wav", "hat", null, null, [Hat(i % 2 == 0 ? 0.12 : 0.45, i % 2 == 0 ? 0.025 : 0.12, 200 + i)]);
        }

        for (var s = 0; s < Sets.Length; s++)
        {
            var (tonic, minor, bpm) = Sets[s];
            var key = NoteNames[tonic] + (minor ? "m" : "");
            var tag = $"{key}_{(int)bpm}bpm";
            Save($"drums/drumloop_{(int)bpm}bpm_{s + 1}.wav", "drums", null, bpm, [DrumLoop(bpm, 2, 300 + s)]);
            Save($"bass/bass_{tag}.wav", "bass", key, bpm, [BassLine(tonic, minor, bpm, 2, s)]);
            Save($"pad/pad_{tag}.wav", "pad", key, bpm, [Pad(tonic, minor, bpm, 2, s)]);
            Save($"lead/lead_{tag}.wav", "lead", key, bpm, [Lead(tonic, minor, bpm, 2, 400 + s)]);
            Save($"vocal/vox_sweep_{key}_{s + 1}.wav", "vocal", key, null, [FormantSweep(NoteHz(48 + tonic + 12), 2.5, s)]);
        }

        for (var m = 0; m < 3; m++)
        {
            var (tonic, minor, bpm) = Sets[m];
            var key = NoteNames[tonic] + (minor ? "m" : "");
            Save($"mix/mix_{key}_{(int)bpm}bpm.wav", "mix", key, bpm, Mix(tonic, minor, bpm, 4, m));
        }
        return items;
    }

    /// <summary>Equal-tempered frequency of MIDI note <paramref name="note"/> in Hz.</summary>
    public static double NoteHz(int note) => 440.0 * Math.Pow(2, (note - 69) / 12.0);

    private static int[] Scale(bool minor) => minor ? [0, 2, 3, 5, 7, 8, 10] : [0, 2, 4, 5, 7, 9, 11];

    private static float[] Kick(double seconds, double startHz, double endHz, double decay)
    {
        var n = (int)(seconds * SampleRate);
        var x = new float[n];
        double phase = 0;
        for (var i = 0; i < n; i++)
        {
            var t = (double)i / SampleRate;
            var f = endHz + ((startHz - endHz) * Math.Exp(-t / 0.025));
            phase += 2 * Math.PI * f / SampleRate;
            x[i] = (float)(0.9 * Math.Exp(-t / decay) * Math.Sin(phase));
        }
        return x;
    }

    private static float[] Snare(double seconds, double toneHz, double decay, int seed)
    {
        var rng = new Random(seed);
        var n = (int)(seconds * SampleRate);
        var x = new float[n];
        double lp = 0, prev = 0;
        for (var i = 0; i < n; i++)
        {
            var t = (double)i / SampleRate;
            var noise = (rng.NextDouble() * 2) - 1;
            lp += 0.35 * (noise - lp);
            var bright = noise - prev;
            prev = noise;
            var tone = Math.Sin(2 * Math.PI * toneHz * t) * Math.Exp(-t / 0.05);
            x[i] = (float)(0.8 * ((0.5 * tone) + (0.6 * ((0.6 * lp) + (0.4 * bright)) * Math.Exp(-t / decay))));
        }
        return x;
    }

    private static float[] Hat(double seconds, double decay, int seed)
    {
        var rng = new Random(seed);
        var n = (int)(seconds * SampleRate);
        var x = new float[n];
        double prev = 0, hp = 0;
        for (var i = 0; i < n; i++)
        {
            var t = (double)i / SampleRate;
            var noise = (rng.NextDouble() * 2) - 1;
            hp = 0.6 * (hp + noise - prev);
            prev = noise;
            x[i] = (float)(0.5 * hp * Math.Exp(-t / decay));
        }
        return x;
    }

    private static float[] DrumLoop(double bpm, int bars, int seed)
    {
        var beat = 60.0 / bpm;
        var n = (int)(bars * 4 * beat * SampleRate);
        var x = new float[n];
        var kick = Kick(0.4, 120, 45, 0.12);
        var snare = Snare(0.3, 185, 0.1, seed);
        var hat = Hat(0.08, 0.02, seed + 1);
        for (var step = 0; step < bars * 8; step++)
        {
            var at = (int)(step * beat / 2 * SampleRate);
            if (step % 8 is 0 or 3 or 5) Add(x, kick, at, 1.0);
            if (step % 8 is 2 or 6) Add(x, snare, at, 0.9);
            Add(x, hat, at, step % 2 == 0 ? 0.6 : 0.35);
        }
        return Limit(x);
    }

    private static float[] BassLine(int tonic, bool minor, double bpm, int bars, int variant)
    {
        var beat = 60.0 / bpm;
        var n = (int)(bars * 4 * beat * SampleRate);
        var x = new float[n];
        var sc = Scale(minor);
        int[] degrees = variant % 2 == 0 ? [0, 0, 2, 0, 4, 0, 2, 4] : [0, 2, 0, 4, 0, 0, 2, 4];
        var stepLen = (int)(beat / 2 * SampleRate);
        double phase = 0, lp = 0;
        var cutoff = 0.025 + (0.01 * (variant % 3));
        for (var i = 0; i < n; i++)
        {
            var step = i / stepLen;
            var d = degrees[step % degrees.Length];
            var note = 36 + tonic + sc[d % 7] + (12 * (d / 7));
            phase += NoteHz(note) / SampleRate;
            phase -= Math.Floor(phase);
            var saw = (2 * phase) - 1;
            lp += cutoff * (saw - lp);
            var pos = (double)(i % stepLen) / SampleRate;
            var env = Math.Exp(-pos / (0.6 * beat)) * Math.Min(1, pos / 0.003);
            x[i] = (float)(0.8 * lp * env);
        }
        return Limit(x);
    }

    private static float[] Pad(int tonic, bool minor, double bpm, int bars, int variant)
    {
        var beat = 60.0 / bpm;
        var n = (int)(bars * 4 * beat * SampleRate);
        var x = new float[n];
        var third = minor ? 3 : 4;
        int[] chord = [48 + tonic, 48 + tonic + third, 48 + tonic + 7, 60 + tonic];
        var phases = new double[chord.Length * 2];
        double lp = 0;
        var cutoff = 0.02 + (0.01 * variant);
        for (var i = 0; i < n; i++)
        {
            double s = 0;
            for (var v = 0; v < chord.Length; v++)
            {
                for (var d = 0; d < 2; d++)
                {
                    ref var ph = ref phases[(v * 2) + d];
                    ph += NoteHz(chord[v]) * (d == 0 ? 0.998 : 1.002) / SampleRate;
                    ph -= Math.Floor(ph);
                    s += (2 * ph) - 1;
                }
            }
            lp += cutoff * (s - lp);
            var t = (double)i / SampleRate;
            var env = Math.Min(1, t / 0.4) * Math.Min(1, (n - i) / (0.3 * SampleRate));
            x[i] = (float)(0.12 * lp * env);
        }
        return Limit(x);
    }

    private static float[] Lead(int tonic, bool minor, double bpm, int bars, int seed)
    {
        var rng = new Random(seed);
        var beat = 60.0 / bpm;
        var n = (int)(bars * 4 * beat * SampleRate);
        var x = new float[n];
        var sc = Scale(minor);
        var stepLen = (int)(beat / 2 * SampleRate);
        var steps = (n / stepLen) + 1;
        var melody = new int[steps];
        var deg = 0;
        for (var s = 0; s < steps; s++)
        {
            deg = Math.Clamp(deg + rng.Next(-2, 3), 0, 9);
            melody[s] = s % 8 == 0 ? 0 : deg;
        }
        double phase = 0;
        for (var i = 0; i < n; i++)
        {
            var step = i / stepLen;
            var d = melody[step];
            var note = 72 + tonic + sc[d % 7] + (12 * (d / 7));
            var t = (double)i / SampleRate;
            var vib = 1 + (0.004 * Math.Sin(2 * Math.PI * 5.5 * t));
            phase += NoteHz(note) * vib / SampleRate;
            phase -= Math.Floor(phase);
            var square = phase < 0.5 ? 1.0 : -1.0;
            var pos = (double)(i % stepLen) / SampleRate;
            var env = Math.Min(1, pos / 0.01) * Math.Exp(-pos / (0.8 * beat));
            x[i] = (float)(0.3 * square * env);
        }
        return Limit(x);
    }

    /// <summary>A glottal-like pulse train through two moving formant resonators (a → i → u).</summary>
    private static float[] FormantSweep(double pitchHz, double seconds, int variant)
    {
        var n = (int)(seconds * SampleRate);
        var x = new float[n];
        (double F1, double F2)[] vowels = [(800, 1200), (300, 2300), (350, 800)];
        double phase = 0;
        double y1a = 0, y2a = 0, y1b = 0, y2b = 0;
        for (var i = 0; i < n; i++)
        {
            var t = (double)i / n * (vowels.Length - 1);
            var k = Math.Min((int)t, vowels.Length - 2);
            var frac = t - k;
            var f1 = vowels[k].F1 + ((vowels[k + 1].F1 - vowels[k].F1) * frac);
            var f2 = vowels[k].F2 + ((vowels[k + 1].F2 - vowels[k].F2) * frac);
            var vib = 1 + (0.01 * Math.Sin(2 * Math.PI * (5 + variant * 0.3) * i / SampleRate));
            phase += pitchHz * vib / SampleRate;
            phase -= Math.Floor(phase);
            var src = (2 * phase) - 1;
            var a = Resonate(src, f1, 80, ref y1a, ref y2a);
            var b = Resonate(src, f2, 120, ref y1b, ref y2b);
            var env = Math.Min(1, (double)i / (0.05 * SampleRate)) * Math.Min(1, (double)(n - i) / (0.1 * SampleRate));
            x[i] = (float)(((0.6 * a) + (0.4 * b)) * env);
        }
        return Limit(x);
    }

    private static double Resonate(double input, double freq, double bandwidth, ref double y1, ref double y2)
    {
        var r = Math.Exp(-Math.PI * bandwidth / SampleRate);
        var c = 2 * r * Math.Cos(2 * Math.PI * freq / SampleRate);
        var y = ((1 - r) * input) + (c * y1) - (r * r * y2);
        y2 = y1;
        y1 = y;
        return y;
    }

    private static float[][] Mix(int tonic, bool minor, double bpm, int bars, int seed)
    {
        var drums = DrumLoop(bpm, bars, 500 + seed);
        var bass = BassLine(tonic, minor, bpm, bars, seed);
        var pad = Pad(tonic, minor, bpm, bars, seed);
        var lead = Lead(tonic, minor, bpm, bars, 600 + seed);
        var n = new[] { drums.Length, bass.Length, pad.Length, lead.Length }.Min();
        var l = new float[n];
        var r = new float[n];
        for (var i = 0; i < n; i++)
        {
            l[i] = (0.45f * drums[i]) + (0.4f * bass[i]) + (0.3f * pad[i]) + (0.25f * lead[i]);
            r[i] = (0.45f * drums[i]) + (0.4f * bass[i]) + (0.25f * pad[i]) + (0.3f * lead[i]);
        }
        var peak = Math.Max(l.Max(Math.Abs), r.Max(Math.Abs));
        if (peak > 0.9f)
        {
            var g = 0.9f / peak;
            for (var i = 0; i < n; i++)
            {
                l[i] *= g;
                r[i] *= g;
            }
        }
        return [l, r];
    }

    private static void Add(float[] dst, float[] src, int at, double gain)
    {
        for (var i = 0; i < src.Length && at + i < dst.Length; i++) dst[at + i] += (float)(gain * src[i]);
    }

    private static float[] Limit(float[] x)
    {
        var peak = 0f;
        foreach (var v in x) peak = Math.Max(peak, Math.Abs(v));
        if (peak > 0.89f)
        {
            var g = 0.89f / peak;
            for (var i = 0; i < x.Length; i++) x[i] *= g;
        }
        return x;
    }
}
