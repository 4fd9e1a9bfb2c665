namespace Traum.TestKit;

/// <summary>Deterministic test signals with known properties. Amplitudes are linear (1 = full scale).</summary>
public static class Signals
{
    /// <summary>A sine of <paramref name="frequency"/> Hz, <paramref name="seconds"/> long.</summary>
    public static float[] Sine(double frequency, double seconds, int sampleRate, double amplitude = 0.5, double phase = 0)
    {
        var n = (int)Math.Round(seconds * sampleRate);
        var x = new float[n];
        for (var i = 0; i < n; i++) x[i] = (float)(amplitude * Math.Sin((2 * Math.PI * frequency * i / sampleRate) + phase));
        return x;
    }

    /// <summary>Uniform white noise in [-amplitude, amplitude], seeded.</summary>
    public static float[] WhiteNoise(double seconds, int sampleRate, double amplitude = 0.5, int seed = 1)
    {
        var rng = new Random(seed);
        var n = (int)Math.Round(seconds * sampleRate);
        var x = new float[n];
        for (var i = 0; i < n; i++) x[i] = (float)(amplitude * ((rng.NextDouble() * 2) - 1));
        return x;
    }

    /// <summary>Pink (1/f) noise by Paul Kellett's refined filter over seeded white noise, peak-normalised to <paramref name="amplitude"/>.</summary>
    public static float[] PinkNoise(double seconds, int sampleRate, double amplitude = 0.5, int seed = 1)
    {
        var w = WhiteNoise(seconds, sampleRate, 1, seed);
        double b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
        var y = new float[w.Length];
        for (var i = 0; i < w.Length; i++)
        {
            double white = w[i];
            b0 = (0.99886 * b0) + (white * 0.0555179);
            b1 = (0.99332 * b1) + (white * 0.0750759);
            b2 = (0.96900 * b2) + (white * 0.1538520);
            b3 = (0.86650 * b3) + (white * 0.3104856);
            b4 = (0.55000 * b4) + (white * 0.5329522);
            b5 = (-0.7616 * b5) - (white * 0.0168980);
            y[i] = (float)(b0 + b1 + b2 + b3 + b4 + b5 + b6 + (white * 0.5362));
            b6 = white * 0.115926;
        }
        return Normalize(y, amplitude);
    }

    /// <summary>A click track: short decaying noise-free clicks (1 kHz burst, 10 ms) at <paramref name="bpm"/>.</summary>
    public static float[] ClickTrack(double bpm, double seconds, int sampleRate, double amplitude = 0.8)
    {
        var n = (int)Math.Round(seconds * sampleRate);
        var x = new float[n];
        var period = 60.0 / bpm * sampleRate;
        var clickLen = (int)(0.01 * sampleRate);
        for (var k = 0; ; k++)
        {
            var start = (int)Math.Round(k * period);
            if (start >= n) break;
            for (var i = 0; i < clickLen && start + i < n; i++)
            {
                var env = Math.Exp(-i / (0.002 * sampleRate));
                x[start + i] += (float)(amplitude * env * Math.Sin(2 * Math.PI * 1000 * i / sampleRate));
            }
        }
        return x;
    }

    /// <summary>Frequency in Hz of a MIDI note number (A4 = 69 = 440 Hz).</summary>
    public static double MidiToHz(int note) => 440.0 * Math.Pow(2, (note - 69) / 12.0);

    /// <summary>Sum of sines (with 3 decaying harmonics each) for the given MIDI notes, peak-normalised.</summary>
    public static float[] Chord(IReadOnlyList<int> midiNotes, double seconds, int sampleRate, double amplitude = 0.5)
    {
        ArgumentNullException.ThrowIfNull(midiNotes);
        var n = (int)Math.Round(seconds * sampleRate);
        var x = new float[n];
        foreach (var note in midiNotes)
        {
            var f = MidiToHz(note);
            for (var h = 1; h <= 3; h++)
            {
                if (f * h >= sampleRate / 2.0) break;
                var a = 1.0 / h;
                for (var i = 0; i < n; i++) x[i] += (float)(a * Math.Sin(2 * Math.PI * f * h * i / sampleRate));
            }
        }
        return Normalize(x, amplitude);
    }

    /// <summary>Concatenation of chords, each <paramref name="secondsEach"/> long with 5 ms fades to avoid clicks.</summary>
    public static float[] Progression(IReadOnlyList<int[]> chords, double secondsEach, int sampleRate, double amplitude = 0.5)
    {
        ArgumentNullException.ThrowIfNull(chords);
        var parts = chords.Select(c => Fade(Chord(c, secondsEach, sampleRate, amplitude), (int)(0.005 * sampleRate))).ToList();
        return parts.SelectMany(p => p).ToArray();
    }

    /// <summary>A drum-like hit: exponentially decaying sine sweep plus noise, <paramref name="seconds"/> long.</summary>
    public static float[] DrumHit(double seconds, int sampleRate, double startHz = 150, double endHz = 50, double noise = 0.1, int seed = 1, double decay = 0.15)
    {
        var n = (int)Math.Round(seconds * sampleRate);
        var rng = new Random(seed);
        var x = new float[n];
        double phase = 0;
        for (var i = 0; i < n; i++)
        {
            var t = (double)i / sampleRate;
            var f = endHz + ((startHz - endHz) * Math.Exp(-t / 0.03));
            phase += 2 * Math.PI * f / sampleRate;
            var env = Math.Exp(-t / decay);
            x[i] = (float)(env * ((0.9 * Math.Sin(phase)) + (noise * ((rng.NextDouble() * 2) - 1))));
        }
        return x;
    }

    /// <summary>Scales so that the peak is <paramref name="amplitude"/> (silence stays silence).</summary>
    public static float[] Normalize(float[] x, double amplitude)
    {
        ArgumentNullException.ThrowIfNull(x);
        var peak = 0f;
        foreach (var v in x) peak = Math.Max(peak, Math.Abs(v));
        if (peak == 0) return x;
        var g = (float)(amplitude / peak);
        for (var i = 0; i < x.Length; i++) x[i] *= g;
        return x;
    }

    /// <summary>Linear fade-in and fade-out of <paramref name="samples"/> each, in place.</summary>
    public static float[] Fade(float[] x, int samples)
    {
        ArgumentNullException.ThrowIfNull(x);
        var m = Math.Min(samples, x.Length / 2);
        for (var i = 0; i < m; i++)
        {
            var g = (float)i / m;
            x[i] *= g;
            x[x.Length - 1 - i] *= g;
        }
        return x;
    }
}
