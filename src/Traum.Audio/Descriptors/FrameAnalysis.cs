using System.Collections.Concurrent;
using System.Numerics.Tensors;
using Traum.Audio.Spectral;

namespace Traum.Audio.Descriptors;

/// <summary>
/// The one STFT pass that every descriptor shares: per-frame spectral statistics, mel band powers, zero-crossing
/// rates of a mono signal at the analysis rate.
/// Frames are centred on t·hop with zeros outside the signal (librosa's <c>center=True, pad_mode="constant"</c>),
/// so a signal of L samples has 1 + ⌊L/hop⌋ frames. The window is a periodic Hann scaled so that a sine of
/// amplitude A centred on a bin has power A² in that bin.
/// </summary>
internal sealed class FrameAnalysis
{
    /// <summary>Power floor for logarithms relative to the strongest bin (librosa's <c>amin</c> for a full-scale frame).</summary>
    internal const float PowerFloor = 1e-10f;

    /// <summary>Frames whose energy is below this are silent whatever the relative gate says (about −130 dBFS).</summary>
    internal const float SilentFrameEnergy = 1e-13f;

    private static readonly ConcurrentDictionary<(int Rate, int NFft, int Bands), MelBank> s_melBanks = new();
    private static readonly ConcurrentDictionary<int, float[]> s_windows = new();

    private FrameAnalysis(int sampleRate, int fftSize, int hop, int frames, int melBands, float[] signal)
    {
        SampleRate = sampleRate;
        FftSize = fftSize;
        Hop = hop;
        Frames = frames;
        Bins = (fftSize / 2) + 1;
        MelBands = melBands;
        Signal = signal;
        Energy = new float[frames];
        Centroid = new float[frames];
        Bandwidth = new float[frames];
        Rolloff = new float[frames];
        Flatness = new float[frames];
        Zcr = new float[frames];
        Mel = new float[frames * melBands];
        Active = new bool[frames];
    }

    /// <summary>Analysis sample rate in Hz.</summary>
    public int SampleRate { get; }

    public int FftSize { get; }

    /// <summary>Hop in samples.</summary>
    public int Hop { get; }

    public int Frames { get; }

    /// <summary>FftSize/2 + 1.</summary>
    public int Bins { get; }

    public int MelBands { get; }

    /// <summary>Frames per second.</summary>
    public double FrameRate => (double)SampleRate / Hop;

    /// <summary>The mono signal at the analysis rate.</summary>
    public float[] Signal { get; }

    /// <summary>Per frame: total power Σ|X|² (scaled as described on the type).</summary>
    public float[] Energy { get; }

    /// <summary>Per frame: power-weighted mean frequency in Hz.</summary>
    public float[] Centroid { get; }

    /// <summary>Per frame: power-weighted standard deviation of frequency around the centroid, in Hz.</summary>
    public float[] Bandwidth { get; }

    /// <summary>Per frame: the lowest bin frequency (Hz) at which the cumulative power reaches the roll-off fraction.</summary>
    public float[] Rolloff { get; }

    /// <summary>Per frame: geometric / arithmetic mean of the power spectrum (0…1).</summary>
    public float[] Flatness { get; }

    /// <summary>Per frame: zero crossings per sample pair within the frame's span of the signal.</summary>
    public float[] Zcr { get; }

    /// <summary>Mel band powers, row-major <c>[Frames, MelBands]</c>.</summary>
    public float[] Mel { get; }

    /// <summary>
    /// Frames within <see cref="DescriptorOptions.ActiveFrameRangeDb"/> of the loudest frame and not silent. When the signal
    /// is at least one frame long, frames whose window reaches past either end of the signal are left out (their spectra
    /// describe the cut, not the sound) unless no other frame is active.
    /// </summary>
    public bool[] Active { get; }

    public int ActiveCount { get; private set; }

    /// <summary>Frequency of bin k in Hz.</summary>
    public double BinHz(double k) => k * SampleRate / FftSize;

    /// <summary>Mean of <paramref name="perFrame"/> over the active frames (0 when none is active).</summary>
    public double ActiveMean(float[] perFrame)
    {
        if (ActiveCount == 0) return 0;
        double sum = 0;
        for (var t = 0; t < Frames; t++)
        {
            if (Active[t]) sum += perFrame[t];
        }
        return sum / ActiveCount;
    }

