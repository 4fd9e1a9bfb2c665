using System.Numerics.Tensors;

namespace Traum.Audio.Loudness;

/// <summary>Level and loudness of a whole signal.</summary>
/// <param name="IntegratedLufs">Gated integrated loudness in LUFS (ITU-R BS.1770-4); −∞ for silence.</param>
/// <param name="SamplePeakDb">Largest absolute sample in dBFS; −∞ for silence.</param>
/// <param name="TruePeakDb">Largest absolute value of the 4× oversampled signal in dBTP; −∞ for silence.</param>
/// <param name="RmsDb">RMS over all channels and samples in dBFS (a full-scale sine reads −3.01); −∞ for silence.</param>
/// <param name="MomentaryMaxLufs">Largest momentary loudness (400 ms window, ungated, EBU Tech 3341) in LUFS; −∞ for silence.</param>
/// <param name="ShortTermMaxLufs">Largest short-term loudness (3 s window, ungated, EBU Tech 3341) in LUFS; −∞ for silence.</param>
/// <param name="LoudnessRangeLu">Loudness range (EBU Tech 3342) in LU; NaN when the signal holds no complete 3 s window above the gates.</param>
public sealed record LoudnessMeasurement(
    double IntegratedLufs, double SamplePeakDb, double TruePeakDb, double RmsDb,
    double MomentaryMaxLufs = double.NegativeInfinity, double ShortTermMaxLufs = double.NegativeInfinity, double LoudnessRangeLu = double.NaN);

/// <summary>
/// Streaming level meter: feed planar chunks with <see cref="Add"/>, then read <see cref="Result"/>. Memory stays
/// bounded (one double per 100 ms of audio for the gating), so it measures files of any length.
/// </summary>
/// <remarks>
/// Integrated loudness follows ITU-R BS.1770-4 / EBU R128: K-weighting (<see cref="KWeighting"/>), mean square per
/// channel over 400 ms blocks starting every 100 ms (75 % overlap; only complete blocks count), channel weights 1.0
/// for left, right and centre, 1.41 for the surround channels and 0 for LFE (channel order L, R, C, LFE, Ls, Rs for
/// six or more channels; L, R, C, Ls, Rs for five; every channel 1.0 otherwise), block loudness
/// −0.691 + 10·log10(Σ G·z), absolute gate −70 LUFS, relative gate −10 LU below the loudness of the blocks above
/// the absolute gate. A signal shorter than one block is measured as a single block over its whole length.
/// <para>
/// Momentary (400 ms) and short-term (3 s) loudness (EBU Tech 3341) are the same block loudness, ungated, over windows
/// that end every 10 ms (every 100 ms when 100 ms is not a whole number of 10 ms steps at the rate); the meter starts
/// from silence, so a window that reaches back before the first sample counts silence there (as a meter switched on
/// with the signal), and the window always divides by its full length. Their maxima are reported.
/// </para>
/// <para>
/// Loudness range (EBU Tech 3342): short-term loudness of the complete 3 s windows starting every 100 ms, absolute gate
/// −70 LUFS, relative gate −20 LU below the loudness of the mean energy of the windows above the absolute gate; the range
/// is the 95th minus the 10th percentile (linear interpolation between ranks) of what remains.
/// </para>
/// </remarks>
public sealed class LoudnessAnalyzer
{
    private const double AbsoluteGate = -70.0;
    private const double RelativeGate = -10.0;
    private const double RangeRelativeGate = -20.0;
    private const int MomentarySteps = 4;    // 400 ms in 100 ms steps
    private const int ShortTermSteps = 30;   // 3 s in 100 ms steps

    private readonly int _channels;
    private readonly double[] _weights;
    private readonly Biquad[] _shelf;
    private readonly Biquad[] _highPass;
    private readonly int _step;                    // samples per 100 ms
    private readonly List<double> _stepEnergy = []; // weighted Σ of squares per complete 100 ms step
    private readonly TruePeakMeter _truePeak;
    private double _current;                       // weighted Σ of squares of the current (incomplete) step
    private int _inStep;
    private readonly int _sub;                     // samples per sub-step (10 ms, or the whole step)
    private readonly int _subsPerStep;
    private readonly double[] _ring;               // the last ShortTermSteps × _subsPerStep sub-step energies
    private int _ringPos;
    private double _currentSub;
    private int _inSub;
    private double _momentaryMax;                  // largest windowed mean square (weighted), 0 before any window
    private double _shortTermMax;
    private long _frames;
    private double _sumSquares;
    private float _samplePeak;
    private LoudnessMeasurement? _result;

