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
    public static float[] MonoAtAnalysisRate(AudioBuffer audio, DescriptorOptions options) => new DecodedAudio(audio).MonoAt(options.SampleRate);

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

    /// <summary>
    /// One event rather than a loop or phrase: at most one attack (a frame whose energy rises at least
    /// <see cref="DescriptorOptions.AttackRiseDb"/> above the quietest of the three frames before it, within 25 dB of the
    /// loudest frame, at least 100 ms after the previous attack: nothing repeats), and the sound either decays or lasts no
    /// longer than <see cref="DescriptorOptions.MaxSustainedOneShotSeconds"/> (an 808, a Reese hit, a held note or stab). A
    /// held pad longer than that is a phrase. Slow swells and the beating of detuned voices rise too slowly to be attacks.
    /// </summary>
    internal static bool IsSingleEvent(FrameAnalysis frames, double duration, DescriptorOptions options)
    {
        if (frames.ActiveCount == 0) return true;
        return Attacks(frames, options) <= 1 && (Decays(frames) || duration <= options.MaxSustainedOneShotSeconds);
    }

    /// <summary>Number of attacks as <see cref="IsSingleEvent"/> defines them (the first frame rises from silence).</summary>
    internal static int Attacks(FrameAnalysis frames, DescriptorOptions options)
    {
        var e = frames.Energy;
        var max = System.Numerics.Tensors.TensorPrimitives.Max<float>(e);
        if (!(max > FrameAnalysis.SilentFrameEnergy)) return 0;
        var floor = max * 1e-13f;
        var rise = (float)Math.Pow(10, options.AttackRiseDb / 10);
        var level = max * (float)Math.Pow(10, -2.5);
        var gap = Math.Max(1, (int)Math.Round(0.1 * frames.FrameRate));
        var count = 0;
        var last = -gap - 1;
        for (var t = 0; t < e.Length; t++)
        {
            if (e[t] < level) continue;
            var before = floor;
            if (t > 0)
            {
                before = float.MaxValue;
                for (var k = Math.Max(0, t - 3); k < t; k++) before = Math.Min(before, e[k]);
                before = Math.Max(before, floor);
            }
            if (e[t] < rise * before || t - last <= gap) continue;
            count++;
            last = t;
        }
        return count;
    }

    /// <summary>Runs the analysis of <paramref name="audio"/> under <paramref name="options"/>.</summary>
    public static StemAnalysis Run(AudioBuffer audio, DescriptorOptions options, CancellationToken cancellationToken) =>
        Of(new DecodedAudio(audio), options, cancellationToken);

    /// <summary>
    /// The analysis of <paramref name="decoded"/> under <paramref name="options"/>, run once per decoded sound and
    /// settings: the descriptors and the descriptor embedding of one stem read the same instance.
    /// </summary>
    public static StemAnalysis Of(DecodedAudio decoded, DescriptorOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        ArgumentNullException.ThrowIfNull(options);
        return decoded.GetOrAdd(new Key(options), () => Compute(decoded, options, cancellationToken));
    }

    private sealed record Key(DescriptorOptions Options);

    private static StemAnalysis Compute(DecodedAudio decoded, DescriptorOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var audio = decoded.Audio;
        var signal = decoded.MonoAt(options.SampleRate);
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
        // A clear pulse is repetition: such a sound is a loop even when its notes run into each other (legato bass).
        var repeats = bpm is not null && confidence >= options.LoopTempoConfidence;
        var isOneShot = duration < options.MinLoopSeconds || (!repeats && IsSingleEvent(frames, duration, options));
        if (isOneShot) bpm = null;
        return new StemAnalysis(duration, frames, melDb, envelope, onsets, bpm, confidence, isOneShot);
    }
}
