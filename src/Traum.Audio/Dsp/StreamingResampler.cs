using System.Numerics.Tensors;

namespace Traum.Audio.Dsp;

/// <summary>
/// Band-limited (Kaiser-windowed sinc) sample-rate converter that processes a long signal in chunks. Feeding a
/// signal in any chunking and then calling <c>Flush</c> gives exactly the samples of
/// <see cref="Resampler.Resample(ReadOnlySpan{float}, int, int)"/>: output sample j is the input evaluated at time
/// j·from/to (input samples), zero before the start and after the end; the output has
/// round(n·to/from) samples for n input samples.
/// </summary>
/// <remarks>
/// Filter: cut-off 0.95 × the lower Nyquist frequency, transition band 0.9–1.0 × the lower Nyquist frequency,
/// Kaiser window designed for <see cref="DesignAttenuationDb"/> dB (β ≈ 8.96), length ≈ 114 samples at the lower
/// rate. Rate pairs whose reduced interpolation factor is at most <see cref="MaxExactPhases"/> use an exact
/// polyphase table; other pairs interpolate linearly between <see cref="InterpolatedPhases"/> tabulated phases.
/// The group delay is compensated (zero-phase), so the output is time-aligned with the input.
/// </remarks>
public sealed class StreamingResampler
{
    /// <summary>Stopband attenuation the Kaiser design aims at, in dB (the measured rejection is ≥ 80 dB).</summary>
    public const double DesignAttenuationDb = 90.0;

    /// <summary>End of the passband as a fraction of the lower Nyquist frequency.</summary>
    public const double PassbandEdge = 0.9;

    /// <summary>Start of the stopband as a fraction of the lower Nyquist frequency.</summary>
    public const double StopbandEdge = 1.0;

    /// <summary>Largest reduced interpolation factor (to / gcd) served by an exact polyphase table.</summary>
    public const int MaxExactPhases = 1024;

    /// <summary>Number of tabulated phases for rate pairs with a larger reduced factor.</summary>
    public const int InterpolatedPhases = 512;

    private readonly int _channels;
    private readonly long _l;       // output step (reduced target rate)
    private readonly long _m;       // input step (reduced source rate)
    private readonly long _mDiv;    // M / L
    private readonly long _mRem;    // M % L
    private readonly int _k;        // taps reach K−1 samples back and K samples ahead
    private readonly int _taps;     // 2K
    private readonly bool _exact;
    private readonly float[] _table;
    private readonly float[] _coef;
    private float[][] _buf;
    private long _bufStart;         // absolute input index of _buf[c][0]
    private int _bufLen;
    private long _inputCount;
    private long _nextOut;
    private long _i;                // floor(j·M/L) for j = _nextOut
    private long _p;                // (j·M) mod L
    private bool _flushed;

    /// <summary>Creates a converter from <paramref name="sourceRate"/> to <paramref name="targetRate"/> Hz for <paramref name="channels"/> channels.</summary>
    public StreamingResampler(int sourceRate, int targetRate, int channels = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        SourceRate = sourceRate;
        TargetRate = targetRate;
        _channels = channels;
        var g = Gcd(sourceRate, targetRate);
        _l = targetRate / g;
        _m = sourceRate / g;
        _mDiv = _m / _l;
        _mRem = _m % _l;

        var filter = FilterFor(sourceRate, targetRate, _l);
        _k = filter.K;
        _taps = 2 * _k;
        _exact = filter.Exact;
        _table = filter.Table;
        _coef = new float[_taps];
        _buf = new float[channels][];
        for (var c = 0; c < channels; c++) _buf[c] = new float[Math.Max(4 * _taps, 8192)];
        _bufStart = -(_k - 1);
        _bufLen = _k - 1;
    }

    /// <summary>Input rate in Hz.</summary>
    public int SourceRate { get; }

    /// <summary>Output rate in Hz.</summary>
    public int TargetRate { get; }

    /// <summary>Channel count.</summary>
    public int Channels => _channels;

    /// <summary>Filter taps applied per output sample.</summary>
    public int TapsPerOutput => _taps;

