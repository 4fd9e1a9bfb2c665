using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Traum.Catalog.Vectors;

/// <summary>
/// Symmetric int8 quantisation with one scale per vector (value ≈ q × scale, q in −127…127) and the int8 dot
/// product. The dot product is hand-written because TensorPrimitives has no widening int8 → int32 dot:
/// its <c>Dot&lt;sbyte&gt;</c> accumulates in sbyte and overflows.
/// </summary>
internal static class Int8Math
{
    /// <summary>Quantises <paramref name="values"/> into <paramref name="destination"/> and returns the scale (0 for an all-zero vector).</summary>
    public static float Quantize(ReadOnlySpan<float> values, Span<sbyte> destination)
    {
        var maxAbs = values.IsEmpty ? 0f : MathF.Abs(TensorPrimitives.MaxMagnitude(values));
        if (maxAbs == 0f)
        {
            destination[..values.Length].Clear();
            return 0f;
        }
        var scale = maxAbs / 127f;
        var inverse = 127f / maxAbs;
        for (var i = 0; i < values.Length; i++)
        {
            var q = MathF.Round(values[i] * inverse, MidpointRounding.ToEven);
            destination[i] = (sbyte)Math.Clamp(q, -127f, 127f);
        }
        return scale;
    }

    /// <summary>Σ a[i]·b[i] accumulated in int32 (exact for vectors up to 133 000 elements).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        var n = Math.Min(a.Length, b.Length);
        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        var i = 0;
        var sum = 0;
        if (Avx512BW.IsSupported && n >= 32)
        {
            var acc0 = Vector512<int>.Zero;
            var acc1 = Vector512<int>.Zero;
            for (; i <= n - 64; i += 64)
            {
                var va = Vector512.LoadUnsafe(ref pa, (nuint)i);
                var vb = Vector512.LoadUnsafe(ref pb, (nuint)i);
                acc0 += Avx512BW.MultiplyAddAdjacent(Vector512.WidenLower(va), Vector512.WidenLower(vb));
                acc1 += Avx512BW.MultiplyAddAdjacent(Vector512.WidenUpper(va), Vector512.WidenUpper(vb));
            }
            for (; i <= n - 32; i += 32)
            {
                var va = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref pa, (nuint)i));
                var vb = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref pb, (nuint)i));
                acc0 += Avx512BW.MultiplyAddAdjacent(va, vb);
            }
            sum = Vector512.Sum(acc0 + acc1);
        }
        else if (Avx2.IsSupported && n >= 16)
        {
            var acc = Vector256<int>.Zero;
            for (; i <= n - 16; i += 16)
            {
                var va = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref pa, (nuint)i));
                var vb = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref pb, (nuint)i));
                acc += Avx2.MultiplyAddAdjacent(va, vb);
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++) sum += Unsafe.Add(ref pa, i) * Unsafe.Add(ref pb, i);
        return sum;
    }
}
