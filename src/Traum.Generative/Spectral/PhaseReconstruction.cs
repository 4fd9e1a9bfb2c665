using Traum.Audio.Spectral;
using static TorchSharp.torch;

namespace Traum.Generative.Spectral;

/// <summary>Turns a magnitude spectrogram back into audio.</summary>
public static class PhaseReconstruction
{
    private const double Epsilon = 1e-16;

    /// <summary>
    /// Fast Griffin-Lim (Perraudin et al. 2013) over a magnitude spectrogram given row-major as
    /// <c>[bins, frames]</c> (bins = NFft/2+1), with <paramref name="momentum"/> (0.99 typical), a seeded random
    /// initial phase, and <paramref name="iterations"/> iterations. Returns <paramref name="length"/> samples.
    /// </summary>
    /// <remarks>
    /// The update is librosa's: with X the spectrogram of the current estimate and X' the previous one, the phase
    /// becomes that of X − momentum/(1 + momentum)·X'; momentum 0 is the classic Griffin-Lim algorithm.
    /// <paramref name="frames"/> must equal <c>options.FrameCount(length)</c>.
    /// </remarks>
    public static float[] GriffinLim(ReadOnlySpan<float> magnitude, int frames, StftOptions options, int length,
        int iterations = 64, double momentum = 0.99, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(magnitude.Length, frames, options, length);
        // Centred power-of-two transforms (every generation setting) run on Traum's own STFT, one thread, no libtorch:
        // libtorch's thread pool spins on a loaded machine and made one 4 s stem take seconds.
        if (Managed(options)) return Audio.Spectral.GriffinLim.Reconstruct(magnitude, frames, options, length, iterations, momentum, seed);
        using var scope = NewDisposeScope();
        var mag = tensor(magnitude.ToArray(), [options.Bins, frames]);
        var y = GriffinLim(mag, options, length, iterations, momentum, seed);
        return y.data<float>().ToArray();
    }

    /// <summary>True when <see cref="Audio.Spectral.ManagedStft"/> handles <paramref name="options"/> (centred, power-of-two NFft).</summary>
    internal static bool Managed(StftOptions options) => options.Center && options.NFft >= 2 && (options.NFft & (options.NFft - 1)) == 0;

