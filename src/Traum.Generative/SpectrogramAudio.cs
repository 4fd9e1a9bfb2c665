using System.Text.Json.Serialization;
using Traum.Audio.Spectral;
using Traum.Generative.Spectral;

namespace Traum.Generative;

/// <summary>How a magnitude spectrogram becomes audio.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PhaseMode>))]
public enum PhaseMode
{
    /// <summary>Fast Griffin-Lim (momentum 0.99); the default.</summary>
    GriffinLim,
    /// <summary>Inverse STFT with uniformly random phase: fast and rough.</summary>
    Random,
}

/// <summary>Turns decoded log-magnitude features into audio.</summary>
public static class SpectrogramAudio
{
    /// <summary>Peak level of generated audio: −1 dBFS.</summary>
    public const double PeakLevel = 0.8912509381337456;

    /// <summary>
    /// Log-magnitude features (one row, bins-major <c>[bins, frames]</c>) → mono samples at the training rate, exactly
    /// one excerpt long, peak-normalised to <see cref="PeakLevel"/> (silence stays silent).
    /// </summary>
    public static float[] ToAudio(ReadOnlySpan<float> logFeatures, SpectrogramOptions options, PhaseMode phase, int griffinLimIterations, int seed)
    {
        ArgumentNullException.ThrowIfNull(options);
        var magnitude = logFeatures.ToArray();
        options.Expand(magnitude);
        var samples = phase == PhaseMode.GriffinLim
            ? PhaseReconstruction.GriffinLim(magnitude, options.Frames, options.Stft, options.ExcerptSamples, griffinLimIterations, 0.99, seed)
            : PhaseReconstruction.RandomPhase(magnitude, options.Frames, options.Stft, options.ExcerptSamples, seed);
        return PeakNormalize(samples, PeakLevel);
    }

    /// <summary>Scales <paramref name="x"/> in place so its peak is <paramref name="level"/>; non-finite samples become 0 first.</summary>
    public static float[] PeakNormalize(float[] x, double level)
    {
        ArgumentNullException.ThrowIfNull(x);
        var peak = 0f;
        for (var i = 0; i < x.Length; i++)
        {
            if (!float.IsFinite(x[i])) x[i] = 0;
            peak = MathF.Max(peak, MathF.Abs(x[i]));
        }
        if (peak == 0) return x;
        var g = (float)(level / peak);
        for (var i = 0; i < x.Length; i++) x[i] *= g;
        return x;
    }

    /// <summary>(1 − mix)·a + mix·b element-wise: a blend of two log-magnitude spectrograms (mix in [0, 1]).</summary>
    public static float[] Blend(ReadOnlySpan<float> a, ReadOnlySpan<float> b, double mix)
    {
        if (a.Length != b.Length) throw new ArgumentException("Spectrograms must have the same shape to blend; the two models use different spectrogram settings.", nameof(b));
        var m = (float)mix;
        var y = new float[a.Length];
        for (var i = 0; i < y.Length; i++) y[i] = ((1 - m) * a[i]) + (m * b[i]);
        return y;
    }
}
