using TorchSharp;
using static TorchSharp.torch;

namespace Traum.Audio.Spectral;

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

    /// <summary>Complex spectrum of a signal of the kernel's length.</summary>
    public Tensor Forward(Tensor signal)
    {
        using var scope = NewDisposeScope();
        var batched = signal.dim() == 1 ? signal.unsqueeze(0) : signal;
        var half = _options.NFft / 2;
        var padded = nn.functional.pad(batched.unsqueeze(1), [half, half], PaddingModes.Reflect).squeeze(1);
        var frames = padded.unfold(-1, _options.NFft, _options.Hop) * _window;     // [B, frames, nfft]
        var spec = fft.rfft(frames, dim: -1).transpose(-1, -2);                     // [B, bins, frames]
        return (signal.dim() == 1 ? spec.squeeze(0) : spec).MoveToOuterDisposeScope();
    }

    /// <summary>Real signal of the kernel's length from a complex spectrum (least-squares overlap-add).</summary>
    public Tensor Inverse(Tensor spectrum)
    {
        using var scope = NewDisposeScope();
        var batched = spectrum.dim() == 2 ? spectrum.unsqueeze(0) : spectrum;
        var frames = fft.irfft(batched.transpose(-1, -2), _options.NFft, dim: -1) * _synthesis; // [B, frames, nfft]
        var ola = nn.functional.fold(frames.transpose(-1, -2), (1, _olaLength), (1, _options.NFft), stride: (1, _options.Hop));
        var y = Crop(ola.reshape(ola.shape[0], _olaLength)) * _invEnvelope;
        return (spectrum.dim() == 2 ? y.squeeze(0) : y).MoveToOuterDisposeScope();
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
