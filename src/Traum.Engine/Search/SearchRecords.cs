using Traum.Catalog;
using Traum.Catalog.Vectors;
using Traum.Core;
using Traum.Engine.Semantic;

namespace Traum.Engine.Search;

/// <summary>Settings of search (configuration section <c>search</c>).</summary>
public sealed record SearchOptions
{
    /// <summary>Results per query when none is asked for.</summary>
    public int DefaultK { get; init; } = 10;

    /// <summary>Cosine at or above which two stems count as near-duplicates (embedding method).</summary>
    public double DuplicateThreshold { get; init; } = 0.997;

    /// <summary>Fingerprint bit error rate at the best alignment at or below which two stems are one recording.</summary>
    public double MaxBitErrorRate { get; init; } = Traum.Audio.Fingerprint.AudioFingerprint.DefaultMaxBitErrorRate;

    /// <summary>
    /// Fingerprint method with CLAP installed: prints up to this bit error rate (above <see cref="MaxBitErrorRate"/>)
    /// still count as one recording when their CLAP cosine reaches <see cref="ClapConfirmCosine"/> (heavy re-encodes).
    /// </summary>
    public double BorderlineBitErrorRate { get; init; } = 0.15;

    /// <summary>CLAP cosine that confirms a borderline fingerprint pair.</summary>
    public double ClapConfirmCosine { get; init; } = 0.98;

    /// <summary>Stems decoded and embedded together by <c>traum reindex</c>.</summary>
    public int ReindexBatch { get; init; } = 8;

    /// <summary>
    /// Longest query example decoded, in seconds (at its own rate and channels). Longer files are refused: an
    /// example is one sound, and the bound keeps one request from taking a server's memory.
    /// </summary>
    public double MaxExampleSeconds { get; init; } = 600;

    /// <summary>Vector index settings (section <c>search:index</c>) of the in-process indexes (SQLite catalogs, duplicate pairs).</summary>
    public VectorIndexOptions Index { get; init; } = new();

    /// <summary>
    /// Search by an exact scan instead of the catalog's approximate index (PostgreSQL's HNSW; the in-process index
    /// is exact in float32 storage anyway). Slower on large catalogs; the result is the true top k.
    /// </summary>
    public bool ExactSearch { get; init; }
}

/// <summary>Restrictions on search results; every criterion set must hold.</summary>
public sealed record SearchFilters
{
    /// <summary>Only stems of this kind (case-insensitive).</summary>
    public string? Kind { get; init; }
    /// <summary>Only stems of this category (case-insensitive).</summary>
    public string? Category { get; init; }
    /// <summary>Only stems of this origin.</summary>
    public StemOrigin? Origin { get; init; }
    /// <summary>Inclusive BPM range, lower end; stems without descriptors never match a BPM range.</summary>
    public double? MinBpm { get; init; }
    /// <summary>Upper end of the inclusive BPM range (see <see cref="MinBpm"/>).</summary>
    public double? MaxBpm { get; init; }
    /// <summary>Also match the BPM range halved and doubled (124 finds 62 and 248 too), as the library listing does.</summary>
    public bool BpmHalfDouble { get; init; }
    /// <summary>A key such as "Am" or "F# major".</summary>
    public MusicalKey? Key { get; init; }
    /// <summary>Only keys that mix with this one on the Camelot wheel (same, relative, a fifth up or down).</summary>
    public MusicalKey? CompatibleWith { get; init; }
    /// <summary>Inclusive duration range in seconds, lower end.</summary>
    public double? MinDuration { get; init; }
    /// <summary>Upper end of the inclusive duration range in seconds.</summary>
    public double? MaxDuration { get; init; }
    /// <summary>Semantic profile conditions such as <c>energy:intense&gt;0.8</c> (need CLAP profiles).</summary>
    public IReadOnlyList<ProfileConstraint> Profile { get; init; } = [];

    /// <summary>No criterion at all.</summary>
    public static SearchFilters None { get; } = new();

    /// <summary>True when a catalog criterion (not a profile one) is set.</summary>
    public bool HasCatalogCriteria =>
        Kind is not null || Category is not null || Origin is not null || MinBpm is not null || MaxBpm is not null ||
        Key is not null || CompatibleWith is not null || MinDuration is not null || MaxDuration is not null;

    /// <summary>The catalog query these criteria make.</summary>
    public StemQuery ToStemQuery() => new()
    {
        Kind = Kind, Category = Category, Origin = Origin, MinBpm = MinBpm, MaxBpm = MaxBpm, BpmHalfDouble = BpmHalfDouble, Key = Key, CompatibleWith = CompatibleWith,
        MinDuration = MinDuration, MaxDuration = MaxDuration,
    };
}

