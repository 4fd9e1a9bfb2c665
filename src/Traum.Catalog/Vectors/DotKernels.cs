using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
        if (!Wide8(dimension))
        {
            Dot4(query, rows[..(4 * dimension)], dimension, scores);
            Dot4(query, rows[(4 * dimension)..], dimension, scores[4..]);
            return;
        }
        Dot8Wide(query, rows, dimension).CopyTo(scores);
    }

    /// <summary>True when <see cref="Dot8Wide"/> runs for rows of <paramref name="dimension"/> values on this machine.</summary>
    public static bool Wide8(int dimension) => MaxVectorBits >= 512 && Vector512.IsHardwareAccelerated && Avx.IsSupported && dimension % 16 == 0;

    /// <summary>
    /// The eight dot products of <see cref="Dot8"/> as one vector (lane j = query · row j), for callers that test all
    /// eight against a threshold at once. Only where <see cref="Wide8"/> holds; the caller checks the lengths.
    /// </summary>
    public static Vector256<float> Dot8Wide(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, int dimension)
    {
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
        return Sum8(a0, a1, a2, a3, a4, a5, a6, a7);
    }

    /// <summary>
    /// Lane j = the sum of the sixteen lanes of accumulator j: halves added, then pairwise horizontal adds and one
    /// exchange of 128-bit lanes, about a third of the instructions of eight separate horizontal sums.
    /// </summary>
    private static Vector256<float> Sum8(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3, Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7)
    {
        var h01 = Avx.HorizontalAdd(a0.GetLower() + a0.GetUpper(), a1.GetLower() + a1.GetUpper());
        var h23 = Avx.HorizontalAdd(a2.GetLower() + a2.GetUpper(), a3.GetLower() + a3.GetUpper());
        var h45 = Avx.HorizontalAdd(a4.GetLower() + a4.GetUpper(), a5.GetLower() + a5.GetUpper());
        var h67 = Avx.HorizontalAdd(a6.GetLower() + a6.GetUpper(), a7.GetLower() + a7.GetUpper());
        // Each 128-bit lane now holds partial sums of rows 0-3 (h0123) and 4-7 (h4567); the two lanes add up to the totals.
        var h0123 = Avx.HorizontalAdd(h01, h23);
        var h4567 = Avx.HorizontalAdd(h45, h67);
        return Avx.Permute2x128(h0123, h4567, 0x20) + Avx.Permute2x128(h0123, h4567, 0x31);
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
