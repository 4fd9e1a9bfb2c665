using Traum.Audio.Loudness;
using CoreDescriptors = Traum.Core.Descriptors;

namespace Traum.Audio.Descriptors;

/// <summary>
/// Computes a stem's <see cref="CoreDescriptors"/>: levels on the audio as given (all channels, original rate),
/// everything else on its mono mix resampled to <see cref="DescriptorOptions.SampleRate"/> with one shared STFT pass.
/// Thread-safe: one instance can analyse many buffers in parallel. docs/descriptors.md describes each algorithm.
/// </summary>
public sealed class DescriptorAnalyzer
{
    /// <summary>Creates an analyser; <paramref name="options"/> defaults to <c>new DescriptorOptions()</c>.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public DescriptorAnalyzer(DescriptorOptions? options = null)
    {
        Options = options ?? new DescriptorOptions();
        Options.Validate();
    }

    /// <summary>The settings the analysis runs with (validated at construction).</summary>
    public DescriptorOptions Options { get; }

    /// <summary>
    /// Describes <paramref name="audio"/> (any rate, any channel count, any length including empty). Every number
    /// is finite: levels below <see cref="DescriptorOptions.LevelFloorDb"/> (and silence) are reported as that floor;
    /// silence has zero spectral descriptors, no tempo and no key.
    /// </summary>
    public CoreDescriptors Analyze(AudioBuffer audio, CancellationToken cancellationToken = default) =>
        Analyze(new DecodedAudio(audio ?? throw new ArgumentNullException(nameof(audio))), cancellationToken);

    /// <summary>
    /// Describes a decoded sound as <see cref="Analyze(AudioBuffer, CancellationToken)"/> does, reading (and leaving
    /// for the next analyser) the mono mix and the frame analysis kept on <paramref name="decoded"/>.
    /// </summary>
    public CoreDescriptors Analyze(DecodedAudio decoded, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        var audio = decoded.Audio;
        var stem = StemAnalysis.Of(decoded, Options, cancellationToken);
        if (audio.Length == 0) return Describe(stem, cancellationToken);
        var levels = LoudnessMeter.Measure(audio);
        return Describe(stem, cancellationToken) with
        {
            PeakDb = Level(levels.SamplePeakDb),
            RmsDb = Level(levels.RmsDb),
            Lufs = Level(levels.IntegratedLufs),
            TruePeakDb = Level(levels.TruePeakDb),
            MomentaryMaxLufs = Level(levels.MomentaryMaxLufs),
            ShortTermMaxLufs = Level(levels.ShortTermMaxLufs),
            LoudnessRange = double.IsFinite(levels.LoudnessRangeLu) ? levels.LoudnessRangeLu : null,
        };
    }

    /// <summary>All descriptors except the levels, which are left at the floor.</summary>
    internal CoreDescriptors Describe(StemAnalysis stem, CancellationToken cancellationToken)
    {
        var f = stem.Frames;
        string? key = null;
        string? mode = null;
        double keyConfidence = 0;
        if (f.ActiveCount > 0)
        {
            (key, mode, keyConfidence) = KeyEstimation.Estimate(f.Signal, f.SampleRate, StemAnalysis.Decays(f), Options, cancellationToken);
        }

        return new CoreDescriptors
        {
            Duration = stem.Duration,
            PeakDb = Options.LevelFloorDb,
            RmsDb = Options.LevelFloorDb,
            Lufs = Options.LevelFloorDb,
            TruePeakDb = Options.LevelFloorDb,
            MomentaryMaxLufs = Options.LevelFloorDb,
            ShortTermMaxLufs = Options.LevelFloorDb,
            SpectralCentroid = f.ActiveMean(f.Centroid),
            SpectralBandwidth = f.ActiveMean(f.Bandwidth),
            SpectralRolloff = f.ActiveMean(f.Rolloff),
            SpectralFlatness = f.ActiveMean(f.Flatness),
            ZeroCrossingRate = f.ActiveMean(f.Zcr),
            OnsetDensity = stem.OnsetDensity,
            Bpm = stem.Bpm,
            BpmConfidence = stem.BpmConfidence,
            Key = key,
            Mode = mode,
            KeyConfidence = keyConfidence,
            IsOneShot = stem.IsOneShot,
            LoopBars = !stem.IsOneShot && stem.Bpm is { } bpm ? Math.Round(stem.Duration * bpm / 240 * 4) / 4 : null,
        };
    }

    private double Level(double db) => double.IsNaN(db) || db < Options.LevelFloorDb ? Options.LevelFloorDb : db;
}
