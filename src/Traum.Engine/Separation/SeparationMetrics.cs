using Traum.Audio.IO;
using Traum.Core;

namespace Traum.Engine.Separation;

/// <summary>Scores of one estimated stem against its reference, in dB.</summary>
/// <param name="Stem">Stem name (the file name without extension).</param>
/// <param name="USdr">Whole-track SDR as in the Music Demixing Challenge: 10·log10((Σ ref² + ε) / (Σ (ref − est)² + ε)).</param>
/// <param name="SiSdr">
/// Scale-invariant SDR over all channels jointly: 10·log10(‖α·ref‖² / ‖est − α·ref‖²), α = ⟨est, ref⟩ / ‖ref‖² (no mean
/// removal, no ε); null (undefined) when the reference or the estimate is silent; +∞ for an exact (scaled) estimate.
/// </param>
/// <param name="Frames">Sample frames compared.</param>
/// <param name="ChannelSiSdr">SI-SDR of each channel on its own (same definition), in channel order.</param>
public sealed record StemScore(string Stem, double USdr, double? SiSdr, long Frames, IReadOnlyList<double?> ChannelSiSdr);

/// <summary>Separation metrics over whole files, accumulated block by block (files are never held whole).</summary>
public static class SeparationMetrics
{
    /// <summary>ε of the MDX challenge's SDR (added to numerator and denominator).</summary>
    public const double Epsilon = 1e-7;

    /// <summary>uSDR and SI-SDR from running sums over all channels and samples.</summary>
    /// <param name="refEnergy">Σ ref².</param>
    /// <param name="estEnergy">Σ est².</param>
    /// <param name="cross">Σ ref·est.</param>
    /// <param name="errorEnergy">Σ (ref − est)².</param>
    /// <returns>uSDR (with the MDX ε), and SI-SDR as defined (no ε): null when either signal is silent.</returns>
    public static (double USdr, double? SiSdr) FromSums(double refEnergy, double estEnergy, double cross, double errorEnergy)
    {
        var usdr = 10 * Math.Log10((refEnergy + Epsilon) / (errorEnergy + Epsilon));
        return (usdr, SiSdrFromSums(refEnergy, estEnergy, cross, errorEnergy));
    }

    /// <summary>
    /// SI-SDR in dB from the running sums (see <see cref="FromSums"/>); null when the reference or the estimate is silent,
    /// +∞ when the estimate is an exact multiple of the reference.
    /// </summary>
    public static double? SiSdrFromSums(double refEnergy, double estEnergy, double cross, double errorEnergy)
    {
        if (!(refEnergy > 0) || !(estEnergy > 0)) return null;
        var alpha = cross / refEnergy;
        var target = alpha * alpha * refEnergy;
        // ‖est − α·ref‖² = ‖(est − ref) + (1 − α)·ref‖² = Σ(ref − est)² − (1 − α)²·‖ref‖² (α minimises it), which keeps
        // the precision of the directly summed error when the estimate is close; the other form, ‖est‖² − ⟨est, ref⟩²/‖ref‖²,
        // is used when it is the better conditioned one (a far estimate).
        var viaError = errorEnergy - ((1 - alpha) * (1 - alpha) * refEnergy);
        var viaEstimate = estEnergy - (alpha * cross);
        var noise = Math.Max(0, errorEnergy < estEnergy ? viaError : viaEstimate);
        if (target == 0) return double.NegativeInfinity;
        return noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(target / noise);
    }