    /// <summary>Creates a meter for <paramref name="channels"/> channels at <paramref name="sampleRate"/> Hz.</summary>
    public LoudnessAnalyzer(int sampleRate, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        _channels = channels;
        _weights = ChannelWeights(channels);
        _shelf = new Biquad[channels];
        _highPass = new Biquad[channels];
        var s = KWeighting.Shelf(sampleRate);
        var h = KWeighting.HighPass(sampleRate);
        for (var c = 0; c < channels; c++)
        {
            _shelf[c] = new Biquad(s);
            _highPass[c] = new Biquad(h);
        }
        _step = Math.Max(1, (int)Math.Round(sampleRate / 10.0));
        _subsPerStep = _step % 10 == 0 ? 10 : 1;
        _sub = _step / _subsPerStep;
        _ring = new double[ShortTermSteps * _subsPerStep];
        _truePeak = new TruePeakMeter(sampleRate, channels);
    }

    /// <summary>BS.1770-4 channel weights for a channel count (see the remarks).</summary>
    public static double[] ChannelWeights(int channels)
    {
        var w = new double[channels];
        Array.Fill(w, 1.0);
        if (channels == 5)
        {
            w[3] = w[4] = 1.41;
        }
        else if (channels >= 6)
        {
            w[3] = 0.0;
            w[4] = w[5] = 1.41;
        }
        return w;
    }

    /// <summary>Adds <paramref name="count"/> frames of planar audio starting at <paramref name="offset"/>.</summary>
    public void Add(float[][] channels, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Length < _channels) throw new ArgumentException($"Need {_channels} channel arrays.", nameof(channels));
        if (_result is not null) throw new InvalidOperationException("The measurement is finished.");
        if (count <= 0) return;
        for (var c = 0; c < _channels; c++)
        {
            var x = channels[c].AsSpan(offset, count);
            var peak = TensorPrimitives.MaxMagnitude(x);
            if (Math.Abs(peak) > _samplePeak) _samplePeak = Math.Abs(peak);
            _sumSquares += TensorPrimitives.SumOfSquares(x);
        }
        _truePeak.Add(channels, offset, count);

