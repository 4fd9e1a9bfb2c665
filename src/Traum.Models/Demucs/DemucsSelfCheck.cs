using System.Globalization;
using Traum.Core;

namespace Traum.Models.Demucs;

/// <summary>
/// <c>traum models verify demucs…</c>: loads the graph(s) of a Demucs model, reports the contract each has, separates
/// one chunk of generated music-like audio and checks that the stems add up to the chunk within the model's
/// <see cref="DemucsManifest.SumTolerance"/> (relative RMS error, default <see cref="DemucsManifest.DefaultSumTolerance"/>).
/// </summary>
public static class DemucsSelfCheck
{
    /// <summary>Runs every check; never throws for a failed check (the result says what failed).</summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="manifest">Its manifest (its own model.json or the registry's).</param>
    /// <param name="options">Threads and execution provider; default one intra-op thread per core on the CPU or CUDA.</param>
    /// <param name="cancellationToken">Checked between steps.</param>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "The separator is disposed by the using block right after the try that creates it; the analysis does not follow it out of the try.")]
    public static IReadOnlyList<SelfCheckResult> Run(string folder, DemucsManifest manifest, DemucsOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(manifest);
        var tolerance = manifest.SumTolerance ?? DemucsManifest.DefaultSumTolerance;
        var results = new List<SelfCheckResult>
        {
            new("manifest", true, string.Create(CultureInfo.InvariantCulture,
                $"{manifest.Name}: {manifest.Sources.Count} sources ({string.Join(", ", manifest.Sources)}), {manifest.SampleRate} Hz, segment {manifest.Segment} samples, " +
                $"contract {manifest.Contract ?? "detected"}, sum tolerance {tolerance:0.####}{(manifest.SumTolerance is null ? " (default)" : "")}")),
        };
        DemucsSeparator separator;
        try
        {
            separator = new DemucsSeparator(manifest, folder, options ?? new DemucsOptions());
        }
        catch (ModelNotFoundException e)
        {
            results.Add(new("graphs", false, e.Message));
            return results;
        }
        using (separator)
        {
            foreach (var g in separator.Graphs)
            {
                results.Add(new($"graph {g.File}", true, g.Description + (g.HalfTensors ? " (float16 tensors converted at the boundary)" : "")));
            }
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = TestChunk(manifest.Segment, manifest.SampleRate);
            var stems = separator.SeparateChunk(chunk);
            results.Add(SumCheck(chunk, stems, tolerance));
        }
        return results;
    }

    /// <summary>
    /// The sum check: relative RMS error ‖Σ stems − chunk‖ / ‖chunk‖ over both channels must be finite and at most
    /// <paramref name="tolerance"/>.
    /// </summary>
    internal static SelfCheckResult SumCheck(float[][] chunk, float[][][] stems, double tolerance)
    {
        double err = 0, energy = 0;
        var finite = true;
        for (var c = 0; c < 2; c++)
        {
            for (var i = 0; i < chunk[c].Length; i++)
            {
                double sum = 0;
                foreach (var s in stems)
                {
                    var v = s[c][i];
                    if (!float.IsFinite(v)) finite = false;
                    sum += v;
                }
                var d = sum - chunk[c][i];
                err += d * d;
                energy += (double)chunk[c][i] * chunk[c][i];
            }
        }
        const string name = "one chunk: stems add up to it";
        if (!finite)
        {
            return new(name, false, "the stems hold NaN or infinity: the export is broken (a float16 graph may overflow); re-export the model, or use its fp32 variant");
        }
        var relative = Math.Sqrt(err / Math.Max(energy, 1e-30));
        var db = 20 * Math.Log10(Math.Max(relative, 1e-12));
        return relative <= tolerance
            ? new(name, true, string.Create(CultureInfo.InvariantCulture, $"relative RMS error {relative:0.######} ({db:0.0} dB), tolerance {tolerance:0.####}"))
            : new(name, false, FormattableString.Invariant(
                $"the stems miss the chunk by a relative RMS error of {relative:0.####} ({db:0.0} dB), more than this model's tolerance {tolerance:0.####}: ") +
                "the graph does not give what Traum expects (for example another channel packing) or the export is broken. " +
                "Re-export the model (see docs/separation.md); if this model is known not to add up to its mix, set \"sumTolerance\" in its model.json.");
    }

    /// <summary>
    /// One chunk of music-like stereo audio (a chord, clicks every half second, seeded noise; different in the two
    /// channels), normalised as the separator normalises a track: mean of the channel mean removed, divided by its
    /// unbiased standard deviation. Planar [2][segment].
    /// </summary>
    internal static float[][] TestChunk(int segment, int sampleRate)
    {
        var l = new float[segment];
        var r = new float[segment];
        double[] freqs = [110.0, 138.59, 164.81, 220.0, 329.63];
        var rng = new Random(1234);
        var clickEvery = sampleRate / 2;
        for (var i = 0; i < segment; i++)
        {
            var t = (double)i / sampleRate;
            double chord = 0;
            for (var k = 0; k < freqs.Length; k++) chord += Math.Sin((2 * Math.PI * freqs[k] * t) + k) / (k + 1);
            var click = i % clickEvery < 200 ? Math.Exp(-(i % clickEvery) / 30.0) * (1 - (2 * ((i / clickEvery) % 2))) : 0;
            var noise = (rng.NextDouble() * 2) - 1;
            l[i] = (float)((0.3 * chord) + (0.5 * click) + (0.05 * noise));
            r[i] = (float)((0.2 * chord) - (0.3 * click) + (0.08 * ((rng.NextDouble() * 2) - 1)));
        }
        double mean = 0;
        for (var i = 0; i < segment; i++) mean += 0.5 * ((double)l[i] + r[i]);
        mean /= segment;
        double m2 = 0;
        for (var i = 0; i < segment; i++)
        {
            var d = (0.5 * ((double)l[i] + r[i])) - mean;
            m2 += d * d;
        }
        var scale = Math.Sqrt(m2 / (segment - 1)) + 1e-8;
        for (var i = 0; i < segment; i++)
        {
            l[i] = (float)((l[i] - mean) / scale);
            r[i] = (float)((r[i] - mean) / scale);
        }
        return [l, r];
    }
}
