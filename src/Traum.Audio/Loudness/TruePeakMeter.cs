using System.Numerics.Tensors;
using Traum.Audio.Dsp;

namespace Traum.Audio.Loudness;

/// <summary>
/// True-peak measurement as in ITU-R BS.1770-4 Annex 2: the signal is oversampled (4× below 96 kHz, 2× below
/// 192 kHz, 1× above) with a polyphase windowed-sinc interpolator and the largest absolute value is taken. The
/// interpolator has <see cref="TapsPerPhase"/> taps per phase (Kaiser window, β = <see cref="Beta"/>, cut-off at
/// the input Nyquist frequency); phase 0 is the input sample itself.
/// </summary>
internal sealed class TruePeakMeter
{
    public const int TapsPerPhase = 32;
    public const double Beta = 8.0;

    private readonly int _factor;
    private readonly float[][] _phases;   // phases 1..factor−1, each TapsPerPhase taps
    private readonly float[][] _history;  // per channel: last TapsPerPhase − 1 samples then the new chunk
    private float[] _scratch = [];
    private bool _primed;
    private double _peak;

    public TruePeakMeter(int sampleRate, int channels)
    {
        _factor = sampleRate < 96000 ? 4 : sampleRate < 192000 ? 2 : 1;
        _phases = new float[_factor - 1][];
        var half = TapsPerPhase / 2;
        var i0 = WindowedSinc.BesselI0(Beta);
        for (var p = 1; p < _factor; p++)
        {
            var row = new float[TapsPerPhase];
            double sum = 0;
            var tmp = new double[TapsPerPhase];
            for (var t = 0; t < TapsPerPhase; t++)
            {
                // Tap t multiplies x[n − half + 1 + t] for the value at time n + p/factor.
                var tau = ((double)p / _factor) + half - 1 - t;
                tmp[t] = WindowedSinc.Kernel(tau, 0.5, half, Beta, i0);
                sum += tmp[t];
            }
            for (var t = 0; t < TapsPerPhase; t++) row[t] = (float)(tmp[t] / sum);
            _phases[p - 1] = row;
        }
        _history = new float[channels][];
        for (var c = 0; c < channels; c++) _history[c] = new float[TapsPerPhase - 1];
    }

    /// <summary>Largest absolute interpolated value so far (linear).</summary>
    public double Peak => _peak;

    public void Add(float[][] channels, int offset, int count)
    {
        if (count <= 0) return;
        _primed = true;
        var h = TapsPerPhase - 1;
        if (_scratch.Length < h + count) _scratch = new float[h + count];
        for (var c = 0; c < _history.Length; c++)
        {
            var ext = _scratch.AsSpan(0, h + count);
            _history[c].CopyTo(ext);
            channels[c].AsSpan(offset, count).CopyTo(ext[h..]);
            Scan(ext);
            ext[count..].CopyTo(_history[c]);
        }
    }

    /// <summary>Evaluates the samples whose look-ahead reached past the end (zeros after the end).</summary>
    public void Finish()
    {
        if (!_primed) return;
        var h = TapsPerPhase - 1;
        var pad = TapsPerPhase / 2;
        if (_scratch.Length < h + pad) _scratch = new float[h + pad];
        for (var c = 0; c < _history.Length; c++)
        {
            var ext = _scratch.AsSpan(0, h + pad);
            _history[c].CopyTo(ext);
            ext[h..].Clear();
            Scan(ext);
        }
        _primed = false;
    }

    /// <summary>
    /// ext holds x[n0 − half + 1 …] with n0 the first sample whose interpolations are not yet done: evaluates the
    /// interpolated values between x[n] and x[n+1] for every n whose taps are inside ext.
    /// </summary>
    private void Scan(ReadOnlySpan<float> ext)
    {
        var peak = (float)_peak;
        var m = Math.Abs(TensorPrimitives.MaxMagnitude(ext)); // MaxMagnitude keeps the sign
        if (m > peak) peak = m;
        var positions = ext.Length - TapsPerPhase + 1;
        foreach (var phase in _phases)
        {
            for (var s = 0; s < positions; s++)
            {
                var v = Math.Abs(TensorPrimitives.Dot(ext.Slice(s, TapsPerPhase), phase));
                if (v > peak) peak = v;
            }
        }
        _peak = peak;
    }
}
