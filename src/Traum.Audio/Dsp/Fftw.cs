using System.Runtime.InteropServices;

namespace Traum.Audio.Dsp;

/// <summary>
/// Real-input FFTs of one size through FFTW (libfftw3f, single precision), the reference FFT library, when it is
/// installed (Debian: <c>libfftw3-single3</c>; <c>scripts/bootstrap.sh</c> installs it). Each instance transforms in
/// buffers of its own that start on a 64-byte boundary (pinned, so they never move), which lets FFTW use its SIMD
/// codelets: a plan made for unaligned arrays runs scalar code, about six times slower for 1024 points. Plans are made
/// once per size with <c>FFTW_ESTIMATE</c> (no timing runs, so the same input always gives the same output) under a
/// lock, since FFTW's planner is not thread-safe, and executed on each instance's buffers (same alignment as the
/// planning buffers, as FFTW requires), which FFTW allows from any thread. One instance serves one thread; nothing to
/// dispose.
/// </summary>
internal sealed unsafe partial class FftwRealTransform
{
    private const string Library = "libfftw3f.so.3";
    private const uint Estimate = 1u << 6;
    private const uint DestroyInput = 1u;
    private const int Alignment = 64;
    private static readonly Lock s_planner = new();
    private static readonly Dictionary<int, (IntPtr Forward, IntPtr Inverse)> s_plans = [];
    private static readonly Lazy<bool> s_available = new(Probe);

    private readonly int _n;
    private readonly IntPtr _forward;
    private readonly IntPtr _inverse;
    private readonly float* _real;     // N samples, 64-byte aligned
    private readonly float* _complex;  // N/2 + 1 interleaved (re, im), 64-byte aligned
    private readonly float[] _storage; // pinned: holds both, never moves

    /// <summary>True when libfftw3f can be loaded here.</summary>
    public static bool IsAvailable => s_available.Value;

    /// <param name="n">Transform size (any positive size FFTW supports; Traum uses powers of two).</param>
    /// <exception cref="DllNotFoundException">libfftw3f is not installed (check <see cref="IsAvailable"/> first).</exception>
    public FftwRealTransform(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        _n = n;
        var real = AlignUp(n);
        var complex = AlignUp(((n / 2) + 1) * 2);
        _storage = GC.AllocateArray<float>(real + complex + (Alignment / sizeof(float)), pinned: true);
        var start = (float*)Marshal.UnsafeAddrOfPinnedArrayElement(_storage, 0);
        var skip = (int)(((Alignment - ((nuint)start % Alignment)) % Alignment) / sizeof(float));
        _real = start + skip;
        _complex = _real + real;
        lock (s_planner)
        {
            if (!s_plans.TryGetValue(n, out var plans))
            {
                // Planning with ESTIMATE does not touch the arrays' contents; every instance's buffers share their alignment.
                plans = (PlanR2C(n, _real, _complex, Estimate), PlanC2R(n, _complex, _real, Estimate | DestroyInput));
                if (plans.Forward == IntPtr.Zero || plans.Inverse == IntPtr.Zero) throw new InvalidOperationException($"FFTW could not plan a real transform of {n} points.");
                s_plans[n] = plans;
            }
            (_forward, _inverse) = plans;
        }
    }

    /// <summary>Transform size N.</summary>
    public int Size => _n;

    private Span<float> Real => new(_real, _n);

    private Span<float> Complex => new(_complex, ((_n / 2) + 1) * 2);

    /// <summary>The one-sided DFT of <paramref name="frame"/> (N samples), interleaved (re, im) pairs for k = 0…N/2, valid until the next call.</summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> frame)
    {
        frame[.._n].CopyTo(Real);
        ExecuteR2C(_forward, _real, _complex);
        return Complex;
    }

    /// <summary>
    /// The one-sided DFT of <paramref name="frame"/> (N samples) into <paramref name="spectrum"/> as N/2 + 1
    /// interleaved (re, im) pairs.
    /// </summary>
    /// <exception cref="ArgumentException">The frame or the spectrum has the wrong length.</exception>
    public void ForwardInto(ReadOnlySpan<float> frame, Span<float> spectrum)
    {
        if (frame.Length != _n) throw new ArgumentException($"The frame must have {_n} samples.", nameof(frame));
        if (spectrum.Length != Complex.Length) throw new ArgumentException($"The spectrum must hold {Complex.Length} values.", nameof(spectrum));
        frame.CopyTo(Real);
        ExecuteR2C(_forward, _real, _complex);
        Complex.CopyTo(spectrum);
    }

    /// <summary>
    /// The real signal whose one-sided DFT is (<paramref name="real"/>, <paramref name="imaginary"/>), k = 0…N/2, scaled by
    /// 1/N (numpy's irfft); the imaginary parts of bins 0 and N/2 are ignored.
    /// </summary>
    public void Inverse(ReadOnlySpan<float> real, ReadOnlySpan<float> imaginary, Span<float> frame)
    {
        var bins = (_n / 2) + 1;
        var c = Complex;
        for (var k = 0; k < bins; k++)
        {
            c[2 * k] = real[k];
            c[(2 * k) + 1] = imaginary[k];
        }
        c[1] = 0;
        if (_n % 2 == 0) c[(2 * bins) - 1] = 0;
        ExecuteC2R(_inverse, _complex, _real);
        System.Numerics.Tensors.TensorPrimitives.Multiply(Real, 1f / _n, frame[.._n]);
    }

    /// <summary>
    /// N·irfft of the interleaved one-sided <paramref name="spectrum"/> (N/2 + 1 pairs) into <paramref name="frame"/>:
    /// unscaled, so the caller folds 1/N into its own scaling. The imaginary parts of bins 0 and N/2 must be zero.
    /// </summary>
    /// <exception cref="ArgumentException">The frame or the spectrum has the wrong length.</exception>
    public void InverseUnscaledInto(ReadOnlySpan<float> spectrum, Span<float> frame)
    {
        if (frame.Length != _n) throw new ArgumentException($"The frame must have {_n} samples.", nameof(frame));
        if (spectrum.Length != Complex.Length) throw new ArgumentException($"The spectrum must hold {Complex.Length} values.", nameof(spectrum));
        spectrum.CopyTo(Complex);
        ExecuteC2R(_inverse, _complex, _real);
        Real.CopyTo(frame);
    }

    /// <summary>Floats in a run of <paramref name="count"/> rounded up to whole 64-byte blocks.</summary>
    private static int AlignUp(int count) => (count + (Alignment / sizeof(float)) - 1) / (Alignment / sizeof(float)) * (Alignment / sizeof(float));

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
