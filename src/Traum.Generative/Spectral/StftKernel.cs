using Traum.Audio.Spectral;
using TorchSharp;
using static TorchSharp.torch;

namespace Traum.Generative.Spectral;

/// <summary>
/// A centred STFT / inverse STFT pair for one fixed signal length, with the window and the overlap-add
/// normalisation computed once: the same results as <see cref="Stft.Forward"/> and <see cref="Stft.Inverse"/>
/// (PyTorch semantics) in fewer tensor operations, for iterative algorithms such as Griffin-Lim that transform
/// the same shape many times. Shapes: signal <c>[T]</c> or <c>[B, T]</c> ↔ complex <c>[bins, frames]</c> or
/// <c>[B, bins, frames]</c>.
/// </summary>
internal sealed class StftKernel : IDisposable
{
    private readonly StftOptions _options;
    private readonly long _length;
    private readonly long _olaLength;
    private readonly Tensor _window;       // [nfft], × scale for the forward transform
    private readonly Tensor _synthesis;    // [nfft], window × inverse scale
    private readonly Tensor _invEnvelope;  // [length]: 1 / Σ w² over the frames covering each output sample

    public StftKernel(StftOptions options, long length)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Center) throw new ArgumentException("StftKernel handles centred transforms only.", nameof(options));
        _options = options;
        _length = length;
        Frames = options.FrameCount(length);
        var n = options.NFft;
        _olaLength = n + ((long)options.Hop * (Frames - 1));
        using var scope = NewDisposeScope();
        var w = Stft.HannWindow(n);
        var scale = options.Normalized ? 1.0 / Math.Sqrt(n) : 1.0;
        _window = (w * scale).MoveToOuterDisposeScope();
        _synthesis = (w / scale).MoveToOuterDisposeScope();
        // Window-square envelope of the overlap-add, cropped to the centred output range.
        var sq = (w * w).reshape(1, n, 1).expand(1, n, Frames).contiguous();
        var env = nn.functional.fold(sq, (1, _olaLength), (1, n), stride: (1, options.Hop)).reshape(_olaLength);
        var cropped = Crop(env.unsqueeze(0)).squeeze(0);
        var covered = Math.Min(length, _olaLength - (n / 2));
        if (covered > 0 && cropped.narrow(0, 0, covered).min().item<float>() < 1e-11f)
        {
            throw new ArgumentException($"The window overlap-add is zero somewhere (hop {options.Hop} too large for n_fft {n}).", nameof(options));
        }
        _invEnvelope = where(cropped > 1e-11, cropped.reciprocal(), zeros_like(cropped)).MoveToOuterDisposeScope();
    }

    /// <summary>Frames per transform.</summary>
    public int Frames { get; }

    /// <summary>Complex spectrum <c>[bins, frames]</c> (or <c>[B, bins, frames]</c>) of a signal of the kernel's length.</summary>
    public Tensor Forward(Tensor signal) => ForwardFrames(signal).transpose(-1, -2);

    /// <summary>Real signal of the kernel's length from a complex spectrum <c>[bins, frames]</c> (least-squares overlap-add).</summary>
    public Tensor Inverse(Tensor spectrum) => InverseFrames(spectrum.transpose(-1, -2));

    /// <summary>Complex spectrum in frame-major layout, contiguous <c>[frames, bins]</c> or <c>[B, frames, bins]</c>.</summary>
    public Tensor ForwardFrames(Tensor signal) => ForwardFrames(signal, _options, _window);

    /// <summary>
    /// Centred STFT of <paramref name="signal"/> (<c>[T]</c> or <c>[B, T]</c>) in frame-major layout with a given
    /// (already scaled) analysis window: reflect padding, framing, windowing and one real FFT.
    /// </summary>
    public static Tensor ForwardFrames(Tensor signal, StftOptions options, Tensor window)
    {
        ArgumentNullException.ThrowIfNull(signal);
        ArgumentNullException.ThrowIfNull(options);
        using var scope = NewDisposeScope();
        var batched = signal.dim() == 1 ? signal.unsqueeze(0) : signal;
        var half = options.NFft / 2;
        var padded = nn.functional.pad(batched.unsqueeze(1), [half, half], PaddingModes.Reflect).squeeze(1);
        var frames = padded.unfold(-1, options.NFft, options.Hop) * window;    // [B, frames, nfft]
        var spec = fft.rfft(frames, dim: -1);                                  // [B, frames, bins]
        return (signal.dim() == 1 ? spec.squeeze(0) : spec).MoveToOuterDisposeScope();
    }

    /// <summary>Real signal of the kernel's length from a frame-major complex spectrum <c>[frames, bins]</c> or <c>[B, frames, bins]</c>.</summary>
    public Tensor InverseFrames(Tensor spectrum)
    {
        using var scope = NewDisposeScope();
        var batched = spectrum.dim() == 2 ? spectrum.unsqueeze(0) : spectrum;
        var frames = fft.irfft(batched, _options.NFft, dim: -1) * _synthesis;  // [B, frames, nfft]
        var y = Crop(OverlapAdd(frames)) * _invEnvelope;
        return (spectrum.dim() == 2 ? y.squeeze(0) : y).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Overlap-add of <c>[B, frames, nfft]</c> at the hop → <c>[B, olaLength]</c>. When the hop divides n_fft the
    /// frames are added as n_fft/hop shifted block views (much faster than <c>fold</c>); otherwise <c>fold</c>.
    /// </summary>
    private Tensor OverlapAdd(Tensor frames)
    {
        var b = frames.shape[0];
        var f = frames.shape[1];
        int n = _options.NFft, hop = _options.Hop;
        if (n % hop != 0)
        {
            var ola = nn.functional.fold(frames.transpose(-1, -2), (1, _olaLength), (1, n), stride: (1, hop));
            return ola.reshape(b, _olaLength);
        }
        var r = n / hop;
        var blocks = zeros(b, f + r - 1, hop);
        var view = frames.view(b, f, r, hop);
        for (var k = 0; k < r; k++) blocks.narrow(1, k, f).add_(view.select(2, k));
        return blocks.reshape(b, _olaLength);
    }

    /// <summary>Samples [NFft/2, NFft/2 + length) of the overlap-add, zero-padded where the overlap-add is shorter.</summary>
    private Tensor Crop(Tensor ola)
    {
        var start = _options.NFft / 2;
        var available = Math.Min(_length, _olaLength - start);
        var y = ola.narrow(-1, start, available);
        return available < _length ? nn.functional.pad(y, [0, _length - available]) : y;
    }

    public void Dispose()
    {
        _window.Dispose();
        _synthesis.Dispose();
        _invEnvelope.Dispose();
    }
}
