using Traum.Core;

namespace Traum.Catalog;

/// <summary>What is needed to add a stem; the catalog assigns the id and the creation time.</summary>
public sealed record NewStem
{
    /// <summary>Display name (usually the source file name without extension).</summary>
    public required string Name { get; init; }
    /// <summary>drums, bass, other, vocals, guitar, piano, or a user category (see <see cref="StemKinds"/>).</summary>
    public required string Kind { get; init; }
    /// <summary>Finer grouping (e.g. "kick", "808", "pad").</summary>
    public required string Category { get; init; }
    /// <summary>How the stem came into the library.</summary>
    public required StemOrigin Origin { get; init; }
    /// <summary>The track the stem was separated from, if any.</summary>
    public long? TrackId { get; init; }
    /// <summary>The generation run that made the stem, if any.</summary>
    public long? GenerationId { get; init; }
    /// <summary>Stored audio, relative to the library folder (as the library stores it).</summary>
    public required string FilePath { get; init; }
    /// <summary>The content hash: 64 lower-case hex digits of SHA-256 over the decoded samples (Traum.Audio.ContentHasher).</summary>
    public required string ContentHash { get; init; }
    /// <summary>Where the audio was imported from, if anywhere (absolute path).</summary>
    public string? SourcePath { get; init; }
    /// <summary>Size in bytes of the source file, to recognise it again without decoding.</summary>
    public long? SourceSize { get; init; }
    /// <summary>Last write time of the source file, to recognise it again without decoding.</summary>
    public DateTimeOffset? SourceModified { get; init; }
    /// <summary>Sample rate in Hz.</summary>
    public required int SampleRate { get; init; }
    /// <summary>Channel count.</summary>
    public required int Channels { get; init; }
    /// <summary>Duration in seconds.</summary>
    public required double Duration { get; init; }
    /// <summary>The user's tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
}

/// <summary>What is needed to add a track.</summary>
public sealed record NewTrack
{
    /// <summary>Display name (usually the source file name without extension).</summary>
    public required string Name { get; init; }
    /// <summary>Absolute path of the file the track came from.</summary>
    public required string SourcePath { get; init; }
    /// <summary>Stored copy relative to the library folder, if one was kept.</summary>
    public string? FilePath { get; init; }
    /// <summary>Container, e.g. "wav", "flac", "mp3".</summary>
    public required string Format { get; init; }
    /// <summary>Duration in seconds.</summary>
    public required double Duration { get; init; }
    /// <summary>The content hash: 64 lower-case hex digits of SHA-256 over the decoded samples (Traum.Audio.ContentHasher).</summary>
    public required string ContentHash { get; init; }
}

/// <summary>A trained generative model registered in the library.</summary>
/// <param name="Id">Catalog id.</param>
/// <param name="Category">The stem category (or tag) it was trained on.</param>
/// <param name="Version">Version label, unique per category (e.g. "v3" or a timestamp).</param>
/// <param name="Path">Model folder relative to the library folder (e.g. "models/bass/v3").</param>
/// <param name="MetadataJson">The model's metadata.json content (config, data, losses), or null.</param>
/// <param name="CreatedAt">When it was registered.</param>
public sealed record TrainedModel(long Id, string Category, string Version, string Path, string? MetadataJson, DateTimeOffset CreatedAt);

/// <summary>Lineage of generated stems: which model made them, how, and from what.</summary>
public sealed record Generation
{
    /// <summary>Catalog id of the generation.</summary>
    public long Id { get; init; }
    /// <summary>Catalog id of the model, when it is still registered.</summary>
    public long? ModelId { get; init; }
    /// <summary>Category of the model (kept even if the model is removed).</summary>
    public required string ModelCategory { get; init; }
    /// <summary>Version of the model (kept even if the model is removed).</summary>
    public required string ModelVersion { get; init; }
    /// <summary>random, interpolate, hybrid, cross…</summary>
    public required string Mode { get; init; }
    /// <summary>Random seed of the run, when it had one.</summary>
    public long? Seed { get; init; }
    /// <summary>The generation's parameters as JSON (temperature, steps, phase mode…).</summary>
    public string? ParametersJson { get; init; }
    /// <summary>Ids of the stems it was made from (hybrids, interpolation endpoints); may name stems deleted since.</summary>
    public IReadOnlyList<long> ParentStemIds { get; init; } = [];
    /// <summary>When the generation was recorded.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Result of deleting a stem row.</summary>
/// <param name="Stem">The row that was deleted.</param>
/// <param name="FileShared">True when another stem still uses the same file, so the file must stay.</param>
public sealed record StemDeletion(Stem Stem, bool FileShared);

/// <summary>What kind of change a <see cref="CatalogChange"/> records.</summary>
public enum CatalogChangeKind
{
    /// <summary>A stem was added.</summary>
    StemAdded,
    /// <summary>A stem's kind, category, name or tags changed.</summary>
    StemUpdated,
    /// <summary>A stem was deleted (with its descriptors, embeddings and profiles).</summary>
    StemRemoved,
    /// <summary>A stem's embedding for <see cref="CatalogChange.ModelId"/> was written or replaced.</summary>
    EmbeddingSet,
    /// <summary>A stem's descriptors were written.</summary>
    DescriptorsSet,
    /// <summary>A stem's semantic profile for <see cref="CatalogChange.ModelId"/> was written.</summary>
    ProfileSet,
}

/// <summary>
/// One entry of the catalog's change log. Sequences increase monotonically (across processes), so a reader
/// that remembers the last sequence it applied can catch up with <see cref="IChangeFeed.GetChangesSince"/>.
/// </summary>
public sealed record CatalogChange(long Sequence, CatalogChangeKind Kind, long StemId, string? ModelId, DateTimeOffset At);

/// <summary>A stored embedding row.</summary>
/// <param name="StemId">The stem.</param>
/// <param name="Vector">The vector (float32; L2-normalised by the producer).</param>
public sealed record StemVector(long StemId, float[] Vector);

/// <summary>A stem with the same content identity (sound, origin, track or generation) is already in the catalog.</summary>
public sealed class StemExistsException : TraumException
{
    /// <summary>Creates the exception for the stem already in the catalog.</summary>
    /// <param name="existing">The stem with the same content identity.</param>
    /// <param name="inner">The cause (e.g. the database's unique-constraint error), or null.</param>
    public StemExistsException(Stem existing, Exception? inner = null)
        : base($"The same sound is already stem {existing?.Id}.", inner)
    {
        Existing = existing ?? throw new ArgumentNullException(nameof(existing));
    }

    /// <summary>The stem already in the catalog.</summary>
    public Stem Existing { get; }
}

/// <summary>Raised after a write commits, with the change-log entries it made.</summary>
public sealed class CatalogChangedEventArgs(IReadOnlyList<CatalogChange> changes) : EventArgs
{
    /// <summary>The change-log entries the write made, in sequence order.</summary>
    public IReadOnlyList<CatalogChange> Changes { get; } = changes;
}

/// <summary>How many stems (and seconds of audio) a kind/category pair has.</summary>
public sealed record CategoryCount(string Kind, string Category, int Count, double Seconds);

/// <summary>The outcome of renewing a job's lease.</summary>
/// <param name="Held">The caller still owns the job (false: it finished, or another runtime took it over).</param>
/// <param name="CancelRequested">Someone asked for the job to be cancelled.</param>
public readonly record struct LeaseRenewal(bool Held, bool CancelRequested);
