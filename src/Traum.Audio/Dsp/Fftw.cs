using System.Runtime.InteropServices;

namespace Traum.Audio.Dsp;

/// <summary>
/// Real-input FFTs of one size through FFTW (libfftw3f, single precision), the reference FFT library, when it is
/// installed (Debian: <c>libfftw3-single3</c>; <c>scripts/bootstrap.sh</c> installs it). Plans are made once per size
/// with <c>FFTW_ESTIMATE</c> (no timing runs, so the same input always gives the same output) and
/// <c>FFTW_UNALIGNED</c> under a lock, since FFTW's planner is not thread-safe; each instance executes the shared plan
/// on its own managed buffers, which FFTW allows from any thread. One instance serves one thread; nothing to dispose.
/// </summary>
internal sealed unsafe partial class FftwRealTransform
{
    private const string Library = "libfftw3f.so.3";
    private const uint Estimate = 1u << 6;
    private const uint DestroyInput = 1u;
    private const uint Unaligned = 1u << 1;
    private static readonly Lock s_planner = new();
    private static readonly Dictionary<int, (IntPtr Forward, IntPtr Inverse)> s_plans = [];
    private static readonly Lazy<bool> s_available = new(Probe);

    private readonly int _n;
    private readonly IntPtr _forward;
    private readonly IntPtr _inverse;
    private readonly float[] _real;     // N samples
    private readonly float[] _complex;  // N/2 + 1 interleaved (re, im)

    /// <summary>True when libfftw3f can be loaded here.</summary>
    public static bool IsAvailable => s_available.Value;

    /// <param name="n">Transform size (any positive size FFTW supports; Traum uses powers of two).</param>
    /// <exception cref="DllNotFoundException">libfftw3f is not installed (check <see cref="IsAvailable"/> first).</exception>
    public FftwRealTransform(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        _n = n;
        _real = new float[n];
        _complex = new float[((n / 2) + 1) * 2];
        lock (s_planner)
        {
            if (!s_plans.TryGetValue(n, out var plans))
            {
                // Planning with ESTIMATE does not touch the arrays' contents; UNALIGNED plans run on any arrays.
                fixed (float* r = _real)
                fixed (float* c = _complex)
                {
                    plans = (PlanR2C(n, r, c, Estimate | Unaligned), PlanC2R(n, c, r, Estimate | Unaligned | DestroyInput));
                }
                if (plans.Forward == IntPtr.Zero || plans.Inverse == IntPtr.Zero) throw new InvalidOperationException($"FFTW could not plan a real transform of {n} points.");
                s_plans[n] = plans;
            }
            (_forward, _inverse) = plans;
        }
    }

    /// <summary>Transform size N.</summary>
    public int Size => _n;

    /// <summary>The one-sided DFT of <paramref name="frame"/> (N samples), interleaved (re, im) pairs for k = 0…N/2.</summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> frame)
    {
        frame[.._n].CopyTo(_real);
        fixed (float* r = _real)
        fixed (float* c = _complex)
        {
            ExecuteR2C(_forward, r, c);
        }
        return _complex;
    }

    /// <summary>
    /// The real signal whose one-sided DFT is (<paramref name="real"/>, <paramref name="imaginary"/>), k = 0…N/2, scaled by
    /// 1/N (numpy's irfft); the imaginary parts of bins 0 and N/2 are ignored.
    /// </summary>
    public void Inverse(ReadOnlySpan<float> real, ReadOnlySpan<float> imaginary, Span<float> frame)
    {
        var bins = (_n / 2) + 1;
        var c = _complex.AsSpan();
        for (var k = 0; k < bins; k++)
        {
            c[2 * k] = real[k];
            c[(2 * k) + 1] = imaginary[k];
        }
        c[1] = 0;
        if (_n % 2 == 0) c[(2 * bins) - 1] = 0;
        fixed (float* cp = _complex)
        fixed (float* r = _real)
        {
            ExecuteC2R(_inverse, cp, r);
        }
        System.Numerics.Tensors.TensorPrimitives.Multiply(_real, 1f / _n, frame[.._n]);
    }

    /// <summary>
    /// The one-sided DFT of <paramref name="frame"/> (N samples, left unchanged) written straight into
    /// <paramref name="spectrum"/> as N/2 + 1 interleaved (re, im) pairs: no copy on either side.
    /// </summary>
    /// <exception cref="ArgumentException">The frame or the spectrum has the wrong length.</exception>
    public void ForwardInto(ReadOnlySpan<float> frame, Span<float> spectrum)
    {
        if (frame.Length != _n) throw new ArgumentException($"The frame must have {_n} samples.", nameof(frame));
        if (spectrum.Length != _complex.Length) throw new ArgumentException($"The spectrum must hold {_complex.Length} values.", nameof(spectrum));
        // An r2c plan preserves its input (FFTW's default for every transform but c2r), so the read-only frame is only read.
        fixed (float* r = frame)
        fixed (float* c = spectrum)
        {
            ExecuteR2C(_forward, r, c);
        }
    }

    /// <summary>
    /// N·irfft of the interleaved one-sided <paramref name="spectrum"/> (N/2 + 1 pairs) into <paramref name="frame"/>:
    /// unscaled, so the caller folds 1/N into its own scaling. The spectrum is used as scratch and left undefined; the
    /// imaginary parts of bins 0 and N/2 must be zero.
    /// </summary>
    /// <exception cref="ArgumentException">The frame or the spectrum has the wrong length.</exception>
    public void InverseUnscaledInto(Span<float> spectrum, Span<float> frame)
    {
        if (frame.Length != _n) throw new ArgumentException($"The frame must have {_n} samples.", nameof(frame));
        if (spectrum.Length != _complex.Length) throw new ArgumentException($"The spectrum must hold {_complex.Length} values.", nameof(spectrum));
        fixed (float* c = spectrum)
        fixed (float* r = frame)
        {
            ExecuteC2R(_inverse, c, r);
        }
    }

    private static bool Probe()
    {
        try
        {
            var p = Malloc(16);
            if (p is null) return false;
            Free(p);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    }

    [LibraryImport(Library, EntryPoint = "fftwf_malloc")]
    private static partial void* Malloc(nuint size);

    [LibraryImport(Library, EntryPoint = "fftwf_free")]
    private static partial void Free(void* p);

    [LibraryImport(Library, EntryPoint = "fftwf_plan_dft_r2c_1d")]
    private static partial IntPtr PlanR2C(int n, float* input, float* output, uint flags);

    [LibraryImport(Library, EntryPoint = "fftwf_plan_dft_c2r_1d")]
    private static partial IntPtr PlanC2R(int n, float* input, float* output, uint flags);

    [LibraryImport(Library, EntryPoint = "fftwf_execute_dft_r2c")]
    private static partial void ExecuteR2C(IntPtr plan, float* input, float* output);

    [LibraryImport(Library, EntryPoint = "fftwf_execute_dft_c2r")]
    private static partial void ExecuteC2R(IntPtr plan, float* input, float* output);
}