/// <summary>One ranked stem.</summary>
/// <param name="StemId">Catalog id.</param>
/// <param name="Name">Display name.</param>
/// <param name="Score">Cosine similarity to the query (−1…1).</param>
/// <param name="Kind">drums, bass, … or a user kind.</param>
/// <param name="Category">Finer grouping.</param>
/// <param name="Origin">separated, imported or generated.</param>
/// <param name="Bpm">Tempo in BPM when known.</param>
/// <param name="Key">Key such as "Am" when known.</param>
/// <param name="Duration">Seconds.</param>
/// <param name="Path">Absolute path of the stem's audio file.</param>
/// <param name="EmbeddingModel">The embedding that produced the score (a CLAP model id or "descriptors:v1").</param>
/// <param name="SourcePath">The user's own file the stem came from, when it was imported from one.</param>
public sealed record SearchHit(long StemId, string Name, double Score, string Kind, string Category, StemOrigin Origin,
    double? Bpm, string? Key, double Duration, string Path, string EmbeddingModel, string? SourcePath = null);

/// <summary>The answer to one query.</summary>
/// <param name="Query">The text, file or stem asked about.</param>
/// <param name="EmbeddingModel">The embedding used.</param>
/// <param name="Hits">Best first.</param>
/// <param name="Searched">Stems with an embedding of that model (what was searched).</param>
/// <param name="MissingEmbeddings">Stems without one (run <c>traum reindex</c>).</param>
public sealed record SearchResults(string Query, string EmbeddingModel, IReadOnlyList<SearchHit> Hits, int Searched, int MissingEmbeddings);

/// <summary>How <c>traum duplicates</c> decides that two stems are the same.</summary>
public enum DuplicateMethod
{
    /// <summary>Chromaprint fingerprints within a bit error rate (re-encodes, gain changes, resamples, trims), CLAP as a second signal.</summary>
    Fingerprint,

    /// <summary>Embedding cosine at or above a threshold (near-identical sounds; without CLAP the descriptor embedding, which is coarse).</summary>
    Embedding,
}

/// <summary>What to look for.</summary>
public sealed record DuplicateRequest
{
    /// <summary>How two stems are judged the same (fingerprints by default).</summary>
    public DuplicateMethod Method { get; init; } = DuplicateMethod.Fingerprint;

    /// <summary>Embedding method: cosine at or above which stems are duplicates (default <see cref="SearchOptions.DuplicateThreshold"/>).</summary>
    public double? Threshold { get; init; }

    /// <summary>Fingerprint method: bit error rate at the best alignment at or below which stems are one recording (default <see cref="SearchOptions.MaxBitErrorRate"/>).</summary>
    public double? MaxBitErrorRate { get; init; }
}

/// <summary>Two stems found to be duplicates.</summary>
/// <param name="A">Smaller stem id.</param>
/// <param name="B">Larger stem id.</param>
/// <param name="Cosine">Embedding cosine, when both have an embedding of the model used.</param>
/// <param name="SameContent">True when the decoded audio is identical (same content hash).</param>
/// <param name="BitErrorRate">Fingerprint bit error rate at the best alignment (fingerprint method).</param>
public sealed record DuplicatePair(long A, long B, double? Cosine, bool SameContent, double? BitErrorRate = null);

/// <summary>Stems linked by duplicate pairs (connected components).</summary>
/// <param name="Stems">The members; <see cref="SearchHit.Score"/> is a member's closest likeness to another (1 − bit error rate, or cosine).</param>
/// <param name="Pairs">The links found.</param>
public sealed record DuplicateGroup(IReadOnlyList<SearchHit> Stems, IReadOnlyList<DuplicatePair> Pairs);

/// <summary>The duplicates of a library.</summary>
/// <param name="EmbeddingModel">The embedding compared (embedding method), or the CLAP model used as the second signal, or "" for none.</param>
/// <param name="Threshold">Cosine threshold (embedding method; for the fingerprint method the CLAP cosine a borderline print needs).</param>
/// <param name="Groups">The groups of duplicates found.</param>
/// <param name="Searched">Stems compared.</param>
/// <param name="MissingEmbeddings">Stems left out: without an embedding (embedding method) or too short to fingerprint.</param>
/// <param name="Method">The method used.</param>
/// <param name="MaxBitErrorRate">The fingerprint threshold (fingerprint method).</param>
public sealed record DuplicateReport(string EmbeddingModel, double Threshold, IReadOnlyList<DuplicateGroup> Groups, int Searched, int MissingEmbeddings,
    DuplicateMethod Method = DuplicateMethod.Embedding, double? MaxBitErrorRate = null);

/// <summary>What <c>traum reindex</c> did.</summary>
/// <param name="Embedded">New embeddings written, per model id.</param>
/// <param name="Profiled">Semantic profiles written.</param>
/// <param name="PercentilesUpdated">Stored profiles whose library percentiles were refreshed.</param>
/// <param name="Failures">"stem id: reason" for stems that could not be embedded.</param>
/// <param name="Notes">Steps skipped and why (e.g. CLAP not installed).</param>
public sealed record ReindexSummary(IReadOnlyDictionary<string, int> Embedded, int Profiled, int PercentilesUpdated,
    IReadOnlyList<string> Failures, IReadOnlyList<string> Notes);
