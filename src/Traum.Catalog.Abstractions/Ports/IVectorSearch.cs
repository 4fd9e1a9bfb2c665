using Traum.Core;

namespace Traum.Catalog;

/// <summary>
/// Top-k by cosine over the stored embeddings of one model, with the stem filters of <see cref="StemQuery"/>. The SQLite
/// provider answers from an in-process index kept in step with the change log; the PostgreSQL provider answers in SQL
/// (pgvector: an HNSW cosine index per embedding model, or an exact scan).
/// </summary>
public interface IVectorSearch
{
    /// <summary>The <see cref="VectorSearchRequest.K"/> stems closest to the request's vector, best first.</summary>
    /// <exception cref="InvalidInputException">k below 1, or a vector that is empty, not finite, zero, or of another dimension than the model's stored vectors.</exception>
    VectorSearchResult SearchVectors(VectorSearchRequest request, CancellationToken cancellationToken = default);
}

/// <summary>One vector search.</summary>
public sealed record VectorSearchRequest
{
    /// <summary>The embedding model whose vector space is searched (<see cref="Embedding.ModelId"/>).</summary>
    public required string ModelId { get; init; }
    /// <summary>The query vector (normalised by the provider; cosine does not depend on its length).</summary>
    public required float[] Vector { get; init; }
    /// <summary>How many results at most (at least 1).</summary>
    public required int K { get; init; }
    /// <summary>Stem criteria every result must meet (sort, limit and offset are ignored); null for none.</summary>
    public StemQuery? Filter { get; init; }
    /// <summary>Leave this stem out (the example of a query by example).</summary>
    public long? Exclude { get; init; }
    /// <summary>Exact scan (true) or the provider's approximate index where it has one (false, the default).</summary>
    public bool Exact { get; init; }
}

/// <summary>One result: a stem and its cosine similarity to the query (−1…1).</summary>
public readonly record struct VectorMatch(long StemId, float Score);

/// <summary>The results of a vector search, best first, and how many vectors the model has.</summary>
/// <param name="Matches">At most k matches, best first (ties by stem id).</param>
/// <param name="Indexed">Stems with an embedding of the model (searched, before filters).</param>
public sealed record VectorSearchResult(IReadOnlyList<VectorMatch> Matches, int Indexed);
