namespace Traum.Catalog.Tests.Vectors;

/// <summary>Independent truth for index tests: random vectors and brute-force cosine in plain double loops.</summary>
internal static class VectorReference
{
    public static float[] RandomVector(Random rng, int dim)
    {
        var v = new float[dim];
        for (var i = 0; i < dim; i++)
        {
            // Box–Muller: a Gaussian direction is uniform on the sphere once normalised.
            var u1 = 1.0 - rng.NextDouble();
            var u2 = rng.NextDouble();
            v[i] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return v;
    }

    public static float[] RandomUnitVector(Random rng, int dim)
    {
        var v = RandomVector(rng, dim);
        double n = 0;
        foreach (var x in v) n += (double)x * x;
        n = Math.Sqrt(n);
        for (var i = 0; i < dim; i++) v[i] = (float)(v[i] / n);
        return v;
    }

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return dot / (Math.Sqrt(na) * Math.Sqrt(nb));
    }

    /// <summary>All (id, cosine) of the allowed vectors, best first (ties by ascending id).</summary>
    public static List<(long Id, double Score)> Ranked(IReadOnlyDictionary<long, float[]> data, float[] query, Func<long, bool>? allow = null)
    {
        var list = new List<(long Id, double Score)>();
        foreach (var (id, v) in data)
        {
            if (allow is null || allow(id)) list.Add((id, Cosine(query, v)));
        }
        list.Sort((x, y) => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.Id.CompareTo(y.Id));
        return list;
    }
}
