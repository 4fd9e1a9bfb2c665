using Traum.TestKit;
using static TorchSharp.torch;

namespace Traum.Audio.Tests.Descriptors;

/// <summary>Synthesized signals with known musical and spectral content for the descriptor tests.</summary>
internal static class DescriptorSignals
{
    /// <summary>A snare-like hit: 200 Hz tone plus white noise, decaying with a 60 ms time constant.</summary>
    public static float[] Snare(double seconds, int sampleRate, int seed = 2)
    {
        var n = (int)Math.Round(seconds * sampleRate);
        var rng = new Random(seed);
        var x = new float[n];
        for (var i = 0; i < n; i++)
        {
            var t = (double)i / sampleRate;
            var env = Math.Exp(-t / 0.06);
            x[i] = (float)(env * ((0.4 * Math.Sin(2 * Math.PI * 200 * t)) + (0.6 * ((rng.NextDouble() * 2) - 1))));
        }
        return x;
    }

    /// <summary>A hi-hat-like hit: first difference of white noise (a high-pass), decaying with a 20 ms time constant.</summary>
    public static float[] Hat(double seconds, int sampleRate, int seed = 3)
    {
        var n = (int)Math.Round(seconds * sampleRate);
        var rng = new Random(seed);
        var x = new float[n];
        var previous = 0.0;
        for (var i = 0; i < n; i++)
        {
            var t = (double)i / sampleRate;
            var w = (rng.NextDouble() * 2) - 1;
            x[i] = (float)(Math.Exp(-t / 0.02) * 0.5 * (w - previous));
            previous = w;
        }
        return x;
    }

    /// <summary>Adds <paramref name="hit"/> × <paramref name="gain"/> into <paramref name="mix"/> starting at sample <paramref name="at"/>.</summary>
    public static void Place(float[] mix, float[] hit, int at, double gain = 1)
    {
        for (var i = 0; i < hit.Length && at + i < mix.Length; i++) mix[at + i] += (float)(gain * hit[i]);
    }

    /// <summary>
    /// Kick on beats 1 and 3, snare on 2 and 4, closed hat on every eighth note, for <paramref name="bars"/> bars of 4/4
    /// at <paramref name="bpm"/>; peak-normalised to 0.8.
    /// </summary>
    public static float[] DrumPattern(double bpm, int bars, int sampleRate)
    {
        var beat = 60.0 / bpm * sampleRate;
        var n = (int)Math.Round(bars * 4 * beat);
        var mix = new float[n];
        var kick = Signals.DrumHit(0.3, sampleRate);
        var snare = Snare(0.2, sampleRate);
        var hat = Hat(0.08, sampleRate);
        for (var b = 0; b < bars * 4; b++)
        {
            var at = (int)Math.Round(b * beat);
            Place(mix, b % 2 == 0 ? kick : snare, at);
            Place(mix, hat, at, 0.5);
            Place(mix, hat, (int)Math.Round((b + 0.5) * beat), 0.5);
        }
        return Signals.Normalize(mix, 0.8);
    }

    /// <summary>
    /// A drum loop from 16-step lanes per bar of 4/4 at <paramref name="bpm"/>: 'K' kick, 'S' snare, 'h' closed hat (at half
    /// gain). Peak-normalised to 0.8.
    /// </summary>
    public static float[] StepPattern(double bpm, int bars, int sampleRate, params string[] lanes)
    {
        var step = 60.0 / bpm / 4 * sampleRate;
        var mix = new float[(int)Math.Round(bars * 16 * step)];
        var kick = Signals.DrumHit(0.3, sampleRate);
        var snare = Snare(0.2, sampleRate);
        var hat = Hat(0.05, sampleRate);
        for (var b = 0; b < bars; b++)
        {
            foreach (var lane in lanes)
            {
                for (var s = 0; s < 16; s++)
                {
                    var at = (int)Math.Round(((b * 16) + s) * step);
                    switch (lane[s])
                    {
                        case 'K': Place(mix, kick, at); break;
                        case 'S': Place(mix, snare, at); break;
                        case 'h': Place(mix, hat, at, 0.4); break;
                    }
                }
            }
        }
        return Signals.Normalize(mix, 0.8);
    }

    /// <summary>Single notes (each with 3 harmonics) one after another, <paramref name="secondsEach"/> each.</summary>
    public static float[] Melody(IReadOnlyList<int> midiNotes, double secondsEach, int sampleRate)
        => Signals.Progression(midiNotes.Select(m => new[] { m }).ToList(), secondsEach, sampleRate);

    /// <summary>
    /// Noise with a flat spectrum between <paramref name="lowHz"/> and <paramref name="highHz"/> and nothing outside:
    /// seeded Gaussian noise, brick-wall filtered with one FFT over the whole signal (TorchSharp).
    /// </summary>
    public static float[] BandLimitedNoise(double lowHz, double highHz, double seconds, int sampleRate, int seed = 5)
    {
        using var scope = NewDisposeScope();
        var n = (int)Math.Round(seconds * sampleRate);
        var rng = new Random(seed);
        var x = new float[n];
        for (var i = 0; i < n; i++)
        {
            // Box-Muller.
            var u1 = 1.0 - rng.NextDouble();
            var u2 = rng.NextDouble();
            x[i] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        var spectrum = fft.rfft(tensor(x));
        var bins = (int)spectrum.shape[0];
        var freqs = arange(bins, dtype: float32) * (float)((double)sampleRate / n);
        var mask = logical_and(freqs.ge(lowHz), freqs.le(highHz)).to_type(complex64);
        var y = fft.irfft(spectrum * mask, n).to_type(float32);
        return Signals.Normalize(y.data<float>().ToArray(), 0.5);
    }
}
