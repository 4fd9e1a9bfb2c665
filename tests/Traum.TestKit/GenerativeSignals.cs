namespace Traum.TestKit;

/// <summary>Small synthetic stem categories for training tests and benchmarks: deterministic, seeded.</summary>
public static class GenerativeSignals
{
    /// <summary>
    /// A bass note: MIDI <paramref name="midi"/> fundamental plus 2nd and 3rd harmonics (1, 1/2, 1/3), 10 ms attack,
    /// exponential decay (τ = 0.6 s), peak 0.5.
    /// </summary>
    public static float[] BassNote(int midi, double seconds, int sampleRate)
    {
        var f = Signals.MidiToHz(midi);
        var n = (int)Math.Round(seconds * sampleRate);
        var x = new float[n];
        for (var i = 0; i < n; i++)
        {
            var t = (double)i / sampleRate;
            var env = Math.Min(1, t / 0.01) * Math.Exp(-t / 0.6);
            double v = 0;
            for (var h = 1; h <= 3; h++) v += Math.Sin(2 * Math.PI * f * h * t) / h;
            x[i] = (float)(env * v);
        }
        return Signals.Normalize(x, 0.5);
    }

    /// <summary>
    /// A hi-hat pattern: seeded white-noise bursts, first-differenced (a high-pass), decaying with τ = <paramref name="decay"/>
    /// seconds, one every <paramref name="interval"/> seconds, peak 0.5.
    /// </summary>
    public static float[] Hats(double seconds, int sampleRate, double interval = 0.25, double decay = 0.03, int seed = 1)
    {
        var n = (int)Math.Round(seconds * sampleRate);
        var rng = new Random(seed);
        var x = new float[n];
        var period = (int)Math.Round(interval * sampleRate);
        double prev = 0;
        for (var i = 0; i < n; i++)
        {
            var t = (double)(i % period) / sampleRate;
            var w = (rng.NextDouble() * 2) - 1;
            x[i] = (float)((w - prev) * Math.Exp(-t / decay));
            prev = w;
        }
        return Signals.Normalize(x, 0.5);
    }

    /// <summary><paramref name="count"/> bass notes at MIDI 33, 34, 35… (semitones, cycling over two octaves), each <paramref name="seconds"/> long.</summary>
    public static IReadOnlyList<float[]> BassCategory(int count, double seconds, int sampleRate) =>
        Enumerable.Range(0, count).Select(i => BassNote(33 + (i % 24), seconds, sampleRate)).ToList();

    /// <summary><paramref name="count"/> hat patterns with different seeds and decays.</summary>
    public static IReadOnlyList<float[]> HatCategory(int count, double seconds, int sampleRate) =>
        Enumerable.Range(0, count).Select(i => Hats(seconds, sampleRate, 0.25, 0.02 + (0.01 * (i % 4)), 10 + i)).ToList();
}
