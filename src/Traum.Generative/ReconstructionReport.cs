using TorchSharp;
using static TorchSharp.torch;

namespace Traum.Generative;

/// <summary>Spectral convergence and log-spectral distance of one reconstruction method over held-out excerpts.</summary>
/// <param name="SpectralConvergence">Mean over excerpts of ‖|S|−|Ŝ|‖_F / ‖|S|‖_F (0 is perfect).</param>
/// <param name="LogSpectralDistanceDb">Mean over excerpts and frames of the RMS over bins of 20·log10(|S|/|Ŝ|), in dB.</param>
public sealed record SpectralScores(double SpectralConvergence, double LogSpectralDistanceDb);

/// <summary>
/// How well the VAE reconstructs held-out excerpts, against two baselines computed the same way: the training
/// mean spectrogram, and PCA with as many components as the VAE has latent dimensions (fitted on the standardised
/// training split). The verdict says in words which comparison held.
/// </summary>
public sealed record ReconstructionReport(int Excerpts, int PcaComponents, SpectralScores Vae, SpectralScores Mean, SpectralScores Pca)
{
    /// <summary>"Clearly better than the mean": spectral convergence at least 10 % lower and a lower log-spectral distance.</summary>
    public bool BeatsMean => Vae.SpectralConvergence <= 0.9 * Mean.SpectralConvergence && Vae.LogSpectralDistanceDb < Mean.LogSpectralDistanceDb;

    /// <summary>"Matches or beats PCA": spectral convergence at most 5 % above PCA's.</summary>
    public bool MatchesPca => Vae.SpectralConvergence <= 1.05 * Pca.SpectralConvergence;

    /// <summary>One honest sentence about the comparison.</summary>
    public string Verdict =>
        (BeatsMean ? "The VAE clearly beats the mean spectrogram" : "The VAE does NOT clearly beat the mean spectrogram")
        + (MatchesPca
            ? (Vae.SpectralConvergence < Pca.SpectralConvergence ? $" and beats PCA-{PcaComponents}." : $" and matches PCA-{PcaComponents} (within 5 %).")
            : $" and is worse than PCA-{PcaComponents} (more than 5 % higher spectral convergence).");
}

/// <summary>The reconstruction metrics.</summary>
public static class SpectralMetrics
{
    /// <summary>Both spectra are floored this many dB below the reference excerpt's peak magnitude before the log-spectral distance.</summary>
    public const double LsdFloorDb = 80;

    /// <summary>‖S − Ŝ‖_F / ‖S‖_F over linear magnitudes of equal length (0 when S is all zero and Ŝ equals it).</summary>
    public static double SpectralConvergence(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate)
    {
        if (reference.Length != estimate.Length) throw new ArgumentException("Spectra must have the same length.", nameof(estimate));
        double num = 0, den = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            double d = reference[i] - estimate[i];
            num += d * d;
            den += (double)reference[i] * reference[i];
        }
        if (den == 0) return num == 0 ? 0 : double.PositiveInfinity;
        return Math.Sqrt(num / den);
    }

    /// <summary>
    /// Log-spectral distance in dB of two linear magnitude spectrograms laid out <c>[bins, frames]</c>: for each frame
    /// the RMS over bins of 20·log10(S/Ŝ), averaged over frames. Both are floored at <see cref="LsdFloorDb"/> below
    /// the reference's peak so empty bins do not dominate.
    /// </summary>
    public static double LogSpectralDistance(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate, int bins, int frames)
    {
        if (reference.Length != bins * frames || estimate.Length != bins * frames) throw new ArgumentException("Spectra must be [bins, frames].", nameof(estimate));
        var peak = 0.0;
        foreach (var v in reference) peak = Math.Max(peak, v);
        var floor = Math.Max(peak, 1e-12) * Math.Pow(10, -LsdFloorDb / 20);
        double total = 0;
        for (var t = 0; t < frames; t++)
        {
            double sum = 0;
            for (var b = 0; b < bins; b++)
            {
                var s = Math.Max(reference[(b * frames) + t], floor);
                var e = Math.Max(estimate[(b * frames) + t], floor);
                var d = 20 * Math.Log10(s / e);
                sum += d * d;
            }
            total += Math.Sqrt(sum / bins);
        }
        return total / frames;
    }

    /// <summary>Mean scores of log-feature rows <paramref name="estimates"/> against <paramref name="references"/> (both row-major <c>[n, bins·frames]</c>, unscaled).</summary>
    public static SpectralScores Score(ReadOnlySpan<float> references, ReadOnlySpan<float> estimates, SpectrogramOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var d = options.FeatureCount;
        var n = references.Length / d;
        var s = new float[d];
        var e = new float[d];
        double sc = 0, lsd = 0;
        for (var i = 0; i < n; i++)
        {
            references.Slice(i * d, d).CopyTo(s);
            estimates.Slice(i * d, d).CopyTo(e);
            options.Expand(s);
            options.Expand(e);
            sc += SpectralConvergence(s, e);
            lsd += LogSpectralDistance(s, e, options.Bins, options.Frames);
        }
        return n == 0 ? new SpectralScores(double.NaN, double.NaN) : new SpectralScores(sc / n, lsd / n);
    }

    /// <summary>
    /// Reconstructs held-out rows by PCA with <paramref name="components"/> components fitted on standardised training
    /// rows (thin SVD, <c>torch.linalg.svd</c>): <c>x̂ = x·Vₖᵀ·Vₖ</c>. Both inputs and the result are standardised,
    /// row-major; the training rows are assumed centred (the scaler was fitted on them).
    /// </summary>
    public static float[] PcaReconstruct(float[] trainStandardised, int trainRows, float[] heldOutStandardised, int heldOutRows, int d, int components, out int used)
    {
        ArgumentNullException.ThrowIfNull(trainStandardised);
        ArgumentNullException.ThrowIfNull(heldOutStandardised);
        using var scope = NewDisposeScope();
        var x = tensor(trainStandardised, [trainRows, d]);
        // Centre exactly (the scaler's float mean leaves tiny offsets); reconstruction adds the mean back.
        var mean = x.mean([0], keepdim: true);
        var (_, _, vh) = linalg.svd(x.sub(mean), fullMatrices: false);
        used = (int)Math.Min(components, vh.shape[0]);
        var v = vh.narrow(0, 0, used);
        var h = tensor(heldOutStandardised, [heldOutRows, d]).sub(mean);
        using var one = 1.0.ToScalar();
        var rec = h.matmul(v.t()).matmul(v).add(mean, one);
        return rec.contiguous().data<float>().ToArray();
    }
}
