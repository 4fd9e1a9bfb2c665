using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Traum.Audio.Spectral;

/// <summary>
/// Element-wise kernels on interleaved complex arrays (re, im, re, im, …): one Vector512, Vector256 or Vector128 pass
/// where the machine has it, the scalar loop for the tail and for machines without SIMD.
/// </summary>
internal static class ComplexKernels
{
    /// <summary>
    /// The widest vectors the kernels use: 512, 256, 128 or 0 (scalar only). Tests lower it to run the narrower paths
    /// and the scalar fallback on a machine that has wider vectors; the hardware check applies on top.
    /// </summary>
    internal static int MaxVectorBits { get; set; } = 512;

    /// <summary>z ← z/|z| for every complex value (0 where z is 0), as torch's <c>sgn</c>.</summary>
    public static void Normalize(Span<float> z)
    {
        if (z.Length % 2 != 0) throw new ArgumentException("An interleaved complex array has an even length.", nameof(z));
        ref var r = ref MemoryMarshal.GetReference(z);
        var i = 0;
        var n = z.Length;
        if (MaxVectorBits >= 512 && Vector512.IsHardwareAccelerated)
        {
            var swap = Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
            for (; i <= n - 16; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref r, (nuint)i);
                var sq = v * v;
                var m2 = sq + Vector512.Shuffle(sq, swap);
                var inv = Vector512.ConditionalSelect(Vector512.GreaterThan(m2, Vector512<float>.Zero), Vector512<float>.One / Vector512.Sqrt(m2), Vector512<float>.Zero);
                (v * inv).StoreUnsafe(ref r, (nuint)i);
            }
        }
        if (MaxVectorBits >= 256 && Vector256.IsHardwareAccelerated)
        {
            var swap = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref r, (nuint)i);
                var sq = v * v;
                var m2 = sq + Vector256.Shuffle(sq, swap);
                var inv = Vector256.ConditionalSelect(Vector256.GreaterThan(m2, Vector256<float>.Zero), Vector256<float>.One / Vector256.Sqrt(m2), Vector256<float>.Zero);
                (v * inv).StoreUnsafe(ref r, (nuint)i);
            }
        }
        if (MaxVectorBits >= 128 && Vector128.IsHardwareAccelerated)
        {
            var swap = Vector128.Create(1, 0, 3, 2);
            for (; i <= n - 4; i += 4)
            {
                var v = Vector128.LoadUnsafe(ref r, (nuint)i);
                var sq = v * v;
                var m2 = sq + Vector128.Shuffle(sq, swap);
                var inv = Vector128.ConditionalSelect(Vector128.GreaterThan(m2, Vector128<float>.Zero), Vector128<float>.One / Vector128.Sqrt(m2), Vector128<float>.Zero);
                (v * inv).StoreUnsafe(ref r, (nuint)i);
            }
        }
        for (; i < n; i += 2)
        {
            var a = z[i];
            var b = z[i + 1];
            var m2 = (a * a) + (b * b);
            var inv = m2 > 0 ? 1f / MathF.Sqrt(m2) : 0f;
            z[i] = a * inv;
            z[i + 1] = b * inv;
        }
    }

    /// <summary>|z|² of every complex value of <paramref name="z"/> (interleaved) into <paramref name="power"/> (half its length).</summary>
    public static void Power(ReadOnlySpan<float> z, Span<float> power)
    {
        if (z.Length != 2 * power.Length) throw new ArgumentException("The power holds one value per complex pair.", nameof(power));
        ref var src = ref MemoryMarshal.GetReference(z);
        ref var dst = ref MemoryMarshal.GetReference(power);
        var k = 0;
        var n = power.Length;
        if (MaxVectorBits >= 512 && Avx512F.IsSupported)
        {
            // 16 pairs from two vectors: square, then add the even and the odd lanes of both (vpermt2ps picks them).
            var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            var odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
            for (; k <= n - 16; k += 16)
            {
                var a = Vector512.LoadUnsafe(ref src, (nuint)(2 * k));
                var b = Vector512.LoadUnsafe(ref src, (nuint)((2 * k) + 16));
                a *= a;
                b *= b;
                (Avx512F.PermuteVar16x32x2(a, even, b) + Avx512F.PermuteVar16x32x2(a, odd, b)).StoreUnsafe(ref dst, (nuint)k);
            }
        }
        if (MaxVectorBits >= 256 && Avx2.IsSupported)
        {
            // 8 pairs: the horizontal add gives [a01 a23 b01 b23 | a45 a67 b45 b67]; one 64-bit permute puts them in order.
            for (; k <= n - 8; k += 8)
            {
                var a = Vector256.LoadUnsafe(ref src, (nuint)(2 * k));
                var b = Vector256.LoadUnsafe(ref src, (nuint)((2 * k) + 8));
                var sums = Avx.HorizontalAdd(a * a, b * b);
                Avx2.Permute4x64(sums.AsDouble(), 0b11_01_10_00).AsSingle().StoreUnsafe(ref dst, (nuint)k);
            }
        }
        for (; k < n; k++)
        {
            var re = Unsafe.Add(ref src, 2 * k);
            var im = Unsafe.Add(ref src, (2 * k) + 1);
            Unsafe.Add(ref dst, k) = (re * re) + (im * im);
        }
    }
}
