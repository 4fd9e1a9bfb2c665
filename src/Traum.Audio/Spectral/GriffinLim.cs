using System.Numerics.Tensors;

namespace Traum.Audio.Spectral;

/// <summary>
/// Phase reconstruction on Traum's own STFT (no libtorch, frames split over the processors, no allocation per iteration): fast
/// Griffin-Lim (Perraudin et al. 2013) with librosa's momentum update, the random-phase inverse, and the spectral
/// convergence of a result. Magnitudes are planar <c>[bins, frames]</c> (index f·frames + t), centred transforms only.
/// </summary>
public static class GriffinLim
{
    /// <summary>
    /// Fast Griffin-Lim: starting from a seeded random phase, <paramref name="iterations"/> times take the spectrum X of
    /// the inverse of |S|·phase, and set the phase to that of X − momentum/(1 + momentum)·X_previous (0 where it is 0);
    /// momentum 0 is the classic algorithm. Returns <paramref name="length"/> samples. The frames are split over
    /// <paramref name="threads"/> workers (0: one per processor); the result is the same for any number of them.
    /// </summary>
    /// <exception cref="ArgumentException">The magnitude does not hold bins × frames values, or frames do not match the length.</exception>
    public static float[] Reconstruct(ReadOnlySpan<float> magnitude, int frames, StftOptions options, int length,
        int iterations = 64, double momentum = 0.99, int seed = 0, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        if (momentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be in [0, 1).");
        Validate(magnitude.Length, frames, options, length);
        var stft = new FrameStft(options, length, threads);
        var bins = options.Bins;
        // Frame-major interleaved throughout: the magnitude doubled onto (re, im), the phase as unit complex values.
        var gain = new float[stft.SpectrumLength];
        var phase = new float[stft.SpectrumLength];
        var (phaseRe, phaseIm) = RandomUnitPhase(magnitude.Length, seed);
        for (var f = 0; f < bins; f++)
        {
            for (var t = 0; t < frames; t++)
            {
                var src = (f * frames) + t;
                var dst = 2 * ((t * bins) + f);
                gain[dst] = gain[dst + 1] = magnitude[src];
                phase[dst] = phaseRe[src];
                phase[dst + 1] = phaseIm[src];
            }
        }
        var next = new float[stft.SpectrumLength];
        var previous = new float[stft.SpectrumLength];
        var signal = new float[length];
        var weight = (float)(momentum / (1 + momentum));
        var row = stft.Row;
        // The first inverse, then per iteration one pass over every frame (forward FFT of the current signal, phase
        // update, inverse FFT of |S|·phase) and one overlap-add: two waits for the workers per iteration.
        stft.ForEachWorker(w =>
        {
            for (var t = w.FirstFrame; t < w.EndFrame; t++)
            {
                TensorPrimitives.Multiply(gain.AsSpan(t * row, row), phase.AsSpan(t * row, row), w.Spectrum);
                stft.InverseFrame(w, t);
            }
        });
        stft.OverlapAdd(signal);
        for (var it = 0; it < iterations; it++)
        {
            // update = next − w·previous (plain next the first time), normalised to unit length.
            var accelerate = it > 0 && weight > 0;
            var (cur, prev) = (next, previous);
            stft.ForEachWorker(w =>
            {
                for (var t = w.FirstFrame; t < w.EndFrame; t++)
                {
                    var x = cur.AsSpan(t * row, row);
                    stft.ForwardFrame(w, signal, t, x);
                    var p = phase.AsSpan(t * row, row);
                    if (accelerate) TensorPrimitives.MultiplyAdd(prev.AsSpan(t * row, row), -weight, x, p);
                    else x.CopyTo(p);
                    ComplexKernels.Normalize(p);
                    TensorPrimitives.Multiply(gain.AsSpan(t * row, row), p, w.Spectrum);
                    stft.InverseFrame(w, t);
                }
            });
            stft.OverlapAdd(signal);
            (previous, next) = (next, previous);
        }
        return signal;
    }

    /// <summary>The inverse STFT of the magnitude with a uniformly random (seeded) phase: the fast, rough reconstruction.</summary>
    public static float[] RandomPhase(ReadOnlySpan<float> magnitude, int frames, StftOptions options, int length, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(magnitude.Length, frames, options, length);
        var (re, im) = RandomUnitPhase(magnitude.Length, seed);
        TensorPrimitives.Multiply(magnitude, re, re);
        TensorPrimitives.Multiply(magnitude, im, im);
        var signal = new float[length];
        new ManagedStft(options).Inverse(re, im, frames, signal);
        return signal;
    }

    /// <summary>
    /// Spectral convergence ‖ |STFT(signal)| − S ‖ / ‖S‖ (Frobenius norms) of a signal against a target magnitude
    /// <c>[bins, frames]</c>: 0 when the magnitudes match; about √2 for unrelated spectrograms.
    /// </summary>
    /// <exception cref="ArgumentException">The signal's frame count differs from <paramref name="frames"/>.</exception>
    public static double SpectralConvergence(ReadOnlySpan<float> magnitude, int frames, StftOptions options, ReadOnlySpan<float> signal)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.FrameCount(signal.Length) != frames)
        {
            throw new ArgumentException($"The signal has {options.FrameCount(signal.Length)} frames, the magnitude {frames}.", nameof(signal));
        }
        if (magnitude.Length != options.Bins * frames) throw new ArgumentException($"The magnitude must hold {options.Bins} × {frames} values.", nameof(magnitude));
        var re = new float[magnitude.Length];
        var im = new float[magnitude.Length];
        new ManagedStft(options).Forward(signal, re, im);
        double diff = 0, total = 0;
        for (var i = 0; i < re.Length; i++)
        {
            var got = Math.Sqrt(((double)re[i] * re[i]) + ((double)im[i] * im[i]));
            var d = got - magnitude[i];
            diff += d * d;
            total += (double)magnitude[i] * magnitude[i];
        }
        return Math.Sqrt(diff) / Math.Sqrt(total);
    }

    /// <summary>
    /// exp(iφ) with φ = 2π·U, U from <c>System.Random(seed).NextDouble()</c> drawn in index order: the same phases the
    /// libtorch reconstruction starts from, so both give the same result for the same seed.
    /// </summary>
    public static (float[] Real, float[] Imaginary) RandomUnitPhase(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rng = new Random(seed);
        var re = new float[count];
        var im = new float[count];
        for (var i = 0; i < count; i++)
        {
            var phi = 2 * Math.PI * rng.NextDouble();
            re[i] = (float)Math.Cos(phi);
            im[i] = (float)Math.Sin(phi);
        }
        return (re, im);
    }

    /// <summary>Checks that <paramref name="values"/> magnitudes are <c>[bins, frames]</c> and that <paramref name="length"/> samples give those frames.</summary>
    /// <exception cref="ArgumentException">They do not.</exception>
    public static void Validate(int values, int frames, StftOptions options, int length)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (frames <= 0) throw new ArgumentOutOfRangeException(nameof(frames), frames, "Need at least one frame.");
        if (values != options.Bins * frames)
        {
            throw new ArgumentException($"The magnitude holds {values} values; [bins={options.Bins}, frames={frames}] needs {options.Bins * frames}.", nameof(frames));
        }
        if (options.FrameCount(length) != frames)
        {
            throw new ArgumentException($"{length} samples give {options.FrameCount(length)} frames with hop {options.Hop}, not {frames}.", nameof(length));
        }
    }
}
