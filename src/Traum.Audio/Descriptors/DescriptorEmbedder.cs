using System.Diagnostics.CodeAnalysis;
using System.Numerics.Tensors;

namespace Traum.Audio.Descriptors;

/// <summary>
/// A fixed-length, L2-normalised embedding of a sound built from descriptors, for query by example and duplicate
/// detection without a neural model. It uses the same analysis as <see cref="DescriptorAnalyzer"/> (mono, 22 050 Hz,
/// 2048-sample frames, hop 512, default <see cref="DescriptorOptions"/>) and is independent of gain and, up to the
/// analysis rate's Nyquist frequency, of the source sample rate. Layout (<see cref="VectorLength"/> values):
/// <list type="number">
/// <item>19 means of MFCC 1…19 (40 Slaney mel bands in dB, clipped 80 dB below the loudest, orthonormal DCT-II);</item>
/// <item>20 standard deviations of MFCC 0…19 over time;</item>
/// <item>5 means and 5 standard deviations of log2 centroid, log2 bandwidth, log2 roll-off (re 1 kHz), log10 flatness and log2 zero-crossing rate (re 0.05);</item>
/// <item>6 rhythm values: log2(1 + onsets per second), tempo confidence × cos and × sin of 2π·log2(BPM/120) (tempo as a
/// circle of octaves), tempo confidence, one-shot (+1) or not (−1), fraction of active frames.</item>
/// </list>
/// Each value is standardised with fixed constants (<see cref="Centres"/>, <see cref="Scales"/>, chosen from the ranges
/// these features take on typical material), multiplied by its group weight (<see cref="GroupWeights"/>) and the
/// vector is L2-normalised. Everything is frame-local or relative, so a gain change does not move the vector.
/// Thread-safe.
/// </summary>
[SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Callers hold an embedder instance like any other embedding model; its members happen to need no state.")]
public sealed class DescriptorEmbedder
{
    /// <summary>Identifies this vector space; bump the version whenever the layout or the constants change.</summary>
    public const string Id = "descriptors:v1";

    /// <summary>Number of MFCCs computed per frame (0…19).</summary>
    internal const int Mfccs = 20;

    /// <summary>Length of the embedding.</summary>
    public const int VectorLength = (Mfccs - 1) + Mfccs + 10 + 6;

    private static readonly DescriptorOptions s_options = new();
    private static readonly float[] s_dct = CreateDct(Mfccs, s_options.MelBands);

    /// <summary>Per-value centre subtracted before scaling.</summary>
    internal static readonly float[] Centres = CreateCentres();

    /// <summary>Per-value scale divided by after centring.</summary>
    internal static readonly float[] Scales = CreateScales();

    /// <summary>Weights of the four groups: MFCC means, MFCC spreads, spectral statistics, rhythm.</summary>
    internal static readonly float[] GroupWeights = [1.0f, 0.6f, 0.8f, 0.5f];

    /// <summary><see cref="Id"/>.</summary>
    public string ModelId => Id;

    /// <summary><see cref="VectorLength"/>.</summary>
    public int Dimension => VectorLength;

    /// <summary>Embeds <paramref name="audio"/> (any rate, any channel count, any length) → an L2-normalised vector of <see cref="VectorLength"/> floats.</summary>
    public float[] Embed(AudioBuffer audio, CancellationToken cancellationToken = default) =>
        Embed(new DecodedAudio(audio ?? throw new ArgumentNullException(nameof(audio))), cancellationToken);

    /// <summary>
    /// Embeds a decoded sound, reading the frame analysis kept on <paramref name="decoded"/> when the descriptors
    /// already ran with the default settings (the analysis is then not repeated).
    /// </summary>
    public float[] Embed(DecodedAudio decoded, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        return Normalise(Features(StemAnalysis.Of(decoded, s_options, cancellationToken)));
    }

    /// <summary>The raw (unstandardised) feature values of <paramref name="stem"/>, in the documented layout.</summary>
    internal static float[] Features(StemAnalysis stem)
    {
        var f = stem.Frames;
        var v = new float[VectorLength];
        var bands = f.MelBands;
        var sum = new double[Mfccs];
        var sumSq = new double[Mfccs];
        var mfcc = new float[Mfccs];
        for (var t = 0; t < f.Frames; t++)
        {
            if (!f.Active[t]) continue;
            var row = stem.MelDb.AsSpan(t * bands, bands);
            for (var c = 0; c < Mfccs; c++) mfcc[c] = TensorPrimitives.Dot(row, s_dct.AsSpan(c * bands, bands));
            for (var c = 0; c < Mfccs; c++)
            {
                sum[c] += mfcc[c];
                sumSq[c] += (double)mfcc[c] * mfcc[c];
            }
        }
        var n = Math.Max(1, f.ActiveCount);
        var i = 0;
        for (var c = 1; c < Mfccs; c++) v[i++] = (float)(sum[c] / n);
        for (var c = 0; c < Mfccs; c++) v[i++] = (float)Std(sum[c], sumSq[c], n);

        Span<double> means = stackalloc double[5];
        Span<double> spreads = stackalloc double[5];
        Span<double> values = stackalloc double[5];
        Span<double> squares = stackalloc double[5];
        for (var t = 0; t < f.Frames; t++)
        {
            if (!f.Active[t]) continue;
            values[0] = Math.Log2(Math.Max(f.Centroid[t], 20.0) / 1000);
            values[1] = Math.Log2(Math.Max(f.Bandwidth[t], 20.0) / 1000);
            values[2] = Math.Log2(Math.Max(f.Rolloff[t], 20.0) / 1000);
            values[3] = Math.Log10(Math.Max(f.Flatness[t], 1e-6));
            values[4] = Math.Log2(Math.Max(f.Zcr[t], 1e-4) / 0.05);
            for (var k = 0; k < 5; k++)
            {
                means[k] += values[k];
                squares[k] += values[k] * values[k];
            }
        }
        for (var k = 0; k < 5; k++)
        {
            spreads[k] = Std(means[k], squares[k], n);
            means[k] = f.ActiveCount == 0 ? SilentSpectral(k) : means[k] / n;
        }
        for (var k = 0; k < 5; k++) v[i++] = (float)means[k];
        for (var k = 0; k < 5; k++) v[i++] = (float)spreads[k];

        var octaves = stem.Bpm is { } bpm ? Math.Log2(bpm / 120.0) : 0;
        var confidence = stem.Bpm is null ? 0 : stem.BpmConfidence;
        v[i++] = (float)Math.Log2(1 + stem.OnsetDensity);
        v[i++] = (float)(confidence * Math.Cos(2 * Math.PI * octaves));
        v[i++] = (float)(confidence * Math.Sin(2 * Math.PI * octaves));
        v[i++] = (float)confidence;
        v[i++] = stem.IsOneShot ? 1f : -1f;
        v[i++] = (float)f.ActiveCount / f.Frames;
        return v;
    }

    /// <summary>Standardises, weights and L2-normalises raw features (in place) and returns them.</summary>
    internal static float[] Normalise(float[] v)
    {
        TensorPrimitives.Subtract(v, Centres, v);
        TensorPrimitives.Divide(v, Scales, v);
        var i = 0;
        foreach (var (length, group) in new[] { (Mfccs - 1, 0), (Mfccs, 1), (10, 2), (6, 3) })
        {
            TensorPrimitives.Multiply(v.AsSpan(i, length), GroupWeights[group], v.AsSpan(i, length));
            i += length;
        }
        var norm = TensorPrimitives.Norm<float>(v);
        if (!(norm > 0) || !float.IsFinite(norm))
        {
            Array.Clear(v);
            v[0] = 1;
            return v;
        }
        TensorPrimitives.Divide(v, norm, v);
        return v;
    }

    private static double SilentSpectral(int k) => k switch
    {
        3 => -6,
        4 => Math.Log2(1e-4 / 0.05),
        _ => Math.Log2(20.0 / 1000),
    };

    private static double Std(double sum, double sumSq, int n)
    {
        var mean = sum / n;
        return Math.Sqrt(Math.Max(0, (sumSq / n) - (mean * mean)));
    }

    /// <summary>Orthonormal DCT-II as a row-major <c>[coefficients, bands]</c> matrix (scipy's <c>dct(type=2, norm="ortho")</c>).</summary>
    internal static float[] CreateDct(int coefficients, int bands)
    {
        var m = new float[coefficients * bands];
        for (var c = 0; c < coefficients; c++)
        {
            var scale = Math.Sqrt((c == 0 ? 1.0 : 2.0) / bands);
            for (var b = 0; b < bands; b++) m[(c * bands) + b] = (float)(scale * Math.Cos(Math.PI * c * (b + 0.5) / bands));
        }
        return m;
    }

    // Centres and scales: round values near the mean and standard deviation of each raw feature over the demo kit
    // (kicks, snares, hats, drum loops, bass lines, pads, leads, vocal sweeps and mixes; `e2e descriptors --features`
    // prints them), so that typical material spreads over about ±1 in every direction. Fixed, so that every library
    // and machine shares one vector space.
    private static float[] CreateCentres()
    {
        var c = new List<float> { 35f };                       // MFCC 1 mean
        c.AddRange(Enumerable.Repeat(0f, Mfccs - 2));          // MFCC 2…19 means
        c.Add(25f);                                            // MFCC 0 spread
        c.AddRange(Enumerable.Repeat(5f, Mfccs - 1));          // MFCC 1…19 spreads
        c.AddRange([-1f, -1.5f, -0.5f, -3f, 0f]);              // centroid, bandwidth, roll-off, flatness, ZCR means
        c.AddRange(Enumerable.Repeat(0.5f, 5));                // … and their spreads
        c.AddRange([1.5f, 0f, 0f, 0.3f, 0f, 0.85f]);           // onset density, tempo cos/sin, confidence, one-shot, active
        return [.. c];
    }

    private static float[] CreateScales()
    {
        var s = new List<float> { 50f };
        s.AddRange(Enumerable.Repeat(8f, Mfccs - 2));
        s.Add(25f);
        s.AddRange(Enumerable.Repeat(4f, Mfccs - 1));
        s.AddRange([2f, 2f, 2f, 1.5f, 2f]);
        s.AddRange(Enumerable.Repeat(0.75f, 5));
        s.AddRange([1f, 0.5f, 0.5f, 0.4f, 1f, 0.2f]);
        return [.. s];
    }
}
