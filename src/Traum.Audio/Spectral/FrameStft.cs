using System.Numerics.Tensors;
using Traum.Audio.Descriptors;

namespace Traum.Audio.Spectral;

/// <summary>
/// The centred STFT of <see cref="ManagedStft"/> (torch.stft / torch.istft semantics) for signals of one length, on
/// frame-major interleaved spectra <c>[frames, bins, 2]</c>: the layout the FFT reads and writes, so an iterative
/// algorithm (Griffin-Lim) never transposes or copies between passes. Frames are split over up to
/// <c>threads</c> workers, each with its own FFT and scratch; the results do not depend on the number of workers
/// (every frame is computed alone, and each output sample sums its frames in frame order). Nothing is allocated
/// per call after construction.
/// </summary>
internal sealed class FrameStft
{
    private readonly int _n;
    private readonly int _hop;
    private readonly int _pad;
    private readonly int _row;
    private readonly float[] _forwardWindow; // Hann × forward scale
    private readonly float[] _inverseWindow; // Hann × inverse scale / N (the FFT's inverse is unscaled)
    private readonly float[] _inverseEnvelope; // 1 / Σ window², per padded sample (0 where the envelope vanishes)
    private readonly float[] _frames; // [frames, N]: the windowed inverse frames before overlap-add
    private readonly Worker[] _workers;

    /// <summary>One worker: its frames, its share of the output samples, its FFT and scratch.</summary>
    internal sealed class Worker(int nFft, int row, int firstFrame, int endFrame, int firstOutput, int endOutput)
    {
        /// <summary>The worker's FFT.</summary>
        public RealFft Fft { get; } = new(nFft);

        /// <summary>One frame of samples (scratch).</summary>
        public float[] Frame { get; } = new float[nFft];

        /// <summary>One frame's interleaved spectrum (scratch a caller may fill before <see cref="InverseFrame"/>).</summary>
        public float[] Spectrum { get; } = new float[row];

        /// <summary>First frame of the worker.</summary>
        public int FirstFrame { get; } = firstFrame;

        /// <summary>One past the worker's last frame.</summary>
        public int EndFrame { get; } = endFrame;

        /// <summary>First output sample the worker's overlap-add writes.</summary>
        public int FirstOutput { get; } = firstOutput;

        /// <summary>One past the last output sample the worker's overlap-add writes.</summary>
        public int EndOutput { get; } = endOutput;
    }

