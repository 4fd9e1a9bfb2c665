namespace Traum.Generative;

/// <summary>Latent vectors for generation. All are row-major <c>[n, latent]</c> float arrays, seeded and repeatable.</summary>
public static class Latents
{
    /// <summary>
    /// <paramref name="count"/> latents from N(0, t²·I) with t = <paramref name="temperature"/>, drawn by Box–Muller from
    /// <c>System.Random(seed)</c> (independent of torch's global generator, so generation never disturbs training).
    /// </summary>
    public static float[] Random(int count, int latent, double temperature, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rng = new Random(seed);
        var z = new float[count * latent];
        for (var i = 0; i < z.Length; i++) z[i] = (float)(temperature * StandardNormal(rng));
        return z;
    }

    /// <summary>
    /// <paramref name="count"/> latents from the mixture (1/N) Σ N(μᵢ, (t·σᵢ)²) with t = <paramref name="temperature"/>:
    /// for each, a component i uniform over <paramref name="components"/>, then μᵢ + t·σᵢ·ε with ε ~ N(0, I) per
    /// dimension, all from <c>System.Random(seed)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">No components, or components of different lengths.</exception>
    public static float[] FromMixture(IReadOnlyList<LatentPosterior> components, int count, double temperature, int seed)
    {
        ArgumentNullException.ThrowIfNull(components);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (components.Count == 0) throw new ArgumentException("The mixture has no components.", nameof(components));
        var latent = components[0].Mean.Length;
        if (components.Any(c => c.Mean.Length != latent || c.Std.Length != latent)) throw new ArgumentException("Mixture components differ in length.", nameof(components));
        var rng = new Random(seed);
        var z = new float[count * latent];
        for (var i = 0; i < count; i++)
        {
            var c = components[rng.Next(components.Count)];
            for (var j = 0; j < latent; j++) z[(i * latent) + j] = (float)(c.Mean[j] + (temperature * c.Std[j] * StandardNormal(rng)));
        }
        return z;
    }

    /// <summary>
    /// <paramref name="mu"/> plus N(0, s²·I) noise with s = <paramref name="scale"/>: a mutation of an encoded stem.
    /// </summary>
    public static float[] Mutate(ReadOnlySpan<float> mu, double scale, int seed)
    {
        var rng = new Random(seed);
        var z = new float[mu.Length];
        for (var i = 0; i < z.Length; i++) z[i] = (float)(mu[i] + (scale * StandardNormal(rng)));
        return z;
    }

    /// <summary>
    /// <paramref name="steps"/> points from <paramref name="from"/> to <paramref name="to"/> inclusive (steps ≥ 2), at
    /// t = i/(steps−1). Linear: (1−t)a + tb. Spherical (slerp): sin((1−t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b with Ω the angle
    /// between a and b; falls back to linear when a and b are (anti)parallel within 1e-6 or either is zero.
    /// </summary>
    public static float[] Interpolate(ReadOnlySpan<float> from, ReadOnlySpan<float> to, int steps, bool spherical)
    {
        if (from.Length != to.Length) throw new ArgumentException("Endpoints must have the same length.", nameof(to));
        if (steps < 2) throw new Core.InvalidInputException($"Interpolation needs at least 2 steps (got {steps}).");
        var n = from.Length;
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < n; i++)
        {
            dot += (double)from[i] * to[i];
            na += (double)from[i] * from[i];
            nb += (double)to[i] * to[i];
        }
        var cos = na > 0 && nb > 0 ? Math.Clamp(dot / Math.Sqrt(na * nb), -1, 1) : 1;
        var omega = Math.Acos(cos);
        var slerp = spherical && Math.Abs(Math.Sin(omega)) > 1e-6;
        var z = new float[steps * n];
        for (var s = 0; s < steps; s++)
        {
            var t = (double)s / (steps - 1);
            double wa, wb;
            if (slerp)
            {
                wa = Math.Sin((1 - t) * omega) / Math.Sin(omega);
                wb = Math.Sin(t * omega) / Math.Sin(omega);
            }
            else
            {
                wa = 1 - t;
                wb = t;
            }
            for (var i = 0; i < n; i++) z[(s * n) + i] = (float)((wa * from[i]) + (wb * to[i]));
        }
        return z;
    }

    private static double StandardNormal(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble(); // (0, 1]
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

/// <summary>One excerpt's approximate posterior q(z|x) = N(<paramref name="Mean"/>, diag(<paramref name="Std"/>)²).</summary>
/// <param name="Mean">μ per latent dimension.</param>
/// <param name="Std">σ per latent dimension.</param>
public sealed record LatentPosterior(float[] Mean, float[] Std);
