namespace Traum.Catalog;

/// <summary>The change log: every write to stems or their analysis appends an entry with a monotonic sequence.</summary>
public interface IChangeFeed
{
    /// <summary>The sequence number of the newest change (0 when there is none).</summary>
    long ChangeSequence { get; }

    /// <summary>Changes after <paramref name="sequence"/>, oldest first, at most <paramref name="limit"/>.</summary>
    IReadOnlyList<CatalogChange> GetChangesSince(long sequence, int limit = 100_000);

    /// <summary>Raised (on the writing thread) after each committed write of this instance that changed stems or their analysis.</summary>
    event EventHandler<CatalogChangedEventArgs>? Changed;
}

/// <summary>
/// The whole catalog of a library, as the engine, server and command line see it: every per-aggregate port in one.
/// A provider (SQLite embedded, PostgreSQL at scale) implements it; callers never see the provider's types.
/// </summary>
public interface ICatalog : IStemCatalog, ITrackCatalog, IAnalysisStore, IEmbeddingStore, IVectorSearch, IProfileStore, IModelRegistry, IJobQueue, IChangeFeed, IDisposable
{
    /// <summary>The schema version of the open catalog (the provider's migration count).</summary>
    int SchemaVersion { get; }

    /// <summary>The provider's own consistency check; its complaints (empty when the catalog is sound).</summary>
    IReadOnlyList<string> IntegrityCheck();
}
