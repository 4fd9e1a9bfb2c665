namespace Traum.Core;

/// <summary>Where a stem came from.</summary>
public enum StemOrigin
{
    /// <summary>Written by source separation of a track.</summary>
    Separated,
    /// <summary>Imported from a file the user had.</summary>
    Imported,
    /// <summary>Made by a trained generative model.</summary>
    Generated,
}

/// <summary>The well-known stem kinds. A kind is a string so that user categories fit beside these.</summary>
public static class StemKinds
{
    public const string Drums = "drums";
    public const string Bass = "bass";
    public const string Other = "other";
    public const string Vocals = "vocals";
    public const string Guitar = "guitar";
    public const string Piano = "piano";
    public const string Uncategorized = "uncategorized";

    /// <summary>The kinds that separation models produce.</summary>
    public static IReadOnlyList<string> Separation { get; } = [Drums, Bass, Other, Vocals, Guitar, Piano];
}

/// <summary>A stem in the library.</summary>
public sealed record Stem
{
    public required long Id { get; init; }
    /// <summary>Display name (usually the source file name without extension).</summary>
    public required string Name { get; init; }
    /// <summary>drums, bass, other, vocals, guitar, piano, or a user category.</summary>
    public required string Kind { get; init; }
    /// <summary>Finer grouping (e.g. "kick", "808", "pad"); used to pick training sets.</summary>
    public required string Category { get; init; }
    public required StemOrigin Origin { get; init; }
    public long? TrackId { get; init; }
    public long? GenerationId { get; init; }
    /// <summary>Path of the stored audio, relative to the library folder.</summary>
    public required string FilePath { get; init; }
    /// <summary>Hex SHA-256 of the decoded samples (so the same sound in WAV and FLAC is one stem).</summary>
    public required string ContentHash { get; init; }
    /// <summary>Where the audio was imported from, if anywhere.</summary>
    public string? SourcePath { get; init; }
    /// <summary>Sample rate in Hz.</summary>
    public required int SampleRate { get; init; }
    public required int Channels { get; init; }
    /// <summary>Duration in seconds.</summary>
    public required double Duration { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>Marked as a favourite by the user.</summary>
    public bool Favourite { get; init; }
    /// <summary>The user's rating, 1 to 5 stars; null when not rated.</summary>
    public int? Rating { get; init; }
}

/// <summary>A full track that was (or will be) separated into stems.</summary>
public sealed record Track
{
    public required long Id { get; init; }
    public required string Name { get; init; }
    public required string SourcePath { get; init; }
    /// <summary>Stored copy of the track, relative to the library folder, if one was kept.</summary>
    public string? FilePath { get; init; }
    public required string Format { get; init; }
    /// <summary>Duration in seconds.</summary>
    public required double Duration { get; init; }
    public required string ContentHash { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Descriptors of one stem. Levels in dBFS, loudness in LUFS, frequencies in Hz, rates per second.</summary>
public sealed record Descriptors
{
    public required double Duration { get; init; }
    public required double PeakDb { get; init; }
    public required double RmsDb { get; init; }
    /// <summary>Integrated loudness (ITU-R BS.1770-4) in LUFS; levels of silence are floored at −120 (finite, so JSON and SQLite can hold them).</summary>
    public required double Lufs { get; init; }
    /// <summary>True peak (ITU-R BS.1770-4 Annex 2, 4× oversampled) in dBTP, floored like the other levels; null when not measured.</summary>
    public double? TruePeakDb { get; init; }
    /// <summary>Largest momentary loudness (400 ms, EBU Tech 3341) in LUFS, floored like the other levels; null when not measured.</summary>
    public double? MomentaryMaxLufs { get; init; }
    /// <summary>Largest short-term loudness (3 s, EBU Tech 3341) in LUFS, floored like the other levels; null when not measured.</summary>
    public double? ShortTermMaxLufs { get; init; }
    /// <summary>Loudness range (EBU Tech 3342) in LU; null when shorter than 3 s or silent.</summary>
    public double? LoudnessRange { get; init; }
    public required double SpectralCentroid { get; init; }
    public required double SpectralBandwidth { get; init; }
    /// <summary>Frequency below which 85 % of the spectral energy lies, in Hz.</summary>
    public required double SpectralRolloff { get; init; }
    /// <summary>Spectral flatness (geometric / arithmetic mean of the power spectrum), 0…1.</summary>
    public required double SpectralFlatness { get; init; }
    /// <summary>Zero crossings per sample, 0…1.</summary>
    public required double ZeroCrossingRate { get; init; }
    /// <summary>Onsets per second.</summary>
    public required double OnsetDensity { get; init; }
    /// <summary>Tempo in BPM, or null when there is no pulse to speak of.</summary>
    public double? Bpm { get; init; }
    public double BpmConfidence { get; init; }
    /// <summary>Tonic pitch class name spelled as <see cref="KeyNames"/> does ("C", "Db", … "F#", … "Bb", "B"), or null when unpitched or atonal.</summary>
    public string? Key { get; init; }
    /// <summary>"major" or "minor", or null (unpitched, or a single note: a root without a mode).</summary>
    public string? Mode { get; init; }
    /// <summary>Camelot code of <see cref="Key"/> and <see cref="Mode"/> ("8A" for A minor), or null without a mode.</summary>
    public string? Camelot => KeyNames.Camelot(Key, Mode);
    public double KeyConfidence { get; init; }
    /// <summary>True for a single hit, false for a loop or a longer phrase.</summary>
    public required bool IsOneShot { get; init; }
    /// <summary>Length in 4/4 bars at <see cref="Bpm"/> (rounded to a quarter bar), for loops with a tempo; else null.</summary>
    public double? LoopBars { get; init; }
    /// <summary>Tempo in BPM stated by the file or folder name ("… 128 BPM"), or null; kept beside the estimate.</summary>
    public double? StatedBpm { get; init; }
    /// <summary>Tonic stated by the file or folder name, spelled like <see cref="Key"/>, or null.</summary>
    public string? StatedKey { get; init; }
    /// <summary>Mode stated by the name ("major"/"minor"), or null when the name gives none or no key.</summary>
    public string? StatedMode { get; init; }
}

/// <summary>An L2-normalised embedding and the id of the model that made it.</summary>
public sealed record Embedding(string ModelId, float[] Vector)
{
    public int Dimension => Vector.Length;
}

/// <summary>One label of a semantic family: softmax score (0…1) and percentile across the library (0…100).</summary>
public sealed record ProfileScore(string Label, double Score, double Percentile);

/// <summary>A stem's semantic profile: per family (energy, mood, texture, movement, space) its label scores.</summary>
public sealed record SemanticProfile(string ModelId, IReadOnlyDictionary<string, IReadOnlyList<ProfileScore>> Families);

/// <summary>States of a job's durable record.</summary>
public enum JobState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    /// <summary>The process stopped while the job was running (crash, kill, restart); it can be retried.</summary>
    Interrupted,
}

/// <summary>The durable record of a long piece of work.</summary>
public sealed record JobInfo
{
    public required string Id { get; init; }
    /// <summary>separate, ingest, train, generate, reindex…</summary>
    public required string Kind { get; init; }
    public required JobState State { get; init; }
    /// <summary>0…1.</summary>
    public double Progress { get; init; }
    public string? Message { get; init; }
    public string? Error { get; init; }
    /// <summary>The job's parameters as JSON, so it can be retried.</summary>
    public string? Parameters { get; init; }
    /// <summary>The job's result as JSON (ids made, paths written).</summary>
    public string? Result { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
}

/// <summary>Progress of long work: <paramref name="Done"/> of <paramref name="Total"/> units, and a short status.</summary>
public readonly record struct ProgressInfo(double Done, double Total, string Unit, string? Message = null)
{
    /// <summary>0…1, or 0 when the total is unknown.</summary>
    public double Fraction => Total > 0 ? Math.Clamp(Done / Total, 0, 1) : 0;
}

/// <summary>
/// Speed against real time, one meaning everywhere: seconds of audio processed per second of wall time, so "10.0× real
/// time" is ten times faster than playing the audio.
/// </summary>
public static class RealTime
{
    /// <summary>Audio seconds per wall second (0 when no time has passed).</summary>
    public static double Factor(double audioSeconds, double elapsedSeconds) => elapsedSeconds > 0 ? audioSeconds / elapsedSeconds : 0;

    /// <summary>"12.3× real time".</summary>
    public static string Format(double audioSeconds, double elapsedSeconds) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Factor(audioSeconds, elapsedSeconds):0.0}× real time");
}