    /// <summary>Output length for <paramref name="inputLength"/> input samples: round(n·to/from).</summary>
    public static long OutputLength(long inputLength, int sourceRate, int targetRate)
    {
        var g = Gcd(sourceRate, targetRate);
        long l = targetRate / g, m = sourceRate / g;
        return ((2 * inputLength * l) + m) / (2 * m);
    }

    /// <summary>Most output frames one <c>Process</c> call with <paramref name="inputFrames"/> input frames can return.</summary>
    public int MaxOutput(int inputFrames) => (int)((((long)inputFrames * _l) + _m - 1) / _m) + 1;

    /// <summary>
    /// Feeds <paramref name="count"/> frames of planar input starting at <paramref name="offset"/> and writes the
    /// output that is now complete into <paramref name="destination"/> at <paramref name="destinationOffset"/>
    /// (room for <see cref="MaxOutput"/> frames needed). Returns the frames written.
    /// </summary>
    public int Process(float[][] input, int offset, int count, float[][] destination, int destinationOffset)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(destination);
        if (input.Length < _channels || destination.Length < _channels) throw new ArgumentException($"Need {_channels} channel arrays.");
        EnsureOpen();
        Compact();
        EnsureCapacity(count);
        for (var c = 0; c < _channels; c++) input[c].AsSpan(offset, count).CopyTo(_buf[c].AsSpan(_bufLen));
        _bufLen += count;
        _inputCount += count;
        var n = Producible(long.MaxValue);
        for (var c = 0; c < _channels; c++) Produce(c, destination[c].AsSpan(destinationOffset), n);
        Commit(n);
        return n;
    }

    /// <summary>Single-channel <see cref="Process(float[][], int, int, float[][], int)"/>.</summary>
    public int Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (_channels != 1) throw new InvalidOperationException("This overload is for one channel.");
        EnsureOpen();
        Compact();
        EnsureCapacity(input.Length);
        input.CopyTo(_buf[0].AsSpan(_bufLen));
        _bufLen += input.Length;
        _inputCount += input.Length;
        var n = Producible(long.MaxValue);
        Produce(0, output, n);
        Commit(n);
        return n;
    }

    /// <summary>
    /// Ends the stream: writes the remaining output (the tail, computed with zeros past the end) so that the total
    /// is round(n·to/from). Returns the frames written. The converter cannot be fed afterwards.
    /// </summary>
    public int Flush(float[][] destination, int destinationOffset)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var n = PrepareFlush();
        for (var c = 0; c < _channels; c++) Produce(c, destination[c].AsSpan(destinationOffset), n);
        Commit(n);
        return n;
    }

    /// <summary>Single-channel <see cref="Flush(float[][], int)"/>.</summary>
    public int Flush(Span<float> output)
    {
        if (_channels != 1) throw new InvalidOperationException("This overload is for one channel.");
        var n = PrepareFlush();
        Produce(0, output, n);
        Commit(n);
        return n;
    }

    /// <summary>Output frames <c>Flush</c> would write if the stream ended now (room the flush destination needs).</summary>
    public long PendingFlushOutput => OutputLength(_inputCount, SourceRate, TargetRate) - _nextOut;

    private int PrepareFlush()
    {
        EnsureOpen();
        _flushed = true;
        var total = OutputLength(_inputCount, SourceRate, TargetRate);
        Compact();
        EnsureCapacity(_k + 1);
        for (var c = 0; c < _channels; c++) _buf[c].AsSpan(_bufLen, _k + 1).Clear();
        _bufLen += _k + 1;
        return Producible(total);
    }

    private void EnsureOpen()
    {
        if (_flushed) throw new InvalidOperationException("The resampler has been flushed.");
    }

    /// <summary>Drops input that no future output needs.</summary>
    private void Compact()
    {
        var keepFrom = _i - _k + 1;
        var drop = (int)Math.Clamp(keepFrom - _bufStart, 0, _bufLen);
        if (drop == 0) return;
        for (var c = 0; c < _channels; c++) _buf[c].AsSpan(drop, _bufLen - drop).CopyTo(_buf[c]);
        _bufLen -= drop;
        _bufStart += drop;
    }

    private void EnsureCapacity(int more)
    {
        var need = _bufLen + more;
        if (need <= _buf[0].Length) return;
        var cap = Math.Max(need, _buf[0].Length * 2);
        for (var c = 0; c < _channels; c++) Array.Resize(ref _buf[c], cap);
    }

    /// <summary>How many outputs are computable from the buffered input (at most <paramref name="limit"/> in total).</summary>
    private int Producible(long limit)
    {
        var end = _bufStart + _bufLen; // exclusive
        // Output j needs inputs up to i_j + K; i_j = floor(j·M/L). Largest j with i_j + K < end: j·M < (end − K)·L.
        var maxI = end - _k;  // i must be < maxI
        if (maxI <= 0) return 0;
        var lastJExclusive = ((maxI * _l) + _m - 1) / _m; // smallest j with j·M ≥ maxI·L
        var n = Math.Min(lastJExclusive, limit) - _nextOut;
        return (int)Math.Clamp(n, 0, int.MaxValue);
    }

    private void Produce(int channel, Span<float> output, int n)
    {
        var buf = _buf[channel];
        long i = _i, p = _p;
        var taps = _taps;
        for (var j = 0; j < n; j++)
        {
            var start = (int)(i - _k + 1 - _bufStart);
            ReadOnlySpan<float> coef;
            if (_exact)
            {
                coef = _table.AsSpan((int)p * taps, taps);
            }
            else
            {
                var pos = (double)p * InterpolatedPhases / _l;
                var q = (int)pos;
                TensorPrimitives.Lerp(_table.AsSpan(q * taps, taps), _table.AsSpan((q + 1) * taps, taps), (float)(pos - q), _coef);
                coef = _coef;
            }
            output[j] = TensorPrimitives.Dot(buf.AsSpan(start, taps), coef);
            i += _mDiv;
            p += _mRem;
            if (p >= _l)
            {
                p -= _l;
                i++;
            }
        }
    }

    private void Commit(int n)
    {
        _nextOut += n;
        // Advance (i, p) by n steps of M/L exactly.
        var total = (_p + (n * _mRem));
        _i += (n * _mDiv) + (total / _l);
        _p = total % _l;
    }

    /// <summary>A rate pair's polyphase table: read only, so converters of the same pair share it.</summary>
    private sealed record Filter(int K, bool Exact, float[] Table);

    // A library holds few rate pairs (44.1 and 48 kHz to the analysis rates); designing the table costs tens of
    // thousands of Kaiser kernel evaluations, once per pair instead of once per file.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int From, int To), Filter> Filters = new();

    private static Filter FilterFor(int sourceRate, int targetRate, long l)
    {
        if (Filters.TryGetValue((sourceRate, targetRate), out var known)) return known;
        var filter = Design(sourceRate, targetRate, l);
        if (Filters.Count < 64) Filters.TryAdd((sourceRate, targetRate), filter);
        return filter;
    }

    private static Filter Design(int sourceRate, int targetRate, long l)
    {
        double lower = Math.Min(sourceRate, targetRate);
        var cutoff = (PassbandEdge + StopbandEdge) / 2.0 * (lower / 2.0) / sourceRate; // cycles per input sample
        var transition = (StopbandEdge - PassbandEdge) * 0.5;                            // cycles per lower-rate sample
        var halfWidth = WindowedSinc.KaiserLength(DesignAttenuationDb, transition) / 2.0 * (sourceRate / lower);
        var beta = WindowedSinc.KaiserBeta(DesignAttenuationDb);
        var i0 = WindowedSinc.BesselI0(beta);
        var k = (int)Math.Ceiling(halfWidth);
        var taps = 2 * k;

        var exact = l <= MaxExactPhases;
        var rows = exact ? (int)l : InterpolatedPhases + 1;
        var table = new float[rows * taps];
        var row = new double[taps];
        for (var r = 0; r < rows; r++)
        {
            var frac = exact ? (double)r / l : (double)r / InterpolatedPhases;
            var sum = 0.0;
            for (var t = 0; t < taps; t++)
            {
                // Tap t multiplies input sample i − K + 1 + t for an output at time i + frac.
                var tau = frac + k - 1 - t;
                row[t] = WindowedSinc.Kernel(tau, cutoff, halfWidth, beta, i0);
                sum += row[t];
            }
            for (var t = 0; t < taps; t++) table[(r * taps) + t] = (float)(row[t] / sum);
        }
        return new Filter(k, exact, table);
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
