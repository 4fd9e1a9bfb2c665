using System.Numerics.Tensors;
using Traum.Audio.Descriptors;

namespace Traum.Audio.Spectral;

/// <summary>
/// Log-mel frames without libtorch (on FFTW where installed, else Traum's own FFT; see <see cref="RealFft"/>): with torch.stft's semantics (periodic Hann window of
/// <c>nFft</c>, frames every <c>hop</c> samples, centred with reflect padding of <c>nFft/2</c> on each side, power
/// |X|² of the one-sided spectrum), then a mel filter bank and 10·log10(max(mel, floor)) with reference 1 and no
/// top_db clipping. Rows are frames: <c>[frames, nMels]</c>. An instance owns its scratch buffers and allocates
/// nothing per frame; use one per thread.
/// </summary>
public sealed class ManagedLogMel
{
    private readonly RealFft _fft;
    private readonly int _hop;
    private readonly int _bins;
    private readonly int _mels;
    private readonly float[] _window;
    private readonly float[] _weights; // [mels, bins]
    private readonly (int Start, int Length)[] _support;
    private readonly float[] _frame;
    private readonly float[] _power;
    private readonly float _floor;

    /// <param name="nFft">FFT size and window length in samples (a power of two).</param>
    /// <param name="hop">Hop in samples.</param>
    /// <param name="melWeights">The filter bank, row-major <c>[nMels, nFft/2 + 1]</c> (see <see cref="MelFilterBank"/>).</param>
    /// <param name="floor">Mel power below this is raised to it before the logarithm.</param>
    public ManagedLogMel(int nFft, int hop, float[] melWeights, float floor = 1e-10f)
    {
        ArgumentNullException.ThrowIfNull(melWeights);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hop);
        _fft = new RealFft(nFft);
        _hop = hop;
        _bins = (nFft / 2) + 1;
        if (melWeights.Length == 0 || melWeights.Length % _bins != 0) throw new ArgumentException($"The filter bank must be [mels, {_bins}].", nameof(melWeights));
        _mels = melWeights.Length / _bins;
        _weights = melWeights;
        _floor = floor;
        _window = new float[nFft];
        for (var n = 0; n < nFft; n++) _window[n] = (float)(0.5 - (0.5 * Math.Cos(2 * Math.PI * n / nFft)));
        // Each triangle is non-zero over a short run of bins: the dot product only covers that run.
        _support = new (int, int)[_mels];
        for (var m = 0; m < _mels; m++)
        {
            var row = melWeights.AsSpan(m * _bins, _bins);
            var first = row.IndexOfAnyExcept(0f);
            var last = row.LastIndexOfAnyExcept(0f);
            _support[m] = first < 0 ? (0, 0) : (first, last - first + 1);
        }
        _frame = new float[nFft];
        _power = new float[_bins];
    }

    /// <summary>Mel bands per frame.</summary>
    public int MelCount => _mels;

    /// <summary>Frames of a signal of <paramref name="length"/> samples (centred): ⌊length / hop⌋ + 1.</summary>
    public int FrameCount(int length) => (length / _hop) + 1;

    /// <summary>Writes the log-mel frames of <paramref name="signal"/> into <paramref name="destination"/> (<c>[frames, nMels]</c>).</summary>
    /// <exception cref="ArgumentException">The signal is shorter than nFft/2 + 1 samples (reflect padding needs that), or the destination has the wrong size.</exception>
    public void Compute(ReadOnlySpan<float> signal, Span<float> destination)
    {
        var n = _fft.Size;
        var pad = n / 2;
        if (signal.Length <= pad) throw new ArgumentException($"Reflect padding needs more than {pad} samples.", nameof(signal));
        var frames = FrameCount(signal.Length);
        if (destination.Length != frames * _mels) throw new ArgumentException($"The destination must hold {frames} × {_mels} values.", nameof(destination));
        for (var t = 0; t < frames; t++)
        {
            // Frame t covers padded samples [t·hop, t·hop + n), that is signal samples t·hop − pad … t·hop + pad − 1.
            var start = (t * _hop) - pad;
            if (start >= 0 && start + n <= signal.Length)
            {
                TensorPrimitives.Multiply(signal.Slice(start, n), _window, _frame);
            }
            else
            {
                for (var i = 0; i < n; i++) _frame[i] = signal[Reflect(start + i, signal.Length)] * _window[i];
            }
            _fft.Power(_frame, _power);
            var row = destination.Slice(t * _mels, _mels);
            for (var m = 0; m < _mels; m++)
            {
                var (s, len) = _support[m];
                row[m] = len == 0 ? 0f : TensorPrimitives.Dot(_power.AsSpan(s, len), _weights.AsSpan((m * _bins) + s, len));
            }
        }
        // dB over the whole matrix at once (long vectors instead of one short row at a time).
        TensorPrimitives.Max(destination, _floor, destination);
        TensorPrimitives.Log10(destination, destination);
        TensorPrimitives.Multiply(destination, 10f, destination);
    }

    /// <summary>numpy/torch "reflect" padding: index −1 maps to 1, index L maps to L − 2.</summary>
    private static int Reflect(int i, int length)
    {
        if (i < 0) return -i;
        if (i >= length) return (2 * (length - 1)) - i;
        return i;
    }
}
