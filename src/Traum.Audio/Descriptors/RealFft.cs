using System.Numerics;

namespace Traum.Audio.Descriptors;

/// <summary>
/// Real-input FFT of one frame of length N (a power of two): through FFTW where libfftw3f is installed, otherwise
/// Traum's own, an iterative radix-2 complex FFT of size N/2 (first two stages fused as radix 4, the others a SIMD
/// vector at a time) over the even/odd samples packed as re/im, then the split step to the N/2 + 1 real-input bins.
/// Owns its scratch buffers, so one instance serves one analysis at a time and allocates nothing per frame.
/// </summary>
internal sealed class RealFft
{
    private readonly int _n;
    private readonly int _half;
    private readonly int[] _bitReverse;
    private readonly float[] _stageCos;
    private readonly float[] _stageSin;
    private readonly float[] _splitCos;
    private readonly float[] _splitSin;
    private readonly float[] _re;
    private readonly float[] _im;
    private readonly Dsp.FftwRealTransform? _fftw;
    private float[]? _planarRe;
    private float[]? _planarIm;

    /// <summary>
    /// False uses Traum's own FFT even where FFTW is installed (tests compare both; FFTW is used by default when present).
    /// </summary>
    internal static bool UseFftw { get; set; } = true;

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
        // Twiddles of the stage whose butterflies are h apart, e^{−2πij/(2h)} for j < h, contiguous at [h, 2h), so
        // every stage reads them in order (and a vector at a time).
        _stageCos = new float[Math.Max(2, _half)];
        _stageSin = new float[_stageCos.Length];
        for (var h = 1; h < _half; h <<= 1)
        {
            for (var j = 0; j < h; j++)
            {
                _stageCos[h + j] = (float)Math.Cos(Math.PI * j / h);
                _stageSin[h + j] = (float)-Math.Sin(Math.PI * j / h);
            }
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
        if (UseFftw && Dsp.FftwRealTransform.IsAvailable) _fftw = new Dsp.FftwRealTransform(n);
    }

    /// <summary>Frame length N in samples.</summary>
    public int Size => _n;

    /// <summary>Writes |X[k]|² for k = 0…N/2 of the DFT X of <paramref name="frame"/> (length N) into <paramref name="power"/> (length N/2 + 1).</summary>
    public void Power(ReadOnlySpan<float> frame, Span<float> power)
    {
        if (power.Length != _half + 1) throw new ArgumentException($"Power must have {_half + 1} bins.", nameof(power));
        if (_fftw is not null)
        {
            if (frame.Length != _n) throw new ArgumentException($"Frame must have {_n} samples.", nameof(frame));
            Spectral.ComplexKernels.Power(_fftw.Forward(frame), power);
            return;
        }
        Transform(frame);
        var re = _re;
        var im = _im;
        var dc = re[0] + im[0];
        var nyquist = re[0] - im[0];
        power[0] = dc * dc;
        power[_half] = nyquist * nyquist;
        for (var k = 1; k < _half; k++)
        {
            var (xr, xi) = Split(k);
            power[k] = (xr * xr) + (xi * xi);
        }
    }

    /// <summary>The one-sided DFT X[k], k = 0…N/2, of <paramref name="frame"/> (length N): real and imaginary parts (each N/2 + 1).</summary>
    public void Forward(ReadOnlySpan<float> frame, Span<float> real, Span<float> imaginary)
    {
        if (real.Length != _half + 1 || imaginary.Length != _half + 1) throw new ArgumentException($"The spectrum must have {_half + 1} bins.", nameof(real));
        if (_fftw is not null)
        {
            if (frame.Length != _n) throw new ArgumentException($"Frame must have {_n} samples.", nameof(frame));
            var c = _fftw.Forward(frame);
            for (var k = 0; k <= _half; k++)
            {
                real[k] = c[2 * k];
                imaginary[k] = c[(2 * k) + 1];
            }
            imaginary[0] = 0;
            imaginary[_half] = 0;
            return;
        }
        Transform(frame);
        real[0] = _re[0] + _im[0];
        imaginary[0] = 0;
        real[_half] = _re[0] - _im[0];
        imaginary[_half] = 0;
        for (var k = 1; k < _half; k++) (real[k], imaginary[k]) = Split(k);
    }

