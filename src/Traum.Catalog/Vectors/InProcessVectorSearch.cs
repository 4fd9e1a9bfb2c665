using Traum.Core;

namespace Traum.Catalog.Vectors;

/// <summary>
/// <see cref="IVectorSearch"/> over any catalog with in-process indexes: one <see cref="VectorIndex"/> per embedding
/// model, loaded from the catalog on first use and kept in step with it through the change log before every query.
/// The SQLite provider answers vector searches with it; on any provider it also serves what needs every vector in
/// memory (near-duplicate pairs). Thread-safe.
/// </summary>
public sealed class InProcessVectorSearch : IVectorSearch, IDisposable
{
    private readonly ICatalog _catalog;
    private readonly Dictionary<string, Loaded> _indexes = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private VectorIndexOptions _options = new();
    private long _writes; // catalog changes this process made (the catalog's Changed event)

    /// <summary>Indexes over <paramref name="catalog"/>'s embeddings.</summary>
    public InProcessVectorSearch(ICatalog catalog)
    {
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _catalog.Changed += OnCatalogChanged;
    }

    /// <summary>Settings of indexes loaded from now on (those already loaded keep theirs).</summary>
    public VectorIndexOptions Options
    {
        get { lock (_gate) return _options; }
        set { lock (_gate) _options = value ?? throw new ArgumentNullException(nameof(value)); }
    }

