using Traum.Audio.Spectral;
using TorchSharp;
using static TorchSharp.torch;

namespace Traum.Generative.Spectral;

/// <summary>Short-time Fourier transform and its inverse on TorchSharp tensors.</summary>
public static class Stft
{
    /// <summary>Periodic Hann window 0.5 − 0.5·cos(2πn/N), float32, length N.</summary>
    public static Tensor HannWindow(int n) => hann_window(n, periodic: true, dtype: float32);

    /// <summary>
    /// Complex STFT of <paramref name="signal"/> (shape <c>[T]</c> or <c>[B, T]</c>, float32) →
    /// complex64 <c>[bins, frames]</c> or <c>[B, bins, frames]</c>.
    /// </summary>
    public static Tensor Forward(Tensor signal, StftOptions options)
    {
        ArgumentNullException.ThrowIfNull(signal);
        ArgumentNullException.ThrowIfNull(options);
        using var window = HannWindow(options.NFft);
        return stft(signal, options.NFft, options.Hop, options.NFft, window, options.Center, PaddingModes.Reflect,
            options.Normalized, onesided: true, return_complex: true);
    }

    /// <summary>
    /// Inverse STFT (window-sum normalised overlap-add) of complex <c>[bins, frames]</c> or <c>[B, bins, frames]</c>
    /// → float32 <c>[T]</c> or <c>[B, T]</c>; <paramref name="length"/> trims or zero-pads to exactly that many samples.
    /// </summary>
    public static Tensor Inverse(Tensor spectrum, StftOptions options, long? length = null)
    {
        ArgumentNullException.ThrowIfNull(spectrum);
        ArgumentNullException.ThrowIfNull(options);
        using var window = HannWindow(options.NFft);
        return istft(spectrum, options.NFft, options.Hop, options.NFft, window, options.Center, options.Normalized,
            onesided: true, length: length ?? -1);
    }

    /// <summary>Power spectrogram |X|² of a mono signal as a row-major <c>[frames, bins]</c> float array.</summary>
    public static float[] PowerFrames(ReadOnlySpan<float> signal, StftOptions options, out int frames)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var scope = NewDisposeScope();
        var x = tensor(signal.ToArray());
        var spec = Forward(x, options);
        var magnitude = spec.abs();
        var power = magnitude.mul(magnitude).transpose(0, 1).contiguous(); // no temporary Scalar (see AdamOptimizer.ClipGradNorm)
        frames = (int)power.shape[0];
        return power.data<float>().ToArray();
    }
}