    /// <summary>
    /// Fast Griffin-Lim on a magnitude tensor (float32 <c>[bins, frames]</c> or <c>[B, bins, frames]</c>) →
    /// float32 <c>[length]</c> or <c>[B, length]</c>. The returned tensor belongs to the caller's dispose scope.
    /// </summary>
    public static Tensor GriffinLim(Tensor magnitude, StftOptions options, long length, int iterations = 64,
        double momentum = 0.99, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(magnitude);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        if (momentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be in [0, 1).");
        using var outer = NewDisposeScope();
        if (!options.Center) return GriffinLimGeneric(magnitude, options, length, iterations, momentum, seed).MoveToOuterDisposeScope();

        // Centred transforms (the usual case) run on a kernel with the window and overlap-add normalisation
        // precomputed, in frame-major layout so every element-wise step works on contiguous tensors. The random
        // phase is drawn in the caller's [bins, frames] layout, so results do not depend on the layout.
        using var kernel = new StftKernel(options, length);
        // Complex element-wise arithmetic is slow in libtorch on CPU; the loop multiplies and combines through
        // real views ([..., 2] = re, im) instead.
        var mag = magnitude.transpose(-1, -2).contiguous().unsqueeze(-1);
        var angles = RandomUnitPhase(magnitude.shape, seed).transpose(-1, -2).contiguous();
        Tensor? rebuilt = null;
        var weight = momentum / (1 + momentum);
        for (var it = 0; it < iterations; it++)
        {
            using var inner = NewDisposeScope();
            var next = kernel.ForwardFrames(kernel.InverseFrames(view_as_complex(view_as_real(angles) * mag)));
            var update = rebuilt is null || weight == 0 ? next : view_as_complex(view_as_real(next).add(view_as_real(rebuilt), -weight));
            // Unit phasor of the update, z/|z| (0 where z is 0).
            var unit = update.sgn();
            next.MoveToOuterDisposeScope();
            unit.MoveToOuterDisposeScope();
            rebuilt?.Dispose();
            angles.Dispose();
            rebuilt = next;
            angles = unit;
        }
        return kernel.InverseFrames(view_as_complex(view_as_real(angles) * mag)).MoveToOuterDisposeScope();
    }

    /// <summary>Griffin-Lim on <see cref="Stft.Forward"/>/<see cref="Stft.Inverse"/> (any options, e.g. not centred).</summary>
    internal static Tensor GriffinLimGeneric(Tensor magnitude, StftOptions options, long length, int iterations, double momentum, int seed)
    {
        using var outer = NewDisposeScope();
        var angles = RandomUnitPhase(magnitude.shape, seed);
        Tensor? rebuilt = null;
        var weight = momentum / (1 + momentum);
        for (var it = 0; it < iterations; it++)
        {
            using var inner = NewDisposeScope();
            var next = Stft.Forward(Stft.Inverse(magnitude * angles, options, length), options);
            var update = rebuilt is null || weight == 0 ? next : next - (rebuilt * weight);
            var unit = update / (update.abs() + Epsilon);
            next.MoveToOuterDisposeScope();
            unit.MoveToOuterDisposeScope();
            rebuilt?.Dispose();
            angles.Dispose();
            rebuilt = next;
            angles = unit;
        }
        return Stft.Inverse(magnitude * angles, options, length).MoveToOuterDisposeScope();
    }

    /// <summary>Inverse STFT of the magnitude (row-major <c>[bins, frames]</c>) with uniformly random phase (seeded): the fast, rough mode.</summary>
    public static float[] RandomPhase(ReadOnlySpan<float> magnitude, int frames, StftOptions options, int length, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(magnitude.Length, frames, options, length);
        if (Managed(options)) return Audio.Spectral.GriffinLim.RandomPhase(magnitude, frames, options, length, seed);
        using var scope = NewDisposeScope();
        var mag = tensor(magnitude.ToArray(), [options.Bins, frames]);
        var y = Stft.Inverse(mag * RandomUnitPhase(mag.shape, seed), options, length);
        return y.data<float>().ToArray();
    }

    /// <summary>
    /// Spectral convergence ‖ |STFT(signal)| − S ‖ / ‖S‖ (Frobenius norms) of a signal against a target magnitude
    /// <c>[bins, frames]</c>: 0 when the signal's magnitude matches exactly; about √2 for unrelated spectrograms.
    /// </summary>
    public static double SpectralConvergence(ReadOnlySpan<float> magnitude, int frames, StftOptions options, ReadOnlySpan<float> signal)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Managed(options)) return Audio.Spectral.GriffinLim.SpectralConvergence(magnitude, frames, options, signal);
        using var scope = NewDisposeScope();
        var target = tensor(magnitude.ToArray(), [options.Bins, frames]);
        var got = Stft.Forward(tensor(signal.ToArray()), options).abs();
        if (got.shape[1] != frames) throw new ArgumentException($"The signal has {got.shape[1]} frames, the magnitude {frames}.", nameof(signal));
        return (got - target).norm().item<float>() / (double)target.norm().item<float>();
    }

    private static void Validate(int values, int frames, StftOptions options, int length) => Audio.Spectral.GriffinLim.Validate(values, frames, options, length);

    /// <summary>exp(iφ) with φ uniform in [0, 2π) from a seeded generator; complex64 of the given shape.</summary>
    private static Tensor RandomUnitPhase(long[] shape, int seed)
    {
        var count = 1L;
        foreach (var d in shape) count *= d;
        var (re, im) = Audio.Spectral.GriffinLim.RandomUnitPhase(checked((int)count), seed);
        using var scope = NewDisposeScope();
        return complex(tensor(re, shape), tensor(im, shape)).MoveToOuterDisposeScope();
    }
}
