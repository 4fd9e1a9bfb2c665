namespace Traum.Catalog.Vectors;

/// <summary>How an index stores the vectors it scans.</summary>
public enum VectorStorage
{
    /// <summary>Exact float32 scan (4 bytes per dimension).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Each storage is named after the number format it keeps (Float32, Int8, Float16).")]
    Float32,

    /// <summary>int8 with one float scale per vector (1 byte per dimension) scanned first, then the best candidates re-ranked exactly in float32.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Each storage is named after the number format it keeps (Float32, Int8, Float16).")]
    Int8,

    /// <summary>IEEE half precision (2 bytes per dimension) scanned first, then the best candidates re-ranked exactly in float32.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Each storage is named after the number format it keeps (Float32, Int8, Float16).")]
    Float16,
}

/// <summary>Settings of a <see cref="VectorIndex"/> (configuration section <c>search:index</c>).</summary>
public sealed record VectorIndexOptions
{
    /// <summary>
    /// Scan storage. Compressed storages keep a float32 copy for re-ranking. The default is int8: a quarter of the bytes
    /// read per query, with the candidates re-ranked exactly (recall@10 1.00 against the float32 scan on 1 000 000
    /// vectors, docs/benchmarks.md), so returned scores are exact.
    /// </summary>
    public VectorStorage Storage { get; init; } = VectorStorage.Int8;

    /// <summary>Worker threads per query; 0 means one per processor.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// With compressed storage, how many candidates per requested result are re-ranked exactly:
    /// max(k × <see cref="RerankFactor"/>, <see cref="RerankMinimum"/>).
    /// </summary>
    public int RerankFactor { get; init; } = 10;

    /// <summary>Smallest number of candidates re-ranked with compressed storage.</summary>
    public int RerankMinimum { get; init; } = 100;

    /// <summary>Below this many vectors per worker a query runs on one thread (threads cost more than they save).</summary>
    public int MinimumRowsPerThread { get; init; } = 16_384;

    /// <summary>
    /// Answer unfiltered searches from an approximate nearest-neighbour graph (HNSW) once the index holds
    /// <see cref="GraphMinimum"/> vectors: the graph's best candidates are re-ranked exactly, so scores stay exact but a
    /// true neighbour can be missed (recall@10 is measured by <c>e2e load</c>, docs/benchmarks.md). The graph is built in
    /// the background (the scan answers until it is ready) and kept in step with every change. Off by default, because a
    /// command that runs one query would spend minutes building it; the server turns it on.
    /// Filtered searches and exact searches always scan.
    /// </summary>
    public bool Graph { get; init; }

    /// <summary>
    /// Recall@10 against the exact scan a graph must reach, measured on a sample of the index's own vectors when it is
    /// built or loaded; a graph below it is not used (searches scan, and the reason is kept). HNSW finds true neighbours
    /// of embeddings (which cluster) but few of structureless vectors.
    /// </summary>
    public double GraphMinimumRecall { get; init; } = 0.9;

    /// <summary>Fewest vectors for which a graph is built (below it the scan takes a few milliseconds).</summary>
    public int GraphMinimum { get; init; } = 20_000;

    /// <summary>Edges per graph node (HNSW's M): more finds more true neighbours and costs memory and build time.</summary>
    public int GraphConnectivity { get; init; } = 16;

    /// <summary>Candidate list while inserting into the graph (HNSW's ef_construction).</summary>
    public int GraphExpansionAdd { get; init; } = 128;

    /// <summary>
    /// Candidate list while searching the graph (HNSW's ef_search); a search takes at least as many candidates as it
    /// re-ranks (<see cref="RerankMinimum"/>).
    /// </summary>
    public int GraphExpansionSearch { get; init; } = 128;

    /// <summary>
    /// Folder where graphs and vectors are saved (files per model), so a restart loads the graph and applies the
    /// catalog's changes since instead of building it again, and a process that searches once reads the vectors in one
    /// sequential pass instead of row by row from the catalog; null keeps both in memory only.
    /// </summary>
    public string? GraphDirectory { get; init; }

    /// <summary>
    /// Fewest vectors for which an index's vectors are saved in <see cref="GraphDirectory"/> when it is closed (below it
    /// the catalog reads them in a few tens of milliseconds).
    /// </summary>
    public int SnapshotMinimum { get; init; } = 5_000;

    /// <summary>Threads to use: <see cref="Threads"/>, or the processor count when it is 0 or less.</summary>
    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;
}