    /// <summary>Scores two arrays of samples (any layout, same length).</summary>
    public static (double USdr, double? SiSdr) Score(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate)
    {
        if (reference.Length != estimate.Length) throw new ArgumentException("Reference and estimate must have the same length.", nameof(estimate));
        double rr = 0, ee = 0, re = 0, dd = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            double r = reference[i], e = estimate[i], d = r - e;
            rr += r * r;
            ee += e * e;
            re += r * e;
            dd += d * d;
        }
        return FromSums(rr, ee, re, dd);
    }

    /// <summary>Scores <paramref name="estimatePath"/> against <paramref name="referencePath"/>, streaming both.</summary>
    /// <exception cref="InvalidInputException">Rates or channel counts differ.</exception>
    /// <exception cref="AudioFormatException">A file cannot be read.</exception>
    public static StemScore ScoreFiles(string stem, string referencePath, string estimatePath, CancellationToken cancellationToken)
    {
        using var rr = AudioFile.OpenRead(referencePath, cancellationToken);
        using var er = AudioFile.OpenRead(estimatePath, cancellationToken);
        if (rr.Info.SampleRate != er.Info.SampleRate)
        {
            throw new InvalidInputException($"{stem}: reference is {rr.Info.SampleRate} Hz but the estimate is {er.Info.SampleRate} Hz; resample one of them first.");
        }
        if (rr.Info.Channels != er.Info.Channels)
        {
            throw new InvalidInputException($"{stem}: reference has {rr.Info.Channels} channel(s) but the estimate has {er.Info.Channels}.");
        }
        var ch = rr.Info.Channels;
        const int Block = 65536;
        var a = new float[ch][];
        var b = new float[ch][];
        for (var c = 0; c < ch; c++)
        {
            a[c] = new float[Block];
            b[c] = new float[Block];
        }
        var sums = new double[ch, 4]; // per channel: Σ ref², Σ est², Σ ref·est, Σ (ref − est)²
        long frames = 0;
        int na = 0, nb = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (na == 0) na = rr.Read(a, 0, Block);
            if (nb == 0) nb = er.Read(b, 0, Block);
            var n = Math.Min(na, nb);
            if (n == 0)
            {
                if (na != nb) throw new InvalidInputException($"{stem}: reference and estimate have different lengths; both must cover the whole track.");
                break;
            }
            for (var c = 0; c < ch; c++)
            {
                double srr = 0, see = 0, sre = 0, sdd = 0;
                for (var i = 0; i < n; i++)
                {
                    double r = a[c][i], e = b[c][i], d = r - e;
                    srr += r * r;
                    see += e * e;
                    sre += r * e;
                    sdd += d * d;
                }
                sums[c, 0] += srr;
                sums[c, 1] += see;
                sums[c, 2] += sre;
                sums[c, 3] += sdd;
            }
            frames += n;
            // Keep the unread rest of the longer block.
            Shift(a, na, n);
            Shift(b, nb, n);
            na -= n;
            nb -= n;
        }
        double trr = 0, tee = 0, tre = 0, tdd = 0;
        var perChannel = new double?[ch];
        for (var c = 0; c < ch; c++)
        {
            trr += sums[c, 0];
            tee += sums[c, 1];
            tre += sums[c, 2];
            tdd += sums[c, 3];
            perChannel[c] = SiSdrFromSums(sums[c, 0], sums[c, 1], sums[c, 2], sums[c, 3]);
        }
        var (usdr, sisdr) = FromSums(trr, tee, tre, tdd);
        return new StemScore(stem, usdr, sisdr, frames, perChannel);
    }

    /// <summary>Scores every stem present in both folders (matched by file name without extension, case-insensitive).</summary>
    /// <exception cref="InvalidInputException">A folder is missing or no stem names match.</exception>
    public static IReadOnlyList<StemScore> ScoreFolders(string referenceDir, string estimateDir, CancellationToken cancellationToken)
    {
        foreach (var d in new[] { referenceDir, estimateDir })
        {
            if (!Directory.Exists(d)) throw new InvalidInputException($"No such folder: {d}.");
        }
        static Dictionary<string, string> Stems(string dir) => Directory.EnumerateFiles(dir)
            .Where(f => !Path.GetFileName(f).StartsWith('.') && Path.GetExtension(f).ToUpperInvariant() is ".WAV" or ".FLAC" or ".MP3")
            .GroupBy(f => Path.GetFileNameWithoutExtension(f), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var refs = Stems(referenceDir);
        var ests = Stems(estimateDir);
        var common = refs.Keys.Where(ests.ContainsKey).Order(StringComparer.OrdinalIgnoreCase).ToList();
        if (common.Count == 0)
        {
            throw new InvalidInputException($"No stem file names match between {referenceDir} ({string.Join(", ", refs.Keys)}) and {estimateDir} ({string.Join(", ", ests.Keys)}); name them alike, e.g. vocals.wav in both.");
        }
        return common.Select(s => ScoreFiles(s, refs[s], ests[s], cancellationToken)).ToList();
    }

    private static void Shift(float[][] x, int have, int used)
    {
        if (have <= used) return;
        foreach (var c in x) Array.Copy(c, used, c, 0, have - used);
    }
}
