namespace Traum.Audio.Descriptors;

/// <summary>
/// Power spectrum of one real frame of length N (a power of two): an iterative radix-2 complex FFT of
/// size N/2 over the even/odd samples packed as re/im, then the split step to the N/2 + 1 real-input bins.
/// Owns its scratch buffers, so one instance serves one analysis at a time and allocates nothing per frame.
/// </summary>
internal sealed class RealFft
{
    private readonly int _n;
    private readonly int _half;
    private readonly int[] _bitReverse;
    private readonly float[] _cos;
    private readonly float[] _sin;
    private readonly float[] _splitCos;
    private readonly float[] _splitSin;
    private readonly float[] _re;
    private readonly float[] _im;

    public RealFft(int n)
    {
        if (n < 4 || (n & (n - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(n), n, "FFT size must be a power of two, at least 4.");
        _n = n;
        _half = n / 2;
        var bits = System.Numerics.BitOperations.Log2((uint)_half);
        _bitReverse = new int[_half];
        for (var i = 0; i < _half; i++)
        {
            var r = 0;
            for (var b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
            _bitReverse[i] = r;
        }
        _cos = new float[Math.Max(1, _half / 2)];
        _sin = new float[_cos.Length];
        for (var j = 0; j < _cos.Length; j++)
        {
            _cos[j] = (float)Math.Cos(2 * Math.PI * j / _half);
            _sin[j] = (float)Math.Sin(2 * Math.PI * j / _half);
        }
        _splitCos = new float[_half + 1];
        _splitSin = new float[_half + 1];
        for (var k = 0; k <= _half; k++)
        {
            _splitCos[k] = (float)Math.Cos(2 * Math.PI * k / n);
            _splitSin[k] = (float)Math.Sin(2 * Math.PI * k / n);
        }
        _re = new float[_half];
        _im = new float[_half];
    }

    /// <summary>Frame length N in samples.</summary>
    public int Size => _n;

    /// <summary>Writes |X[k]|² for k = 0…N/2 of the DFT X of <paramref name="frame"/> (length N) into <paramref name="power"/> (length N/2 + 1).</summary>
    public void Power(ReadOnlySpan<float> frame, Span<float> power)
    {
        if (frame.Length != _n) throw new ArgumentException($"Frame must have {_n} samples.", nameof(frame));
        if (power.Length != _half + 1) throw new ArgumentException($"Power must have {_half + 1} bins.", nameof(power));
        var re = _re;
        var im = _im;
        for (var j = 0; j < _half; j++)
        {
            var r = _bitReverse[j];
            re[r] = frame[2 * j];
            im[r] = frame[(2 * j) + 1];
        }

        for (var size = 2; size <= _half; size <<= 1)
        {
            var halfSize = size >> 1;
            var step = _half / size;
            for (var start = 0; start < _half; start += size)
            {
                for (var j = 0; j < halfSize; j++)
                {
                    var wr = _cos[j * step];
                    var wi = -_sin[j * step];
                    var a = start + j;
                    var b = a + halfSize;
                    var tr = (wr * re[b]) - (wi * im[b]);
                    var ti = (wr * im[b]) + (wi * re[b]);
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
        }

        // Split: X[k] = E[k] + e^{-2πik/N}·O[k], E = (Z[k] + conj Z[N/2−k]) / 2, O = (Z[k] − conj Z[N/2−k]) / 2i.
        var dc = re[0] + im[0];
        var nyquist = re[0] - im[0];
        power[0] = dc * dc;
        power[_half] = nyquist * nyquist;
        for (var k = 1; k < _half; k++)
        {
            var zr = re[k];
            var zi = im[k];
            var cr = re[_half - k];
            var ci = -im[_half - k];
            var er = 0.5f * (zr + cr);
            var ei = 0.5f * (zi + ci);
            var dr = 0.5f * (zr - cr);
            var di = 0.5f * (zi - ci);
            var tr = di;
            var ti = -dr;
            var wc = _splitCos[k];
            var ws = _splitSin[k];
            var xr = er + ((wc * tr) + (ws * ti));
            var xi = ei + ((wc * ti) - (ws * tr));
            power[k] = (xr * xr) + (xi * xi);
        }
    }
}
