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
    /// <summary>Drums and percussion.</summary>
    public const string Drums = "drums";
    /// <summary>Bass lines.</summary>
    public const string Bass = "bass";
    /// <summary>Everything a separation model puts in no other stem.</summary>
    public const string Other = "other";
    /// <summary>Voices.</summary>
    public const string Vocals = "vocals";
    /// <summary>Guitars.</summary>
    public const string Guitar = "guitar";
    /// <summary>Piano.</summary>
    public const string Piano = "piano";
    /// <summary>A stem whose kind is not known yet.</summary>
    public const string Uncategorized = "uncategorized";

    /// <summary>The kinds that separation models produce.</summary>
    public static IReadOnlyList<string> Separation { get; } = [Drums, Bass, Other, Vocals, Guitar, Piano];
}

/// <summary>A stem in the library.</summary>
public sealed record Stem
{
    /// <summary>Library id of the stem.</summary>
    public required long Id { get; init; }
    /// <summary>Display name (usually the source file name without extension).</summary>
    public required string Name { get; init; }
    /// <summary>drums, bass, other, vocals, guitar, piano, or a user category.</summary>
    public required string Kind { get; init; }
    /// <summary>Finer grouping (e.g. "kick", "808", "pad"); used to pick training sets.</summary>
    public required string Category { get; init; }
    /// <summary>How the stem came into the library.</summary>
    public required StemOrigin Origin { get; init; }
    /// <summary>The track the stem was separated from, if any.</summary>
    public long? TrackId { get; init; }
    /// <summary>The generation run that made the stem, if any.</summary>
    public long? GenerationId { get; init; }
    /// <summary>Path of the stored audio, relative to the library folder.</summary>
    public required string FilePath { get; init; }
    /// <summary>Hex SHA-256 of the decoded samples (so the same sound in WAV and FLAC is one stem).</summary>
    public required string ContentHash { get; init; }
    /// <summary>Where the audio was imported from, if anywhere.</summary>
    public string? SourcePath { get; init; }
    /// <summary>Sample rate in Hz.</summary>
    public required int SampleRate { get; init; }
    /// <summary>Channel count.</summary>
    public required int Channels { get; init; }
    /// <summary>Duration in seconds.</summary>
    public required double Duration { get; init; }
    /// <summary>When the stem was added to the library.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>The user's tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>Marked as a favourite by the user.</summary>
    public bool Favourite { get; init; }
    /// <summary>The user's rating, 1 to 5 stars; null when not rated.</summary>
    public int? Rating { get; init; }
}

