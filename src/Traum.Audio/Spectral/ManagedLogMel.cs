using System.Numerics.Tensors;
using Traum.Audio.Descriptors;

namespace Traum.Audio.Spectral;

/// <summary>
/// Log-mel frames without libtorch (on FFTW where installed, else Traum's own FFT; see <see cref="RealFft"/>): with torch.stft's semantics (periodic Hann window of
/// <c>nFft</c>, frames every <c>hop</c> samples, centred with reflect padding of <c>nFft/2</c> on each side, power
/// |X|² of the one-sided spectrum), then a mel filter bank and 10·log10(max(mel, floor)) with reference 1 and no
/// top_db clipping. Rows are frames: <c>[frames, nMels]</c>. An instance owns its scratch buffers and allocates
/// nothing per frame; it may split the frames over several workers, but one call at a time.
/// </summary>
public sealed class ManagedLogMel
{
    private readonly int _nFft;
    private readonly int _hop;
    private readonly int _bins;
    private readonly int _mels;
    private readonly int _threads;
    private readonly float[] _window;
    private readonly float[] _weights; // the non-zero run of each filter, filters one after another
    private readonly (int Start, int Length, int Offset)[] _support;
    private readonly float _floor;
    private Worker[] _workers = [];

    private sealed class Worker(int nFft, int bins)
    {
        public RealFft Fft { get; } = new(nFft);

        public float[] Frame { get; } = new float[nFft];

        public float[] Spectrum { get; } = new float[2 * bins];

        public float[] Power { get; } = new float[bins];
    }

    /// <param name="nFft">FFT size and window length in samples (a power of two).</param>
    /// <param name="hop">Hop in samples.</param>
    /// <param name="melWeights">The filter bank, row-major <c>[nMels, nFft/2 + 1]</c> (see <see cref="MelFilterBank"/>).</param>
    /// <param name="floor">Mel power below this is raised to it before the logarithm.</param>
    /// <param name="threads">Frames are split over this many workers (0: one per processor); the values do not depend on it.</param>
    public ManagedLogMel(int nFft, int hop, float[] melWeights, float floor = 1e-10f, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(melWeights);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hop);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        if (nFft < 4 || (nFft & (nFft - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(nFft), nFft, "FFT size must be a power of two, at least 4.");
        _nFft = nFft;
        _hop = hop;
        _bins = (nFft / 2) + 1;
        if (melWeights.Length == 0 || melWeights.Length % _bins != 0) throw new ArgumentException($"The filter bank must be [mels, {_bins}].", nameof(melWeights));
        _mels = melWeights.Length / _bins;
        _floor = floor;
        _threads = threads == 0 ? Environment.ProcessorCount : threads;
        _window = new float[nFft];
        for (var n = 0; n < nFft; n++) _window[n] = (float)(0.5 - (0.5 * Math.Cos(2 * Math.PI * n / nFft)));
        // Each triangle is non-zero over a short run of bins: only that run is kept and multiplied.
        _support = new (int, int, int)[_mels];
        var packed = new List<float>();
        for (var m = 0; m < _mels; m++)
        {
            var row = melWeights.AsSpan(m * _bins, _bins);
            var first = row.IndexOfAnyExcept(0f);
            var last = row.LastIndexOfAnyExcept(0f);
            var length = first < 0 ? 0 : last - first + 1;
            _support[m] = (Math.Max(first, 0), length, packed.Count);
            if (length > 0) packed.AddRange(row.Slice(first, length).ToArray());
        }
        _weights = [.. packed];
    }

    /// <summary>Mel bands per frame.</summary>
    public int MelCount => _mels;

    /// <summary>Frames of a signal of <paramref name="length"/> samples (centred): ⌊length / hop⌋ + 1.</summary>
    public int FrameCount(int length) => (length / _hop) + 1;

    /// <summary>Writes the log-mel frames of <paramref name="signal"/> into <paramref name="destination"/> (<c>[frames, nMels]</c>).</summary>
    /// <exception cref="ArgumentException">The signal is shorter than nFft/2 + 1 samples (reflect padding needs that), or the destination has the wrong size.</exception>
    public unsafe void Compute(ReadOnlySpan<float> signal, Span<float> destination)
    {
        var pad = _nFft / 2;
        if (signal.Length <= pad) throw new ArgumentException($"Reflect padding needs more than {pad} samples.", nameof(signal));
        var frames = FrameCount(signal.Length);
        if (destination.Length != frames * _mels) throw new ArgumentException($"The destination must hold {frames} × {_mels} values.", nameof(destination));
        var count = Math.Clamp(Math.Min(_threads, frames / 32), 1, 64);
        if (_workers.Length < count)
        {
            var workers = new Worker[count];
            _workers.CopyTo(workers, 0);
            for (var w = _workers.Length; w < count; w++) workers[w] = new Worker(_nFft, _bins);
            _workers = workers;
        }
        fixed (float* s = signal)
        fixed (float* d = destination)
        {
            if (count == 1)
            {
                Frames(_workers[0], new ReadOnlySpan<float>(s, signal.Length), new Span<float>(d, destination.Length), 0, frames);
            }
            else
            {
                // Spans cannot cross into the workers' delegates; the pinned addresses can, for the duration of the call.
                var (sp, dp, sl, dl) = ((IntPtr)s, (IntPtr)d, signal.Length, destination.Length);
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = count }, w =>
                    Frames(_workers[w], new ReadOnlySpan<float>((void*)sp, sl), new Span<float>((void*)dp, dl), frames * w / count, frames * (w + 1) / count));
            }
        }
        // dB over the whole matrix at once (long vectors instead of one short row at a time).
        TensorPrimitives.Max(destination, _floor, destination);
        TensorPrimitives.Log10(destination, destination);
        TensorPrimitives.Multiply(destination, 10f, destination);
    }

    /// <summary>Mel power of frames [<paramref name="first"/>, <paramref name="end"/>) into their rows of the destination.</summary>
    private void Frames(Worker worker, ReadOnlySpan<float> signal, Span<float> destination, int first, int end)
    {
        var n = _nFft;
        var pad = n / 2;
        var frame = worker.Frame;
        var power = worker.Power;
        for (var t = first; t < end; t++)
        {
            // Frame t covers padded samples [t·hop, t·hop + n), that is signal samples t·hop − pad … t·hop + pad − 1.
            var start = (t * _hop) - pad;
            if (start >= 0 && start + n <= signal.Length)
            {
                TensorPrimitives.Multiply(signal.Slice(start, n), _window, frame);
            }
            else
            {
                for (var i = 0; i < n; i++) frame[i] = signal[Reflect(start + i, signal.Length)] * _window[i];
            }
            worker.Fft.ForwardInterleaved(frame, worker.Spectrum);
            ComplexKernels.Power(worker.Spectrum, power);
            var row = destination.Slice(t * _mels, _mels);
            for (var m = 0; m < _mels; m++)
            {
                var (s, len, offset) = _support[m];
                var p = power.AsSpan(s, len);
                var w = _weights.AsSpan(offset, len);
                var sum = 0f;
                for (var k = 0; k < p.Length; k++) sum += p[k] * w[k];
                row[m] = sum;
            }
        }
    }

    /// <summary>numpy/torch "reflect" padding: index −1 maps to 1, index L maps to L − 2.</summary>
    private static int Reflect(int i, int length)
    {
        if (i < 0) return -i;
        if (i >= length) return (2 * (length - 1)) - i;
        return i;
    }
}