    /// <param name="options">Centred STFT settings (NFft a power of two).</param>
    /// <param name="length">Signal length in samples (more than NFft/2, for reflect padding).</param>
    /// <param name="threads">Workers; 0 takes the processor count. At most one per 8 frames is used.</param>
    public FrameStft(StftOptions options, int length, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Center) throw new ArgumentException("Only centred transforms are supported.", nameof(options));
        _n = options.NFft;
        _hop = options.Hop;
        _pad = _n / 2;
        if (length <= _pad) throw new ArgumentException($"Reflect padding needs more than {_pad} samples.", nameof(length));
        Length = length;
        FrameCount = options.FrameCount(length);
        Bins = options.Bins;
        _row = 2 * Bins;
        var window = new float[_n];
        for (var i = 0; i < _n; i++) window[i] = (float)(0.5 - (0.5 * Math.Cos(2 * Math.PI * i / _n)));
        var forward = options.Normalized ? 1 / Math.Sqrt(_n) : 1.0;
        var inverse = (options.Normalized ? Math.Sqrt(_n) : 1.0) / _n;
        _forwardWindow = window.Select(w => (float)(w * forward)).ToArray();
        _inverseWindow = window.Select(w => (float)(w * inverse)).ToArray();
        var total = _n + (_hop * (FrameCount - 1));
        var envelope = new float[total];
        for (var t = 0; t < FrameCount; t++)
        {
            for (var i = 0; i < _n; i++) envelope[(t * _hop) + i] += window[i] * window[i];
        }
        _inverseEnvelope = envelope.Select(e => e > 1e-11f ? 1f / e : 0f).ToArray();
        _frames = new float[FrameCount * _n];
        if (threads <= 0) threads = Environment.ProcessorCount;
        var count = Math.Clamp(Math.Min(threads, FrameCount / 8), 1, 64);
        // Output samples actually covered by frames: [0, min(length, total − pad)); the rest are zero.
        Covered = Math.Min(length, total - _pad);
        _workers = new Worker[count];
        for (var w = 0; w < count; w++)
        {
            _workers[w] = new Worker(_n, _row, FrameCount * w / count, FrameCount * (w + 1) / count, (int)((long)Covered * w / count), (int)((long)Covered * (w + 1) / count));
        }
    }

    /// <summary>Signal length in samples.</summary>
    public int Length { get; }

    /// <summary>Frames: ⌊length / hop⌋ + 1.</summary>
    public int FrameCount { get; }

    /// <summary>Bins per frame: NFft/2 + 1.</summary>
    public int Bins { get; }

    /// <summary>Values of one spectrum: frames × bins × 2.</summary>
    public int SpectrumLength => FrameCount * _row;

    /// <summary>Output samples the frames cover; the inverse leaves the others zero (as torch.istft pads them).</summary>
    public int Covered { get; }

    /// <summary>Workers the passes are split over.</summary>
    public int Workers => _workers.Length;

    /// <summary>The interleaved frame-major spectrum of <paramref name="signal"/> (<see cref="Length"/> samples) into <paramref name="spectrum"/>.</summary>
    public void Forward(float[] signal, float[] spectrum)
    {
        if (signal.Length != Length) throw new ArgumentException($"The signal must have {Length} samples.", nameof(signal));
        if (spectrum.Length != SpectrumLength) throw new ArgumentException($"The spectrum must hold {SpectrumLength} values.", nameof(spectrum));
        ForEachWorker(w =>
        {
            for (var t = w.FirstFrame; t < w.EndFrame; t++) ForwardFrame(w, signal, t, spectrum.AsSpan(t * _row, _row));
        });
    }

    /// <summary>
    /// The signal whose spectrum is <paramref name="spectrum"/> × <paramref name="gain"/> (element-wise on the
    /// interleaved values; <c>null</c> for none) into <paramref name="output"/> (<see cref="Length"/> samples): inverse
    /// FFT of every frame, windowed overlap-add divided by the summed squared window. The spectrum is not changed.
    /// </summary>
    public void Inverse(float[] spectrum, float[]? gain, float[] output)
    {
        if (spectrum.Length != SpectrumLength || (gain is not null && gain.Length != SpectrumLength)) throw new ArgumentException($"The spectrum must hold {SpectrumLength} values.", nameof(spectrum));
        if (output.Length != Length) throw new ArgumentException($"The output must have {Length} samples.", nameof(output));
        ForEachWorker(w =>
        {
            for (var t = w.FirstFrame; t < w.EndFrame; t++)
            {
                var s = spectrum.AsSpan(t * _row, _row);
                if (gain is null) s.CopyTo(w.Spectrum);
                else TensorPrimitives.Multiply(s, gain.AsSpan(t * _row, _row), w.Spectrum);
                InverseFrame(w, t);
            }
        });
        OverlapAdd(output);
    }

    /// <summary>The spectrum of frame <paramref name="t"/> of <paramref name="signal"/> into <paramref name="destination"/> (one frame's interleaved bins).</summary>
    public void ForwardFrame(Worker worker, float[] signal, int t, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(signal);
        var start = (t * _hop) - _pad;
        if (start >= 0 && start + _n <= signal.Length)
        {
            TensorPrimitives.Multiply(signal.AsSpan(start, _n), _forwardWindow, worker.Frame);
        }
        else
        {
            for (var i = 0; i < _n; i++) worker.Frame[i] = signal[Reflect(start + i, signal.Length)] * _forwardWindow[i];
        }
        worker.Fft.ForwardInterleaved(worker.Frame, destination);
    }

    /// <summary>
    /// Inverse FFT of the worker's <see cref="Worker.Spectrum"/> (which it uses up) as frame <paramref name="t"/>,
    /// windowed, ready for <see cref="OverlapAdd"/>.
    /// </summary>
    public void InverseFrame(Worker worker, int t)
    {
        ArgumentNullException.ThrowIfNull(worker);
        worker.Fft.InverseUnscaled(worker.Spectrum, worker.Frame);
        TensorPrimitives.Multiply(worker.Frame, _inverseWindow, _frames.AsSpan(t * _n, _n));
    }

    /// <summary>
    /// Overlap-adds every frame <see cref="InverseFrame"/> made into <paramref name="output"/> and divides by the summed
    /// squared window: a gather, each worker owning a range of output samples and adding, in frame order, the part of
    /// every frame that covers it, so no two workers write the same sample.
    /// </summary>
    public void OverlapAdd(float[] output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.Length != Length) throw new ArgumentException($"The output must have {Length} samples.", nameof(output));
        ForEachWorker(w =>
        {
            var out0 = w.FirstOutput + _pad;
            var out1 = w.EndOutput + _pad;
            var dst = output.AsSpan(w.FirstOutput, w.EndOutput - w.FirstOutput);
            dst.Clear();
            if (out1 <= out0) return;
            var first = out0 - _n < 0 ? 0 : ((out0 - _n) / _hop) + 1;
            var last = Math.Min(FrameCount - 1, (out1 - 1) / _hop);
            for (var t = first; t <= last; t++)
            {
                var a = Math.Max(out0, t * _hop);
                var b = Math.Min(out1, (t * _hop) + _n);
                if (b <= a) continue;
                var part = dst.Slice(a - out0, b - a);
                TensorPrimitives.Add(part, _frames.AsSpan((t * _n) + (a - (t * _hop)), b - a), part);
            }
            TensorPrimitives.Multiply(dst, _inverseEnvelope.AsSpan(out0, out1 - out0), dst);
        });
        output.AsSpan(Covered).Clear();
    }

    /// <summary>Runs <paramref name="body"/> once per worker, in parallel when there are several.</summary>
    public void ForEachWorker(Action<Worker> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (_workers.Length == 1)
        {
            body(_workers[0]);
            return;
        }
        Parallel.For(0, _workers.Length, new ParallelOptions { MaxDegreeOfParallelism = _workers.Length }, i => body(_workers[i]));
    }

    /// <summary>Values of one frame's interleaved spectrum: bins × 2.</summary>
    public int Row => _row;

    private static int Reflect(int i, int length)
    {
        if (i < 0) return -i;
        if (i >= length) return (2 * (length - 1)) - i;
        return i;
    }
}