/// <summary>A full track that was (or will be) separated into stems.</summary>
public sealed record Track
{
    /// <summary>Library id of the track.</summary>
    public required long Id { get; init; }
    /// <summary>Display name (usually the source file name without extension).</summary>
    public required string Name { get; init; }
    /// <summary>The file the track was read from.</summary>
    public required string SourcePath { get; init; }
    /// <summary>Stored copy of the track, relative to the library folder, if one was kept.</summary>
    public string? FilePath { get; init; }
    /// <summary>Container of the source file, e.g. "wav", "flac", "mp3".</summary>
    public required string Format { get; init; }
    /// <summary>Duration in seconds.</summary>
    public required double Duration { get; init; }
    /// <summary>Hex SHA-256 of the decoded samples, as for stems.</summary>
    public required string ContentHash { get; init; }
    /// <summary>When the track was added to the library.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Descriptors of one stem. Levels in dBFS, loudness in LUFS, frequencies in Hz, rates per second.</summary>
public sealed record Descriptors
{
    /// <summary>Duration in seconds.</summary>
    public required double Duration { get; init; }
    /// <summary>Sample peak in dBFS, floored like the other levels.</summary>
    public required double PeakDb { get; init; }
    /// <summary>RMS level in dBFS, floored like the other levels.</summary>
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
    /// <summary>Mean spectral centroid over the active frames, in Hz.</summary>
    public required double SpectralCentroid { get; init; }
    /// <summary>Mean spectral bandwidth (spread around the centroid) over the active frames, in Hz.</summary>
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
    /// <summary>Confidence of the tempo estimate, 0…1 (low when there is no tempo to speak of).</summary>
    public double BpmConfidence { get; init; }
    /// <summary>Tonic pitch class name spelled with flats for the black keys except F# ("C", "Db", … "F#", … "Bb", "B"), or null when unpitched or atonal.</summary>
    public string? Key { get; init; }
    /// <summary>"major" or "minor", or null (unpitched, or a single note: a root without a mode).</summary>
    public string? Mode { get; init; }
    /// <summary>Camelot code of the key and mode ("8A" for A minor), or null without a mode.</summary>
    public string? Camelot => KeyNames.Camelot(Key, Mode);
    /// <summary>Confidence of the key estimate, 0…1.</summary>
    public double KeyConfidence { get; init; }
    /// <summary>True for a single hit, false for a loop or a longer phrase.</summary>
    public required bool IsOneShot { get; init; }
    /// <summary>Length in 4/4 bars at the tempo (rounded to a quarter bar), for loops with a tempo; else null.</summary>
    public double? LoopBars { get; init; }
    /// <summary>Tempo in BPM stated by the file or folder name ("… 128 BPM"), or null; kept beside the estimate.</summary>
    public double? StatedBpm { get; init; }
    /// <summary>Tonic stated by the file or folder name, spelled like the estimated key, or null.</summary>
    public string? StatedKey { get; init; }
    /// <summary>Mode stated by the name ("major"/"minor"), or null when the name gives none or no key.</summary>
    public string? StatedMode { get; init; }
}

/// <summary>An L2-normalised embedding and the id of the model that made it.</summary>
public sealed record Embedding(string ModelId, float[] Vector)
{
    /// <summary>Length of the vector.</summary>
    public int Dimension => Vector.Length;
}

/// <summary>One label of a semantic family: softmax score (0…1) and percentile across the library (0…100).</summary>
public sealed record ProfileScore(string Label, double Score, double Percentile);

/// <summary>A stem's semantic profile: per family (energy, mood, texture, movement, space) its label scores.</summary>
public sealed record SemanticProfile(string ModelId, IReadOnlyDictionary<string, IReadOnlyList<ProfileScore>> Families);

/// <summary>States of a job's durable record.</summary>
public enum JobState
{
/// <summary>Waiting for a runtime to claim it.</summary>
    Queued,
/// <summary>Claimed and running.</summary>
    Running,
/// <summary>Finished with a result.</summary>
    Succeeded,
/// <summary>Stopped by an error (see <see cref="JobInfo.Error"/>).</summary>
    Failed,
/// <summary>Stopped because cancellation was asked for.</summary>
    Cancelled,
    /// <summary>The process stopped while the job was running (crash, kill, restart); it can be retried.</summary>
    Interrupted,
}

/// <summary>The durable record of a long piece of work.</summary>
public sealed record JobInfo
{
    /// <summary>Job id (32 hex digits).</summary>
    public required string Id { get; init; }
    /// <summary>separate, ingest, train, generate, reindex…</summary>
    public required string Kind { get; init; }
    /// <summary>Where the job stands.</summary>
    public required JobState State { get; init; }
    /// <summary>0…1.</summary>
    public double Progress { get; init; }
    /// <summary>The last short status message.</summary>
    public string? Message { get; init; }
    /// <summary>Why the job failed, or null.</summary>
    public string? Error { get; init; }
    /// <summary>The job's parameters as JSON, so it can be retried.</summary>
    public string? Parameters { get; init; }
    /// <summary>The job's result as JSON (ids made, paths written).</summary>
    public string? Result { get; init; }
    /// <summary>When the job was queued.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>When a runtime started it, or null.</summary>
    public DateTimeOffset? StartedAt { get; init; }
    /// <summary>When it reached its final state, or null.</summary>
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
