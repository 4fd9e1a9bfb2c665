using System.Numerics.Tensors;

namespace Traum.Audio.Loudness;

/// <summary>Level and loudness of a whole signal.</summary>
/// <param name="IntegratedLufs">Gated integrated loudness in LUFS (ITU-R BS.1770-4); −∞ for silence.</param>
/// <param name="SamplePeakDb">Largest absolute sample in dBFS; −∞ for silence.</param>
/// <param name="TruePeakDb">Largest absolute value of the 4× oversampled signal in dBTP; −∞ for silence.</param>
/// <param name="RmsDb">RMS over all channels and samples in dBFS (a full-scale sine reads −3.01); −∞ for silence.</param>
public sealed record LoudnessMeasurement(double IntegratedLufs, double SamplePeakDb, double TruePeakDb, double RmsDb);

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
/// </remarks>
public sealed class LoudnessAnalyzer
{
    private const double AbsoluteGate = -70.0;
    private const double RelativeGate = -10.0;

    private readonly int _channels;
    private readonly double[] _weights;
    private readonly Biquad[] _shelf;
    private readonly Biquad[] _highPass;
    private readonly int _step;                    // samples per 100 ms
    private readonly List<double> _stepEnergy = []; // weighted Σ of squares per complete 100 ms step
    private readonly TruePeakMeter _truePeak;
    private double _current;                       // weighted Σ of squares of the current (incomplete) step
    private int _inStep;
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

        // K-weighted energy, step by step (the filters run per channel across the step).
        var done = 0;
        while (done < count)
        {
            var n = Math.Min(_step - _inStep, count - done);
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
            _current += e;
            _inStep += n;
            done += n;
            if (_inStep == _step)
            {
                _stepEnergy.Add(_current);
                _current = 0;
                _inStep = 0;
            }
        }
        _frames += count;
    }

    /// <summary>Finishes the measurement (idempotent).</summary>
    public LoudnessMeasurement Result
    {
        get
        {
            if (_result is not null) return _result;
            _truePeak.Finish();
            var rms = _frames == 0 ? double.NegativeInfinity : 10 * Math.Log10(_sumSquares / ((double)_frames * _channels));
            _result = new LoudnessMeasurement(Integrated(), ToDb(_samplePeak), ToDb(_truePeak.Peak), rms);
            return _result;
        }
    }

    private static double ToDb(double linear) => 20 * Math.Log10(linear);

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
            var total = _current;
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