    /// <summary>
    /// The real signal x (length N) whose one-sided DFT is X[k], k = 0…N/2 (numpy's irfft: x[n] = (1/N)·Σ X[k]·e^{2πikn/N}
    /// over the Hermitian-extended spectrum; the imaginary parts of X[0] and X[N/2] are ignored).
    /// </summary>
    public void Inverse(ReadOnlySpan<float> real, ReadOnlySpan<float> imaginary, Span<float> frame)
    {
        if (real.Length != _half + 1 || imaginary.Length != _half + 1) throw new ArgumentException($"The spectrum must have {_half + 1} bins.", nameof(real));
        if (frame.Length != _n) throw new ArgumentException($"Frame must have {_n} samples.", nameof(frame));
        if (_fftw is not null)
        {
            _fftw.Inverse(real, imaginary, frame);
            return;
        }
        // E[k] = (X[k] + conj X[N/2−k]) / 2 and O[k] = (X[k] − conj X[N/2−k]) · e^{+2πik/N} / 2 are the DFTs of the even and
        // odd samples; z = even + i·odd is the inverse DFT of Z = E + i·O, taken as conj(FFT(conj Z)) / (N/2).
        var re = _re;
        var im = _im;
        for (var k = 0; k < _half; k++)
        {
            var ar = real[k];
            var ai = k == 0 ? 0f : imaginary[k];
            var br = real[_half - k];
            var bi = -(k == 0 ? 0f : imaginary[_half - k]); // conj X[N/2 − k]; X[N/2] is real
            var er = 0.5f * (ar + br);
            var ei = 0.5f * (ai + bi);
            var dr = 0.5f * (ar - br);
            var di = 0.5f * (ai - bi);
            var wc = _splitCos[k];
            var ws = _splitSin[k];
            var or = (dr * wc) - (di * ws);
            var oi = (dr * ws) + (di * wc);
            // Z = E + i·O, conjugated for the forward transform below.
            var zr = er - oi;
            var zi = ei + or;
            var r = _bitReverse[k];
            re[r] = zr;
            im[r] = -zi;
        }
        Butterflies();
        var scale = 1f / _half;
        for (var j = 0; j < _half; j++)
        {
            frame[2 * j] = re[j] * scale;
            frame[(2 * j) + 1] = -im[j] * scale;
        }
    }

    /// <summary>
    /// The one-sided DFT of <paramref name="frame"/> (length N) as N/2 + 1 interleaved (re, im) pairs in
    /// <paramref name="spectrum"/> (length N + 2); the imaginary parts of bins 0 and N/2 are exactly zero.
    /// </summary>
    public void ForwardInterleaved(ReadOnlySpan<float> frame, Span<float> spectrum)
    {
        if (spectrum.Length != 2 * (_half + 1)) throw new ArgumentException($"The spectrum must hold {2 * (_half + 1)} values.", nameof(spectrum));
        if (_fftw is not null)
        {
            _fftw.ForwardInto(frame, spectrum);
        }
        else
        {
            Transform(frame);
            spectrum[0] = _re[0] + _im[0];
            spectrum[2 * _half] = _re[0] - _im[0];
            for (var k = 1; k < _half; k++) (spectrum[2 * k], spectrum[(2 * k) + 1]) = Split(k);
        }
        spectrum[1] = 0;
        spectrum[(2 * _half) + 1] = 0;
    }

    /// <summary>
    /// N times the real signal whose one-sided DFT is the interleaved <paramref name="spectrum"/> (N/2 + 1 pairs; the
    /// imaginary parts of bins 0 and N/2 are ignored), into <paramref name="frame"/> (length N): unscaled, so a caller
    /// folds 1/N into its own window. The spectrum is scratch afterwards.
    /// </summary>
    public void InverseUnscaled(Span<float> spectrum, Span<float> frame)
    {
        if (spectrum.Length != 2 * (_half + 1)) throw new ArgumentException($"The spectrum must hold {2 * (_half + 1)} values.", nameof(spectrum));
        spectrum[1] = 0;
        spectrum[(2 * _half) + 1] = 0;
        if (_fftw is not null)
        {
            _fftw.InverseUnscaledInto(spectrum, frame);
            return;
        }
        _planarRe ??= new float[_half + 1];
        _planarIm ??= new float[_half + 1];
        for (var k = 0; k <= _half; k++)
        {
            _planarRe[k] = spectrum[2 * k];
            _planarIm[k] = spectrum[(2 * k) + 1];
        }
        Inverse(_planarRe, _planarIm, frame);
        System.Numerics.Tensors.TensorPrimitives.Multiply(frame, _n, frame);
    }

    /// <summary>Packs the frame as z[j] = x[2j] + i·x[2j+1] (bit-reversed) and runs the complex FFT of size N/2 in place.</summary>
    private void Transform(ReadOnlySpan<float> frame)
    {
        if (frame.Length != _n) throw new ArgumentException($"Frame must have {_n} samples.", nameof(frame));
        var re = _re;
        var im = _im;
        for (var j = 0; j < _half; j++)
        {
            var r = _bitReverse[j];
            re[r] = frame[2 * j];
            im[r] = frame[(2 * j) + 1];
        }
        Butterflies();
    }