        // K-weighted energy, sub-step by sub-step (the filters run per channel across the sub-step).
        var done = 0;
        while (done < count)
        {
            var n = Math.Min(_sub - _inSub, count - done);
            var e = 0.0;
            for (var c = 0; c < _channels; c++)
            {
                if (_weights[c] == 0) continue;
                var x = channels[c].AsSpan(offset + done, n);
                ref var s1 = ref _shelf[c];
                ref var s2 = ref _highPass[c];
                var acc = 0.0;
                for (var i = 0; i < x.Length; i++)
                {
                    var y = s2.Process(s1.Process(x[i]));
                    acc += y * y;
                }
                e += _weights[c] * acc;
            }
            _currentSub += e;
            _inSub += n;
            done += n;
            if (_inSub < _sub) continue;
            _ring[_ringPos] = _currentSub;
            _ringPos = (_ringPos + 1) % _ring.Length;
            UpdateMaxima(0, false);
            _current += _currentSub;
            _currentSub = 0;
            _inSub = 0;
            _inStep += _sub;
            if (_inStep == _step)
            {
                _stepEnergy.Add(_current);
                _current = 0;
                _inStep = 0;
            }
        }
        _frames += count;
    }

    /// <summary>
    /// Updates the momentary and short-term maxima with the windows ending now; with <paramref name="partial"/>, the
    /// incomplete sub-step's energy <paramref name="pending"/> takes the place of the oldest sub-step of each window.
    /// </summary>
    private void UpdateMaxima(double pending, bool partial)
    {
        var skip = partial ? 1 : 0;
        var momentarySubs = (MomentarySteps * _subsPerStep) - skip;
        var shortTermSubs = _ring.Length - skip;
        double momentary = pending, shortTerm = pending;
        for (var i = 1; i <= shortTermSubs; i++)
        {
            var v = _ring[(_ringPos - i + _ring.Length) % _ring.Length];
            shortTerm += v;
            if (i <= momentarySubs) momentary += v;
        }
        _momentaryMax = Math.Max(_momentaryMax, momentary / (4.0 * _step));
        _shortTermMax = Math.Max(_shortTermMax, shortTerm / (30.0 * _step));
    }

    /// <summary>Finishes the measurement (idempotent).</summary>
    public LoudnessMeasurement Result
    {
        get
        {
            if (_result is not null) return _result;
            _truePeak.Finish();
            // The windows ending at the last sample when it is not on a sub-step boundary (they span up to one sub-step
            // less than their length).
            if (_inSub > 0) UpdateMaxima(_currentSub, true);
            var rms = _frames == 0 ? double.NegativeInfinity : 10 * Math.Log10(_sumSquares / ((double)_frames * _channels));
            _result = new LoudnessMeasurement(Integrated(), ToDb(_samplePeak), ToDb(_truePeak.Peak), rms,
                BlockLoudness(_momentaryMax), BlockLoudness(_shortTermMax), LoudnessRange());
            return _result;
        }
    }

    private static double ToDb(double linear) => 20 * Math.Log10(linear);

    private static double BlockLoudness(double meanSquare) => meanSquare > 0 ? -0.691 + (10 * Math.Log10(meanSquare)) : double.NegativeInfinity;

    private double LoudnessRange()
    {
        if (_stepEnergy.Count < ShortTermSteps) return double.NaN;
        var windows = new List<double>(_stepEnergy.Count - ShortTermSteps + 1);
        var sum = 0.0;
        for (var j = 0; j < ShortTermSteps; j++) sum += _stepEnergy[j];
        for (var j = 0; ; j++)
        {
            var l = BlockLoudness(sum / (ShortTermSteps * (double)_step));
            if (l > AbsoluteGate) windows.Add(sum / (ShortTermSteps * (double)_step));
            if (j + ShortTermSteps >= _stepEnergy.Count) break;
            sum += _stepEnergy[j + ShortTermSteps] - _stepEnergy[j];
            if (sum < 0) sum = 0;
        }
        if (windows.Count == 0) return double.NaN;
        var mean = 0.0;
        foreach (var z in windows) mean += z;
        var gate = BlockLoudness(mean / windows.Count) + RangeRelativeGate;
        var kept = new List<double>(windows.Count);
        foreach (var z in windows)
        {
            var l = BlockLoudness(z);
            if (l > gate) kept.Add(l);
        }
        if (kept.Count == 0) return double.NaN;
        kept.Sort();
        return Percentile(kept, 0.95) - Percentile(kept, 0.10);
    }

    /// <summary>Percentile of sorted values with linear interpolation between ranks (rank p·(n − 1)).</summary>
    private static double Percentile(List<double> sorted, double p)
    {
        var rank = p * (sorted.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = Math.Min(sorted.Count - 1, lo + 1);
        return sorted[lo] + ((rank - lo) * (sorted[hi] - sorted[lo]));
    }

    private double Integrated()
    {
        var blockSamples = 4.0 * _step;
        var blocks = new List<double>(Math.Max(0, _stepEnergy.Count - 3));
        for (var j = 0; j + 4 <= _stepEnergy.Count; j++)
        {
            blocks.Add((_stepEnergy[j] + _stepEnergy[j + 1] + _stepEnergy[j + 2] + _stepEnergy[j + 3]) / blockSamples);
        }
        if (blocks.Count == 0)
        {
            // Shorter than one 400 ms block: one block over everything there is.
            if (_frames == 0) return double.NegativeInfinity;
            var total = _current + _currentSub;
            foreach (var s in _stepEnergy) total += s;
            blocks.Add(total / _frames);
        }

        static double Lk(double z) => -0.691 + (10 * Math.Log10(z));

        double sum = 0;
        var n = 0;
        foreach (var z in blocks)
        {
            if (z > 0 && Lk(z) > AbsoluteGate)
            {
                sum += z;
                n++;
            }
        }
        if (n == 0) return double.NegativeInfinity;
        var gate = Lk(sum / n) + RelativeGate;
        sum = 0;
        n = 0;
        foreach (var z in blocks)
        {
            if (z > 0 && Lk(z) > AbsoluteGate && Lk(z) > gate)
            {
                sum += z;
                n++;
            }
        }
        return n == 0 ? double.NegativeInfinity : Lk(sum / n);
    }
}
