using System.Numerics.Tensors;
using Traum.Audio.Descriptors;

namespace Traum.Audio.Spectral;

/// <summary>
/// Short-time Fourier transform and its inverse without libtorch (FFTW where installed, else Traum's own FFT), with torch.stft / torch.istft
/// semantics: periodic Hann window of <see cref="StftOptions.NFft"/>, frames every <see cref="StftOptions.Hop"/>,
/// centred with reflect padding of NFft/2 on each side, one-sided spectrum, <see cref="StftOptions.Normalized"/>
/// scaling by 1/√NFft (forward) and √NFft (inverse); the inverse overlap-adds windowed frames and divides by the
/// overlap-added squared window. Spectra are planar <c>[bins, frames]</c> (bin-major: index f·frames + t).
/// An instance owns its scratch buffers and allocates nothing per frame; use one per thread.
/// </summary>
public sealed class ManagedStft
{
    private readonly StftOptions _options;
    private readonly RealFft _fft;
    private readonly float[] _window;
    private readonly float[] _frame;
    private readonly float[] _blockRe;
    private readonly float[] _blockIm;
    private float[] _envelope = [];

    /// <summary>Frames transformed together, so the bin-major spectrum is read and written in runs of this many values.</summary>
    private const int Block = 16;
    private float[] _ola = [];

    /// <param name="options">Centred STFT settings (NFft a power of two).</param>
    public ManagedStft(StftOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Center) throw new ArgumentException("Only centred transforms are supported.", nameof(options));
        _options = options;
        _fft = new RealFft(options.NFft);
        _window = new float[options.NFft];
        for (var n = 0; n < options.NFft; n++) _window[n] = (float)(0.5 - (0.5 * Math.Cos(2 * Math.PI * n / options.NFft)));
        _frame = new float[options.NFft];
        _blockRe = new float[Block * options.Bins];
        _blockIm = new float[Block * options.Bins];
    }

    /// <summary>FFT size, hop, centring and normalisation of the transform.</summary>
    public StftOptions Options => _options;

    /// <summary>Spectrum of <paramref name="signal"/>: <paramref name="real"/> and <paramref name="imaginary"/> are <c>[bins, frames]</c>, frames = ⌊length / hop⌋ + 1.</summary>
    /// <exception cref="ArgumentException">The signal is not longer than NFft/2 (reflect padding), or the outputs have the wrong size.</exception>
    public void Forward(ReadOnlySpan<float> signal, Span<float> real, Span<float> imaginary)
    {
        var n = _options.NFft;
        var pad = n / 2;
        if (signal.Length <= pad) throw new ArgumentException($"Reflect padding needs more than {pad} samples.", nameof(signal));
        var frames = _options.FrameCount(signal.Length);
        var bins = _options.Bins;
        if (real.Length != bins * frames || imaginary.Length != bins * frames) throw new ArgumentException($"The spectrum must hold {bins} × {frames} values.", nameof(real));
        var scale = _options.Normalized ? (float)(1 / Math.Sqrt(n)) : 1f;
        // A block of frames is transformed into frame-major rows, then written bin-major a run of Block frames at a
        // time (a blocked transpose: the planar layout is never written one strided value per frame).
        for (var t0 = 0; t0 < frames; t0 += Block)
        {
            var count = Math.Min(Block, frames - t0);
            for (var b = 0; b < count; b++)
            {
                var start = ((t0 + b) * _options.Hop) - pad;
                if (start >= 0 && start + n <= signal.Length)
                {
                    TensorPrimitives.Multiply(signal.Slice(start, n), _window, _frame);
                }
                else
                {
                    for (var i = 0; i < n; i++) _frame[i] = signal[Reflect(start + i, signal.Length)] * _window[i];
                }
                _fft.Forward(_frame, _blockRe.AsSpan(b * bins, bins), _blockIm.AsSpan(b * bins, bins));
            }
            for (var f = 0; f < bins; f++)
            {
                var re = real.Slice((f * frames) + t0, count);
                var im = imaginary.Slice((f * frames) + t0, count);
                for (var b = 0; b < count; b++)
                {
                    re[b] = _blockRe[(b * bins) + f] * scale;
                    im[b] = _blockIm[(b * bins) + f] * scale;
                }
            }
        }
    }

    /// <summary>
    /// The signal of <c>output.Length</c> samples whose spectrum is <paramref name="real"/>, <paramref name="imaginary"/>
    /// (<c>[bins, frames]</c>); samples the frames do not cover are zero, as torch.istft pads them.
    /// </summary>
    public void Inverse(ReadOnlySpan<float> real, ReadOnlySpan<float> imaginary, int frames, Span<float> output)
    {
        var n = _options.NFft;
        var hop = _options.Hop;
        var bins = _options.Bins;
        if (frames <= 0 || real.Length != bins * frames || imaginary.Length != bins * frames) throw new ArgumentException($"The spectrum must hold {bins} × {frames} values.", nameof(real));
        var total = n + (hop * (frames - 1));
        if (_ola.Length != total)
        {
            _ola = new float[total];
            _envelope = new float[total];
            for (var t = 0; t < frames; t++)
            {
                for (var i = 0; i < n; i++) _envelope[(t * hop) + i] += _window[i] * _window[i];
            }
        }
        Array.Clear(_ola);
        var scale = _options.Normalized ? (float)Math.Sqrt(n) : 1f;
        for (var t0 = 0; t0 < frames; t0 += Block)
        {
            // Gather a block of frames into frame-major rows (runs of Block values per bin), then invert each.
            var run = Math.Min(Block, frames - t0);
            for (var f = 0; f < bins; f++)
            {
                var re = real.Slice((f * frames) + t0, run);
                var im = imaginary.Slice((f * frames) + t0, run);
                for (var b = 0; b < run; b++)
                {
                    _blockRe[(b * bins) + f] = re[b];
                    _blockIm[(b * bins) + f] = im[b];
                }
            }
            for (var b = 0; b < run; b++)
            {
                _fft.Inverse(_blockRe.AsSpan(b * bins, bins), _blockIm.AsSpan(b * bins, bins), _frame);
                TensorPrimitives.Multiply(_frame, _window, _frame);
                var dst = _ola.AsSpan((t0 + b) * hop, n);
                TensorPrimitives.MultiplyAdd(_frame, scale, dst, dst);
            }
        }
        var pad = n / 2;
        output.Clear();
        var count = Math.Min(output.Length, total - pad);
        for (var i = 0; i < count; i++)
        {
            var e = _envelope[pad + i];
            output[i] = e > 1e-11f ? _ola[pad + i] / e : 0f;
        }
    }

    private static int Reflect(int i, int length)
    {
        if (i < 0) return -i;
        if (i >= length) return (2 * (length - 1)) - i;
        return i;
    }
}