    /// <summary>The index of <paramref name="modelId"/>, loaded on first use and brought up to date with the catalog.</summary>
    /// <remarks>
    /// One caller at a time reads the change log. A caller that finds another reading it goes on with the index as it
    /// is unless this process changed the catalog since that read began (then it waits and reads again), so concurrent
    /// searches do not queue behind one query while every change made in this process before a search is in it.
    /// </remarks>
    /// <exception cref="InvalidInputException">Stored vectors of the model have another dimension than <paramref name="dimension"/>.</exception>
    public VectorIndex IndexFor(string modelId, int dimension)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        Loaded? loaded;
        lock (_gate)
        {
            if (!_indexes.TryGetValue(modelId, out loaded))
            {
                var sequence = _catalog.ChangeSequence;
                var index = new VectorIndex(modelId, dimension, _options);
                loaded = new Loaded(index);
                try
                {
                    if (LoadSnapshot(index, sequence))
                    {
                        // The saved vectors, then the catalog's changes since they were saved.
                        loaded.FromSnapshot = true;
                        loaded.ChangesSinceSnapshot = ApplyChanges(modelId, index);
                    }
                    else
                    {
                        index.UpsertRange(_catalog.GetEmbeddings(modelId).Select(v => (v.StemId, v.Vector)));
                        index.CatalogVersion = sequence;
                    }
                }
                catch (InvalidInputException e)
                {
                    index.Dispose();
                    throw new InvalidInputException($"Stored embeddings of '{modelId}' do not fit the model ({e.Message}). Run 'traum reindex'.", e);
                }
                _indexes[modelId] = loaded;
                if (_options.Graph && !index.TryAttachSavedGraph(version => ChangedStems(modelId, version))) index.EnsureGraph();
                return index;
            }
        }
        if (loaded.Index.Dimension != dimension)
        {
            throw new InvalidInputException($"The query has {dimension} values but the stored embeddings of '{modelId}' have {loaded.Index.Dimension}; embed the query with the same model.");
        }
        CatchUp(modelId, loaded);
        return loaded.Index;
    }

    private void CatchUp(string modelId, Loaded loaded)
    {
        if (!loaded.Reading.TryEnter())
        {
            // Another caller is reading the change log; nothing changed here since it began: its read covers ours.
            if (Interlocked.Read(ref _writes) == Interlocked.Read(ref loaded.WritesAtRead)) return;
            loaded.Reading.Enter();
        }
        try
        {
            Interlocked.Exchange(ref loaded.WritesAtRead, Interlocked.Read(ref _writes));
            Interlocked.Add(ref loaded.ChangesSinceSnapshot, ApplyChanges(modelId, loaded.Index));
            loaded.Index.EnsureGraph();
        }
        finally { loaded.Reading.Exit(); }
    }

    /// <summary>Applies the catalog's changes after the index's version to it; returns how many touched its vectors.</summary>
    private long ApplyChanges(string modelId, VectorIndex index)
    {
        long applied = 0;
        while (true)
        {
            var changes = _catalog.GetChangesSince(index.CatalogVersion, 10_000);
            if (changes.Count == 0) return applied;
            foreach (var change in changes)
            {
                if (change.Kind == CatalogChangeKind.StemRemoved)
                {
                    if (index.Remove(change.StemId)) applied++;
                }
                else if (change.Kind == CatalogChangeKind.EmbeddingSet && change.ModelId == modelId)
                {
                    applied++;
                    if (_catalog.GetEmbedding(change.StemId, modelId) is { } e) index.Upsert(change.StemId, e.Vector);
                    else index.Remove(change.StemId);
                }
            }
            index.CatalogVersion = changes[^1].Sequence;
        }
    }

    /// <summary>
    /// Fills the empty <paramref name="index"/> from its saved vectors when the file was saved from this catalog at or
    /// before <paramref name="sequence"/>; false (index empty) otherwise.
    /// </summary>
    private bool LoadSnapshot(VectorIndex index, long sequence)
    {
        if (index.TryLoadSnapshot() is not { } stamp) return false;
        // Far behind the catalog (a large ingest since), applying the changes one query each would cost more than
        // reading every vector again; the file is then written anew at close.
        var behind = sequence - stamp.CatalogVersion;
        if (stamp.CatalogVersion > 0 && behind >= 0 && behind <= RewriteThreshold(index.Count) && StampOf(stamp.CatalogVersion) == stamp) return true;
        index.Clear();
        index.CatalogVersion = 0;
        return false;
    }

    /// <summary>How many changes a saved file may lag before it is written again (and, at load, read no more): a tenth of the index, at least 1 000.</summary>
    private static long RewriteThreshold(int count) => Math.Max(1_000, count / 10);

    /// <summary>The catalog's stamp of change <paramref name="sequence"/>, or null when it holds no such change.</summary>
    private SnapshotStamp? StampOf(long sequence)
    {
        if (sequence <= 0) return null;
        var changes = _catalog.GetChangesSince(sequence - 1, 1);
        return changes.Count == 1 && changes[0].Sequence == sequence ? new SnapshotStamp(sequence, changes[0].At.UtcTicks) : null;
    }

    /// <summary>
    /// Saves the vectors of an index for the next process when it was read from the catalog row by row, or has taken
    /// many changes (a tenth of its size, at least 1 000) since the saved file.
    /// </summary>
    private void SaveSnapshotIfDue(Loaded loaded)
    {
        var index = loaded.Index;
        if (index.SnapshotFile is null) return;
        var count = index.Count;
        if (count < index.Options.SnapshotMinimum) return;
        if (loaded.FromSnapshot && Interlocked.Read(ref loaded.ChangesSinceSnapshot) <= RewriteThreshold(count)) return;
        try
        {
            if (StampOf(index.CatalogVersion) is { } stamp) index.SaveSnapshot(stamp);
        }
        catch (Exception e) when (e is TraumException or Microsoft.Data.Sqlite.SqliteException or InvalidOperationException or IOException)
        {
            // The catalog is gone (closing): the next process reads it row by row.
        }
    }

    /// <summary>True when the loaded index of <paramref name="modelId"/> was read from its saved vectors rather than the catalog.</summary>
    internal bool LoadedFromSnapshot(string modelId)
    {
        lock (_gate) return _indexes.TryGetValue(modelId, out var loaded) && loaded.FromSnapshot;
    }

    private void OnCatalogChanged(object? sender, CatalogChangedEventArgs e) => Interlocked.Increment(ref _writes);

    /// <summary>A loaded index and who reads the change log for it.</summary>
    private sealed class Loaded(VectorIndex index)
    {
        public readonly Lock Reading = new();
        public long WritesAtRead = -1;
        public long ChangesSinceSnapshot;
        public bool FromSnapshot;

        public VectorIndex Index { get; } = index;
    }

    /// <summary>Stems whose vector of <paramref name="modelId"/> changed or was removed after catalog version <paramref name="since"/>.</summary>
    private HashSet<long> ChangedStems(string modelId, long since)
    {
        var ids = new HashSet<long>();
        while (true)
        {
            var changes = _catalog.GetChangesSince(since, 10_000);
            if (changes.Count == 0) return ids;
            foreach (var change in changes)
            {
                if (change.Kind == CatalogChangeKind.StemRemoved || (change.Kind == CatalogChangeKind.EmbeddingSet && change.ModelId == modelId)) ids.Add(change.StemId);
            }
            since = changes[^1].Sequence;
        }
    }

    /// <inheritdoc/>
    public VectorSearchResult SearchVectors(VectorSearchRequest request, CancellationToken cancellationToken = default)
    {
        VectorSearchChecks.Check(request);
        var index = IndexFor(request.ModelId, request.Vector.Length);
        VectorFilter? filter = null;
        if (request.Filter is { } q && !VectorSearchChecks.IsUnfiltered(q))
        {
            filter = VectorFilter.Only(_catalog.ListStems(q with { Limit = null, Offset = 0, Sort = StemSort.Id, Descending = false }).Select(s => s.Id));
        }
        if (request.Exclude is { } self) filter = VectorFilter.And(filter, VectorFilter.Where(id => id != self));
        var hits = request.Exact
            ? index.SearchExact(request.Vector, request.K, filter, cancellationToken)
            : index.Search(request.Vector, request.K, filter, cancellationToken);
        return new VectorSearchResult(hits.Select(h => new VectorMatch(h.Id, h.Score)).ToList(), index.Count);
    }

    /// <summary>Drops every loaded index.</summary>
    public void Dispose()
    {
        _catalog.Changed -= OnCatalogChanged;
        lock (_gate)
        {
            foreach (var loaded in _indexes.Values)
            {
                SaveSnapshotIfDue(loaded);
                loaded.Index.Dispose();
            }
            _indexes.Clear();
        }
    }
}

/// <summary>The request checks every provider makes, so bad input gets the same message everywhere.</summary>
internal static class VectorSearchChecks
{
    public static void Check(VectorSearchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.ModelId);
        if (request.K < 1) throw new InvalidInputException($"-k must be at least 1 (it is {request.K}).");
        if (request.Vector is not { Length: > 0 } v) throw new InvalidInputException("The query vector is empty.");
        var sum = 0.0;
        foreach (var x in v)
        {
            if (!float.IsFinite(x)) throw new InvalidInputException("The query vector holds a value that is not a finite number.");
            sum += (double)x * x;
        }
        if (sum == 0) throw new InvalidInputException("The query vector is zero, so it has no direction to compare by.");
    }

    /// <summary>True when <paramref name="q"/> sets no criterion (order and paging aside).</summary>
    public static bool IsUnfiltered(StemQuery q) => q with { Sort = StemSort.Id, Descending = false, Limit = null, Offset = 0 } == StemQuery.All;
}