    /// <summary>
    /// False runs every stage with the scalar loop (the path of machines without SIMD); tests compare both paths.
    /// </summary>
    internal static bool UseVectors { get; set; } = Vector.IsHardwareAccelerated;

    private void Butterflies()
    {
        var re = _re.AsSpan();
        var im = _im.AsSpan();
        var width = Vector<float>.Count;
        // Stage 1 (pairs, twiddle 1) and stage 2 (twiddles 1 and −i) fused: radix-4 on every group of four.
        if (_half >= 4)
        {
            for (var a = 0; a < _half; a += 4)
            {
                float r0 = re[a], i0 = im[a], r1 = re[a + 1], i1 = im[a + 1], r2 = re[a + 2], i2 = im[a + 2], r3 = re[a + 3], i3 = im[a + 3];
                float s0r = r0 + r1, s0i = i0 + i1, d0r = r0 - r1, d0i = i0 - i1;
                float s1r = r2 + r3, s1i = i2 + i3, d1r = r2 - r3, d1i = i2 - i3;
                // Second stage: (s0, s1) with twiddle 1, (d0, d1) with twiddle −i (d1·(−i) = (d1i, −d1r)).
                re[a] = s0r + s1r;
                im[a] = s0i + s1i;
                re[a + 2] = s0r - s1r;
                im[a + 2] = s0i - s1i;
                re[a + 1] = d0r + d1i;
                im[a + 1] = d0i - d1r;
                re[a + 3] = d0r - d1i;
                im[a + 3] = d0i + d1r;
            }
        }
        else
        {
            Stage(re, im, 1);
        }
        for (var halfSize = 4; halfSize < _half; halfSize <<= 1)
        {
            if (!UseVectors || halfSize < width)
            {
                Stage(re, im, halfSize);
                continue;
            }
            var twr = _stageCos.AsSpan(halfSize, halfSize);
            var twi = _stageSin.AsSpan(halfSize, halfSize);
            for (var start = 0; start < _half; start += 2 * halfSize)
            {
                var ar = re.Slice(start, halfSize);
                var ai = im.Slice(start, halfSize);
                var br = re.Slice(start + halfSize, halfSize);
                var bi = im.Slice(start + halfSize, halfSize);
                for (var j = 0; j < halfSize; j += width)
                {
                    var wr = new Vector<float>(twr[j..]);
                    var wi = new Vector<float>(twi[j..]);
                    var xr = new Vector<float>(br[j..]);
                    var xi = new Vector<float>(bi[j..]);
                    var tr = (wr * xr) - (wi * xi);
                    var ti = (wr * xi) + (wi * xr);
                    var yr = new Vector<float>(ar[j..]);
                    var yi = new Vector<float>(ai[j..]);
                    (yr - tr).CopyTo(br[j..]);
                    (yi - ti).CopyTo(bi[j..]);
                    (yr + tr).CopyTo(ar[j..]);
                    (yi + ti).CopyTo(ai[j..]);
                }
            }
        }
    }

    /// <summary>One radix-2 stage of butterflies <paramref name="halfSize"/> apart (scalar).</summary>
    private void Stage(Span<float> re, Span<float> im, int halfSize)
    {
        var twr = _stageCos.AsSpan(halfSize, halfSize);
        var twi = _stageSin.AsSpan(halfSize, halfSize);
        for (var start = 0; start < _half; start += 2 * halfSize)
        {
            for (var j = 0; j < halfSize; j++)
            {
                var wr = twr[j];
                var wi = twi[j];
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

    /// <summary>X[k] for 0 &lt; k &lt; N/2 from the packed FFT Z: X = E + e^{-2πik/N}·O, E = (Z[k] + conj Z[N/2−k]) / 2, O = (Z[k] − conj Z[N/2−k]) / 2i.</summary>
    private (float Re, float Im) Split(int k)
    {
        var zr = _re[k];
        var zi = _im[k];
        var cr = _re[_half - k];
        var ci = -_im[_half - k];
        var er = 0.5f * (zr + cr);
        var ei = 0.5f * (zi + ci);
        var dr = 0.5f * (zr - cr);
        var di = 0.5f * (zi - ci);
        var tr = di;
        var ti = -dr;
        var wc = _splitCos[k];
        var ws = _splitSin[k];
        return (er + ((wc * tr) + (ws * ti)), ei + ((wc * ti) - (ws * tr)));
    }
}
