using System.Text.Json.Serialization;
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

/// <summary>A rendered stem and how well its phase reconstruction matched the decoded magnitude.</summary>
/// <param name="Audio">The stem at the output rate and channel count.</param>
/// <param name="SpectralConvergence">‖|STFT(x)| − S‖_F / ‖S‖_F of the reconstruction against the decoded magnitude (0 = exact).</param>
/// <param name="LoudnessLufs">Integrated loudness of the result, LUFS.</param>
/// <param name="GainDb">Gain applied to reach the target loudness (or the peak level), dB.</param>
/// <param name="PeakLimited">True when the target loudness would have clipped and the gain was lowered to a −1 dBFS peak.</param>
public sealed record RenderedStem(Audio.AudioBuffer Audio, double SpectralConvergence, double LoudnessLufs, double GainDb, bool PeakLimited);

/// <summary>How a decoded spectrogram becomes a stem like the material: rate, channels, length, looping and loudness.</summary>
/// <param name="SampleRate">Output rate, Hz (the material's dominant rate).</param>
/// <param name="Channels">1, or 2 for stereo material: the model learns the mono mix, so both channels carry it (centred, phase-coherent).</param>
/// <param name="Seconds">Output length, seconds (a loop is repeated to fill it; a one-shot is cut or padded with silence).</param>
/// <param name="Loop">Make the end flow into the start: the spectrogram is rendered past its end with its first frames and that tail is crossfaded into the head.</param>
/// <param name="LoudnessLufs">Target integrated loudness (the material's median), or null to peak-normalise to −1 dBFS.</param>
public sealed record RenderOptions(int SampleRate, int Channels, double Seconds, bool Loop, double? LoudnessLufs)
{
    /// <summary>Loop crossfade length, seconds (at most an eighth of the excerpt).</summary>
    public const double CrossfadeSeconds = 0.02;
}

/// <summary>Renders decoded spectrograms as stems (see <see cref="RenderOptions"/>).</summary>
public static class StemRenderer
{
    /// <summary>Log-magnitude features (one row, <c>[bins, frames]</c>) → a stem as <paramref name="render"/> says.</summary>
    public static RenderedStem Render(ReadOnlySpan<float> logFeatures, SpectrogramOptions features, RenderOptions render, PhaseMode phase, int iterations, int seed)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(render);
        var bins = features.Bins;
        var frames = features.Frames;
        var stft = features.Stft;
        var length = features.ExcerptSamples;
        var magnitude = logFeatures.ToArray();
        features.Expand(magnitude);
        var fade = render.Loop ? Math.Min((int)(RenderOptions.CrossfadeSeconds * features.SampleRate), length / 8) : 0;
        var extra = fade > 0 ? (fade + features.Hop - 1) / features.Hop : 0;
        var ext = magnitude;
        if (extra > 0)
        {
            // Circular extension: the frames after the end are the first frames again.
            ext = new float[bins * (frames + extra)];
            for (var b = 0; b < bins; b++)
            {
                magnitude.AsSpan(b * frames, frames).CopyTo(ext.AsSpan(b * (frames + extra), frames));
                for (var e = 0; e < extra; e++) ext[(b * (frames + extra)) + frames + e] = magnitude[(b * frames) + Math.Min(e, frames - 1)];
            }
        }
        var extLength = length + (extra * features.Hop);
        var x = phase == PhaseMode.GriffinLim
            ? Spectral.PhaseReconstruction.GriffinLim(ext, frames + extra, stft, extLength, iterations, 0.99, seed)
            : Spectral.PhaseReconstruction.RandomPhase(ext, frames + extra, stft, extLength, seed);
        for (var i = 0; i < x.Length; i++) if (!float.IsFinite(x[i])) x[i] = 0;
        var head = x.AsSpan(0, length).ToArray();
        var sc = Spectral.PhaseReconstruction.SpectralConvergence(magnitude, frames, stft, head);
        for (var n = 0; n < fade; n++)
        {
            // Equal-power crossfade of the rendered continuation past the end into the start.
            var t = (n + 0.5) / fade;
            head[n] = (float)((Math.Sin(0.5 * Math.PI * t) * head[n]) + (Math.Cos(0.5 * Math.PI * t) * x[length + n]));
        }
        var mono = features.SampleRate == render.SampleRate ? head : Audio.Dsp.Resampler.Resample(head, features.SampleRate, render.SampleRate);
        var outLength = Math.Max(1, (int)Math.Round(render.Seconds * render.SampleRate));
        var output = new float[outLength];
        if (render.Loop)
        {
            for (var o = 0; o < outLength; o += mono.Length) mono.AsSpan(0, Math.Min(mono.Length, outLength - o)).CopyTo(output.AsSpan(o));
        }
        else
        {
            mono.AsSpan(0, Math.Min(mono.Length, outLength)).CopyTo(output);
        }
        var channels = new float[Math.Max(1, render.Channels)][];
        for (var c = 0; c < channels.Length; c++) channels[c] = output; // measured as it will be written (duplicated mono is 3 dB louder than mono)
        var (gainDb, limited) = GainFor(new Audio.AudioBuffer(channels, render.SampleRate), render.LoudnessLufs);
        var g = (float)Math.Pow(10, gainDb / 20);
        for (var i = 0; i < output.Length; i++) output[i] *= g;
        for (var c = 1; c < channels.Length; c++) channels[c] = (float[])output.Clone();
        var result = new Audio.AudioBuffer(channels, render.SampleRate);
        var lufs = Audio.Loudness.LoudnessMeter.IntegratedLufs(result);
        return new RenderedStem(result, sc, lufs, gainDb, limited);
    }

    /// <summary>Gain (dB) that brings <paramref name="audio"/> to <paramref name="targetLufs"/> without the peak passing −1 dBFS; peak normalisation without a target.</summary>
    private static (double GainDb, bool Limited) GainFor(Audio.AudioBuffer audio, double? targetLufs)
    {
        var peak = 0f;
        foreach (var v in audio.Channels[0]) peak = MathF.Max(peak, MathF.Abs(v));
        if (peak == 0) return (0, false);
        var peakGain = 20 * Math.Log10(SpectrogramAudio.PeakLevel / peak);
        if (targetLufs is not { } target) return (peakGain, false);
        var now = Audio.Loudness.LoudnessMeter.IntegratedLufs(audio);
        if (!double.IsFinite(now) || now <= -100) return (peakGain, false);
        var gain = target - now;
        return gain > peakGain ? (peakGain, true) : (gain, false);
    }
}
