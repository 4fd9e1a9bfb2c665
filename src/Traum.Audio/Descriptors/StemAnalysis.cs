using Traum.Audio.Dsp;

namespace Traum.Audio.Descriptors;

/// <summary>
/// Everything both the descriptors and the descriptor embedding derive from: the mono signal at the analysis rate,
/// the shared frame pass, the onset envelope and onsets, and the tempo.
/// </summary>
internal sealed class StemAnalysis
{
    private StemAnalysis(double duration, FrameAnalysis frames, float[] melDb, float[] envelope, List<int> onsets, double? bpm, double bpmConfidence, bool isOneShot)
    {
        Duration = duration;
        Frames = frames;
        MelDb = melDb;
        Envelope = envelope;
        Onsets = onsets;
        Bpm = bpm;
        BpmConfidence = bpmConfidence;
        IsOneShot = isOneShot;
    }

    /// <summary>Duration of the original audio in seconds.</summary>
    public double Duration { get; }

    public FrameAnalysis Frames { get; }

    /// <summary>Mel band levels in dB, clipped 80 dB below the loudest, <c>[frames, bands]</c>.</summary>
    public float[] MelDb { get; }

    /// <summary>Onset strength per frame.</summary>
    public float[] Envelope { get; }

    /// <summary>Frame indices of the detected onsets.</summary>
    public List<int> Onsets { get; }

    public double? Bpm { get; }

    public double BpmConfidence { get; }

    public bool IsOneShot { get; }

    /// <summary>Onsets per second of the original duration (0 for empty audio).</summary>
    public double OnsetDensity => Duration > 0 ? Onsets.Count / Duration : 0;

    /// <summary>Mono mix of <paramref name="audio"/> at the analysis rate.</summary>
    public static float[] MonoAtAnalysisRate(AudioBuffer audio, DescriptorOptions options)
    {
        var mono = audio.ToMono();
        if (audio.SampleRate == options.SampleRate || mono.Length == 0) return mono;
        return Resampler.Resample(mono, audio.SampleRate, options.SampleRate);
    }

    /// <summary>
    /// True when the sound dies away: the loudest frame of the last quarter is at least 10 dB below the loudest frame
    /// (a hit or a plucked note), or the signal is silent. A sustained sound (a pad, a held vowel) does not decay.
    /// </summary>
    internal static bool Decays(FrameAnalysis frames)
    {
        var energy = frames.Energy;
        var max = System.Numerics.Tensors.TensorPrimitives.Max<float>(energy);
        if (!(max > FrameAnalysis.SilentFrameEnergy)) return true;
        var tail = System.Numerics.Tensors.TensorPrimitives.Max<float>(energy.AsSpan(energy.Length * 3 / 4));
        return tail <= max * 0.1f;
    }

    public static StemAnalysis Run(AudioBuffer audio, DescriptorOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var signal = MonoAtAnalysisRate(audio, options);
        cancellationToken.ThrowIfCancellationRequested();
        var frames = FrameAnalysis.Compute(signal, options, cancellationToken);
        var melDb = OnsetDetection.MelDb(frames);
        var envelope = OnsetDetection.Envelope(frames, melDb);
        var onsets = frames.ActiveCount == 0 ? [] : OnsetDetection.PickPeaks(envelope, frames.FrameRate, options.OnsetDelta);
        cancellationToken.ThrowIfCancellationRequested();

        var duration = audio.Duration;
        double? bpm = null;
        double confidence = 0;
        if (duration >= options.MinLoopSeconds && frames.ActiveCount > 0)
        {
            (bpm, confidence) = TempoEstimation.Estimate(frames, options);
        }
        var isOneShot = duration < options.MinLoopSeconds || (bpm is null && onsets.Count <= 2 && Decays(frames));
        if (isOneShot) bpm = null;
        return new StemAnalysis(duration, frames, melDb, envelope, onsets, bpm, confidence, isOneShot);
    }
}