    /// <summary>Runs the pass over <paramref name="signal"/> (mono, at <see cref="DescriptorOptions.SampleRate"/>).</summary>
    public static FrameAnalysis Compute(float[] signal, DescriptorOptions options, CancellationToken cancellationToken)
    {
        var nFft = options.FftSize;
        var hop = options.Hop;
        var rate = options.SampleRate;
        var n = signal.Length;
        var frames = 1 + (n / hop);
        var a = new FrameAnalysis(rate, nFft, hop, frames, options.MelBands, signal);
        var bins = a.Bins;

        var window = s_windows.GetOrAdd(nFft, CreateWindow);
        var mel = s_melBanks.GetOrAdd((rate, nFft, options.MelBands), k => new MelBank(k.Rate, k.NFft, k.Bands));
        var fft = new RealFft(nFft);
        var frame = new float[nFft];
        var power = new float[bins];
        var scratch = new float[bins];
        var freqs = new float[bins];
        for (var k = 0; k < bins; k++) freqs[k] = (float)a.BinHz(k);

        // Zero crossings as a prefix count: crossings[i] = number of sign changes between samples j-1, j for j ≤ i.
        var crossings = new int[Math.Max(n, 1)];
        for (var i = 1; i < n; i++)
        {
            crossings[i] = crossings[i - 1] + ((signal[i] >= 0) != (signal[i - 1] >= 0) ? 1 : 0);
        }

        var rolloffFraction = (float)options.RolloffFraction;
        var half = nFft / 2;
        for (var t = 0; t < frames; t++)
        {
            if ((t & 255) == 0) cancellationToken.ThrowIfCancellationRequested();
            var start = (t * hop) - half;
            var from = Math.Max(0, start);
            var to = Math.Min(n, start + nFft);
            Array.Clear(frame);
            if (to > from)
            {
                signal.AsSpan(from, to - from).CopyTo(frame.AsSpan(from - start));
            }
            TensorPrimitives.Multiply(frame, window, frame);
            fft.Power(frame, power);

            var energy = TensorPrimitives.Sum<float>(power);
            a.Energy[t] = energy;
            if (to - from > 1)
            {
                a.Zcr[t] = (float)(crossings[to - 1] - crossings[from]) / (to - from - 1);
            }

            var melRow = a.Mel.AsSpan(t * a.MelBands, a.MelBands);
            mel.Apply(power, melRow);

            if (energy <= SilentFrameEnergy) continue;
            var centroid = TensorPrimitives.Dot<float>(power, freqs) / energy;
            a.Centroid[t] = centroid;
            TensorPrimitives.Subtract(freqs, centroid, scratch);
            TensorPrimitives.Multiply(scratch, scratch, scratch);
            a.Bandwidth[t] = MathF.Sqrt(Math.Max(0f, TensorPrimitives.Dot<float>(scratch, power) / energy));

            var threshold = rolloffFraction * energy;
            var cumulative = 0f;
            var kRoll = bins - 1;
            for (var k = 0; k < bins; k++)
            {
                cumulative += power[k];
                if (cumulative >= threshold)
                {
                    kRoll = k;
                    break;
                }
            }
            a.Rolloff[t] = freqs[kRoll];

            // Floor 100 dB below the frame's strongest bin (librosa's amin = 1e-10 for a full-scale frame, but relative,
            // so that flatness does not depend on gain).
            var floor = Math.Max(1e-30f, TensorPrimitives.Max<float>(power) * PowerFloor);
            TensorPrimitives.Max(power, floor, scratch);
            TensorPrimitives.Log(scratch, scratch);
            var geometric = MathF.Exp(TensorPrimitives.Sum<float>(scratch) / bins);
            var arithmetic = Math.Max(energy / bins, floor);
            a.Flatness[t] = Math.Clamp(geometric / arithmetic, 0f, 1f);
        }

        var maxEnergy = TensorPrimitives.Max<float>(a.Energy);
        var gate = Math.Max(SilentFrameEnergy, maxEnergy * (float)Math.Pow(10, -options.ActiveFrameRangeDb / 10));
        var active = 0;
        for (var pass = 0; pass < 2 && active == 0; pass++)
        {
            for (var t = 0; t < frames; t++)
            {
                var start = (t * hop) - half;
                var whole = start >= 0 && start + nFft <= n;
                if (pass == 0 && !whole) continue;
                if (a.Energy[t] > gate || (a.Energy[t] == maxEnergy && maxEnergy > SilentFrameEnergy))
                {
                    a.Active[t] = true;
                    active++;
                }
            }
        }
        a.ActiveCount = active;
        return a;
    }

    private static float[] CreateWindow(int nFft)
    {
        // Periodic Hann, scaled by 2/Σw (Σw = N/2) so a bin-centred sine of amplitude A has |X| = A.
        var w = new float[nFft];
        var scale = 4.0 / nFft;
        for (var i = 0; i < nFft; i++) w[i] = (float)(scale * (0.5 - (0.5 * Math.Cos(2 * Math.PI * i / nFft))));
        return w;
    }

    /// <summary>A mel filterbank stored as one contiguous non-zero bin range per band.</summary>
    private sealed class MelBank
    {
        private readonly float[] _weights;
        private readonly int[] _from;
        private readonly int[] _to;
        private readonly int _bins;

        public MelBank(int rate, int nFft, int bands)
        {
            _bins = (nFft / 2) + 1;
            _weights = MelFilterBank.Create(rate, nFft, bands);
            _from = new int[bands];
            _to = new int[bands];
            for (var m = 0; m < bands; m++)
            {
                var row = _weights.AsSpan(m * _bins, _bins);
                var lo = row.IndexOfAnyExcept(0f);
                var hi = row.LastIndexOfAnyExcept(0f);
                _from[m] = lo < 0 ? 0 : lo;
                _to[m] = lo < 0 ? 0 : hi + 1;
            }
        }

        public void Apply(ReadOnlySpan<float> power, Span<float> bands)
        {
            for (var m = 0; m < bands.Length; m++)
            {
                var len = _to[m] - _from[m];
                bands[m] = len <= 0 ? 0f : TensorPrimitives.Dot(power.Slice(_from[m], len), _weights.AsSpan((m * _bins) + _from[m], len));
            }
        }
    }
}
