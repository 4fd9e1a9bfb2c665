using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Traum.Catalog.Vectors;

/// <summary>
/// Dot products of one query with four or eight consecutive rows at a time: each slice of the query is loaded once for
/// all of them and one accumulator per row runs side by side, so the scan is bound by reading the rows, not by loop overhead and
/// horizontal sums per row. Vector512 or Vector256 where the machine has them, <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/> per row otherwise.
/// </summary>
internal static class DotKernels
{
    /// <summary>The widest vectors used: 512, 256 or 0 (one TensorPrimitives dot per row). Tests lower it to run every path.</summary>
    internal static int MaxVectorBits { get; set; } = 512;

    /// <summary>
    /// <paramref name="scores"/>[j] = query · row j for the eight rows of <paramref name="rows"/> (8 × <paramref name="dimension"/> values,
    /// row-major): the query is read once per slice for eight rows. Without Vector512, two <see cref="Dot4"/> calls.
    /// </summary>
    public static void Dot8(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, int dimension, Span<float> scores)
    {
        if (query.Length != dimension || rows.Length != 8 * dimension || scores.Length < 8) throw new ArgumentException("Expected a query of the dimension, eight rows and eight scores.", nameof(rows));
        if (!(MaxVectorBits >= 512 && Vector512.IsHardwareAccelerated && dimension % 16 == 0))
        {
            Dot4(query, rows[..(4 * dimension)], dimension, scores);
            Dot4(query, rows[(4 * dimension)..], dimension, scores[4..]);
            return;
        }
        ref var q = ref MemoryMarshal.GetReference(query);
        ref var r = ref MemoryMarshal.GetReference(rows);
        var d = (nuint)dimension;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (nuint i = 0; i < d; i += 16)
        {
            var x = Vector512.LoadUnsafe(ref q, i);
            a0 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref r, i), a0);
            a1 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref r, d + i), a1);
            a2 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref r, (2 * d) + i), a2);
            a3 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref r, (3 * d) + i), a3);
            a4 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref r, (4 * d) + i), a4);
            a5 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref r, (5 * d) + i), a5);
            a6 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref r, (6 * d) + i), a6);
            a7 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref r, (7 * d) + i), a7);
        }
        scores[0] = Vector512.Sum(a0);
        scores[1] = Vector512.Sum(a1);
        scores[2] = Vector512.Sum(a2);
        scores[3] = Vector512.Sum(a3);
        scores[4] = Vector512.Sum(a4);
        scores[5] = Vector512.Sum(a5);
        scores[6] = Vector512.Sum(a6);
        scores[7] = Vector512.Sum(a7);
    }

    /// <summary>
    /// <paramref name="scores"/>[j] = query · row j for the four rows of <paramref name="rows"/> (4 × <paramref name="dimension"/> values, row-major).
    /// </summary>
    public static void Dot4(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, int dimension, Span<float> scores)
    {
        if (query.Length != dimension || rows.Length != 4 * dimension || scores.Length < 4) throw new ArgumentException("Expected a query of the dimension, four rows and four scores.", nameof(rows));
        ref var q = ref MemoryMarshal.GetReference(query);
        ref var r = ref MemoryMarshal.GetReference(rows);
        var d = (nuint)dimension;
        nuint i = 0;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (MaxVectorBits >= 512 && Vector512.IsHardwareAccelerated && dimension >= 16)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i + 16 <= d; i += 16)
            {
                var x = Vector512.LoadUnsafe(ref q, i);
                a0 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref r, i), a0);
                a1 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref r, d + i), a1);
                a2 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref r, (2 * d) + i), a2);
                a3 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref r, (3 * d) + i), a3);
            }
            (s0, s1, s2, s3) = (Vector512.Sum(a0), Vector512.Sum(a1), Vector512.Sum(a2), Vector512.Sum(a3));
        }
        else if (MaxVectorBits >= 256 && Vector256.IsHardwareAccelerated && dimension >= 8)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i + 8 <= d; i += 8)
            {
                var x = Vector256.LoadUnsafe(ref q, i);
                a0 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref r, i), a0);
                a1 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref r, d + i), a1);
                a2 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref r, (2 * d) + i), a2);
                a3 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref r, (3 * d) + i), a3);
            }
            (s0, s1, s2, s3) = (Vector256.Sum(a0), Vector256.Sum(a1), Vector256.Sum(a2), Vector256.Sum(a3));
        }
        else
        {
            for (var j = 0; j < 4; j++) scores[j] = TensorPrimitives.Dot(query, rows.Slice(j * dimension, dimension));
            return;
        }
        for (; i < d; i++)
        {
            var x = query[(int)i];
            s0 += x * rows[(int)i];
            s1 += x * rows[(int)(d + i)];
            s2 += x * rows[(int)((2 * d) + i)];
            s3 += x * rows[(int)((3 * d) + i)];
        }
        scores[0] = s0;
        scores[1] = s1;
        scores[2] = s2;
        scores[3] = s3;
    }
}
