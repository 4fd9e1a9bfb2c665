using Traum.Core;

namespace Traum.Catalog;

/// <summary>
/// Optional port of catalogs that keep their own vector indexes (PostgreSQL's HNSW, one per embedding model): what each
/// index was built with, and rebuilding one with the catalog's current settings while searches go on. Catalogs
/// without it (SQLite) build their index in the process that searches.
/// </summary>
public interface IVectorIndexMaintenance
{
    /// <summary>Every embedding model of the catalog and its index.</summary>
    IReadOnlyList<VectorIndexState> VectorIndexes();

    /// <summary>
    /// Builds the index of <paramref name="modelId"/> again with the catalog's current settings, beside the old one
    /// (searches and writes go on and use the old one until the new one is complete), then drops the old one.
    /// </summary>
    /// <param name="modelId">The embedding model.</param>
    /// <param name="buildMemory">Memory the build may use, as the database writes sizes ("6GB"); null for the database's setting. A build whose graph does not fit is many times slower.</param>
    /// <param name="progress">Receives the vectors done so far.</param>
    /// <param name="cancellationToken">Stops the build; the old index stays in use.</param>
    /// <exception cref="InvalidInputException">The catalog has no embeddings of that model, its vectors are too long to index, or the memory size is not one.</exception>
    void RebuildVectorIndex(string modelId, string? buildMemory = null, IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default);
}

/// <summary>One embedding model's vector index.</summary>
/// <param name="ModelId">The embedding model.</param>
/// <param name="Dimension">Values per vector.</param>
/// <param name="Vectors">Stored vectors of the model.</param>
/// <param name="IndexName">The index, or null when the model's vectors are too long for one (searches scan).</param>
/// <param name="M">Edges per node it was built with (HNSW's m), or null without an index.</param>
/// <param name="EfConstruction">Candidate list it was built with (HNSW's ef_construction), or null.</param>
/// <param name="Bytes">Its size on disk.</param>
/// <param name="Valid">False when a build was interrupted (the database does not use it).</param>
/// <param name="WantedM">The m this catalog builds new indexes with.</param>
/// <param name="WantedEfConstruction">The ef_construction this catalog builds new indexes with.</param>
public sealed record VectorIndexState(string ModelId, int Dimension, long Vectors, string? IndexName, int? M, int? EfConstruction, long Bytes, bool Valid,
    int WantedM, int WantedEfConstruction)
{
    /// <summary>True when the index exists but was built otherwise than the catalog now builds them, or is not valid.</summary>
    public bool NeedsRebuild => IndexName is not null && (!Valid || M != WantedM || EfConstruction != WantedEfConstruction);
}
