using Traum.Catalog.Vectors;

namespace Traum.Catalog;

/// <summary>Vector search (<see cref="IVectorSearch"/>): SQLite has no vector index, so an in-process one answers.</summary>
public sealed partial class CatalogStore
{
    private InProcessVectorSearch? _vectors;

    /// <summary>The in-process indexes this catalog's vector searches run on (made on first use).</summary>
    internal InProcessVectorSearch LocalVectors
    {
        get
        {
            var v = Volatile.Read(ref _vectors);
            if (v is not null) return v;
            Interlocked.CompareExchange(ref _vectors, new InProcessVectorSearch(this), null);
            return _vectors!;
        }
    }

    /// <inheritdoc/>
    public VectorSearchResult SearchVectors(VectorSearchRequest request, CancellationToken cancellationToken = default) =>
        LocalVectors.SearchVectors(request, cancellationToken);
}
