namespace Traum.Generative;

/// <summary>Distances between sets of embedding vectors (rows of equal length): pairwise means, nearest neighbours, Fréchet distance.</summary>
public static class EmbeddingStatistics
{
    /// <summary>Euclidean distance.</summary>
    public static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            s += d * d;
        }
        return Math.Sqrt(s);
    }

    /// <summary>Mean distance over all unordered pairs (0 for fewer than two rows).</summary>
    public static double MeanPairwise(IReadOnlyList<float[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        double sum = 0;
        var n = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            for (var j = i + 1; j < rows.Count; j++) { sum += Distance(rows[i], rows[j]); n++; }
        }
        return n == 0 ? 0 : sum / n;
    }

    /// <summary>Distance from each of <paramref name="queries"/> to its nearest row of <paramref name="pool"/> (skipping the same index when <paramref name="leaveOneOut"/>).</summary>
    public static double[] Nearest(IReadOnlyList<float[]> queries, IReadOnlyList<float[]> pool, bool leaveOneOut = false)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(pool);
        var result = new double[queries.Count];
        for (var i = 0; i < queries.Count; i++)
        {
            var best = double.PositiveInfinity;
            for (var j = 0; j < pool.Count; j++)
            {
                if (leaveOneOut && i == j) continue;
                best = Math.Min(best, Distance(queries[i], pool[j]));
            }
            result[i] = best;
        }
        return result;
    }

    /// <summary>Mean row.</summary>
    public static double[] Mean(IReadOnlyList<float[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var d = rows[0].Length;
        var m = new double[d];
        foreach (var r in rows) for (var j = 0; j < d; j++) m[j] += r[j];
        for (var j = 0; j < d; j++) m[j] /= rows.Count;
        return m;
    }

    /// <summary>
    /// Fréchet distance between Gaussians fitted to two sets (the FID/FAD formula):
    /// ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½), with population covariances. The matrix square roots come from a
    /// symmetric eigendecomposition (Jacobi), with negative round-off eigenvalues taken as 0.
    /// </summary>
    public static double Frechet(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var ma = Mean(a);
        var mb = Mean(b);
        var d = ma.Length;
        var ca = Covariance(a, ma);
        var cb = Covariance(b, mb);
        double mean = 0;
        for (var j = 0; j < d; j++) mean += (ma[j] - mb[j]) * (ma[j] - mb[j]);
        var sa = SqrtPsd(ca, d);
        var m = Multiply(Multiply(sa, cb, d), sa, d);
        var (values, _) = Eigen(m, d);
        var trSqrt = values.Sum(v => Math.Sqrt(Math.Max(0, v)));
        double tr = 0;
        for (var j = 0; j < d; j++) tr += ca[(j * d) + j] + cb[(j * d) + j];
        return Math.Max(0, mean + tr - (2 * trSqrt));
    }

    private static double[] Covariance(IReadOnlyList<float[]> rows, double[] mean)
    {
        var d = mean.Length;
        var c = new double[d * d];
        foreach (var r in rows)
        {
            for (var i = 0; i < d; i++)
            {
                var di = r[i] - mean[i];
                for (var j = i; j < d; j++) c[(i * d) + j] += di * (r[j] - mean[j]);
            }
        }
        for (var i = 0; i < d; i++)
        {
            for (var j = i; j < d; j++)
            {
                c[(i * d) + j] /= rows.Count;
                c[(j * d) + i] = c[(i * d) + j];
            }
        }
        return c;
    }

    private static double[] Multiply(double[] x, double[] y, int d)
    {
        var z = new double[d * d];
        for (var i = 0; i < d; i++)
        {
            for (var k = 0; k < d; k++)
            {
                var v = x[(i * d) + k];
                if (v == 0) continue;
                for (var j = 0; j < d; j++) z[(i * d) + j] += v * y[(k * d) + j];
            }
        }
        return z;
    }

    private static double[] SqrtPsd(double[] c, int d)
    {
        var (values, vectors) = Eigen(c, d);
        var r = new double[d * d];
        for (var k = 0; k < d; k++)
        {
            var s = Math.Sqrt(Math.Max(0, values[k]));
            if (s == 0) continue;
            for (var i = 0; i < d; i++)
            {
                for (var j = 0; j < d; j++) r[(i * d) + j] += s * vectors[(i * d) + k] * vectors[(j * d) + k];
            }
        }
        return r;
    }

    /// <summary>Eigenvalues and eigenvectors (columns) of a symmetric matrix by cyclic Jacobi rotations.</summary>
    internal static (double[] Values, double[] Vectors) Eigen(double[] matrix, int d)
    {
        var a = (double[])matrix.Clone();
        // Symmetrise (products of symmetric matrices carry round-off asymmetry).
        for (var i = 0; i < d; i++) for (var j = i + 1; j < d; j++) a[(i * d) + j] = a[(j * d) + i] = 0.5 * (a[(i * d) + j] + a[(j * d) + i]);
        var v = new double[d * d];
        for (var i = 0; i < d; i++) v[(i * d) + i] = 1;
        for (var sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (var i = 0; i < d; i++) for (var j = i + 1; j < d; j++) off += a[(i * d) + j] * a[(i * d) + j];
            if (off < 1e-22) break;
            for (var p = 0; p < d; p++)
            {
                for (var q = p + 1; q < d; q++)
                {
                    var apq = a[(p * d) + q];
                    if (Math.Abs(apq) < 1e-300) continue;
                    var theta = (a[(q * d) + q] - a[(p * d) + p]) / (2 * apq);
                    var t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
                    if (theta == 0) t = 1;
                    var c = 1 / Math.Sqrt((t * t) + 1);
                    var s = t * c;
                    for (var k = 0; k < d; k++)
                    {
                        var akp = a[(k * d) + p];
                        var akq = a[(k * d) + q];
                        a[(k * d) + p] = (c * akp) - (s * akq);
                        a[(k * d) + q] = (s * akp) + (c * akq);
                    }
                    for (var k = 0; k < d; k++)
                    {
                        var apk = a[(p * d) + k];
                        var aqk = a[(q * d) + k];
                        a[(p * d) + k] = (c * apk) - (s * aqk);
                        a[(q * d) + k] = (s * apk) + (c * aqk);
                    }
                    for (var k = 0; k < d; k++)
                    {
                        var vkp = v[(k * d) + p];
                        var vkq = v[(k * d) + q];
                        v[(k * d) + p] = (c * vkp) - (s * vkq);
                        v[(k * d) + q] = (s * vkp) + (c * vkq);
                    }
                }
            }
        }
        var values = new double[d];
        for (var i = 0; i < d; i++) values[i] = a[(i * d) + i];
        return (values, v);
    }
}
