using System.Numerics.Tensors;
using System.Text;
using System.Text.Json;

namespace Traum.Catalog.Vectors;

/// <summary>The approximate graph of a <see cref="VectorIndex"/> (<see cref="VectorIndexOptions.Graph"/>).</summary>
public sealed partial class VectorIndex
{
    private const int GraphChunk = 512;
    private HnswGraph? _graph;            // ready: searched and kept in step under the write lock
    private HashSet<long>? _graphPending; // ids changed while a build runs
    private Task _graphBuild = Task.CompletedTask;
    private CancellationTokenSource? _graphCancel;
    private int _graphGeneration;
    private long _graphChangesSinceSave;
    private string? _graphError;
    private long _changesSinceRefusal; // vectors stored or removed since a graph was refused or failed
    private int _graphSaving;

    /// <summary>True when unfiltered searches are answered from the graph.</summary>
    public bool HasGraph
    {
        get
        {
            _lock.EnterReadLock();
            try { return _graph is not null; }
            finally { _lock.ExitReadLock(); }
        }
    }

    /// <summary>The graph build running in the background, or a completed task when none runs.</summary>
    public Task GraphBuild
    {
        get
        {
            _lock.EnterReadLock();
            try { return _graphBuild; }
            finally { _lock.ExitReadLock(); }
        }
    }

    /// <summary>Why the last graph build failed (searches then keep scanning), or null.</summary>
    public string? GraphError => Volatile.Read(ref _graphError);

    /// <summary>Where this index's graph is saved, or null when graphs are not saved.</summary>
    internal string? GraphFile => Options.GraphDirectory is { } dir ? Path.Combine(dir, SafeName(ModelId) + ".usearch") : null;

    /// <summary>
    /// Starts building the graph in the background when the options ask for one, the index holds enough vectors and
    /// there is none yet; saves a held graph that has taken many changes since it was saved. Returns at once.
    /// </summary>
    public void EnsureGraph()
    {
        if (!Options.Graph) return;
        // Without the write lock first (every search calls this): nothing to do in the usual case, checked again below.
        if (Volatile.Read(ref _graph) is not null
            ? GraphFile is null || Interlocked.Read(ref _graphChangesSinceSave) <= Math.Max(1_000, Volatile.Read(ref _count) / 10)
            : Volatile.Read(ref _graphPending) is not null || Volatile.Read(ref _count) < Options.GraphMinimum || (GraphError is not null && !RetryDue()))
        {
            return;
        }
        var save = false;
        _lock.EnterWriteLock();
        try
        {
            if (_graph is not null)
            {
                save = GraphFile is not null && _graphChangesSinceSave > Math.Max(1_000, _count / 10);
            }
            else if (_graphPending is null && _count >= Options.GraphMinimum && (_graphError is null || RetryDue()) && HnswGraph.IsAvailable)
            {
                // A refused or failed graph is tried again once half the index has changed since (new content may
                // have the structure the old lacked); until then searches scan, as they did.
                _graphError = null;
                _changesSinceRefusal = 0;
                _graphPending = [];
                var ids = _ids.AsSpan(0, _count).ToArray();
                var generation = _graphGeneration;
                _graphCancel = new CancellationTokenSource();
                var token = _graphCancel.Token;
                _graphBuild = Task.Run(() => BuildGraph(ids, generation, token), CancellationToken.None);
            }
        }
        finally { _lock.ExitWriteLock(); }
        // Saved in the background: a search that notices the need does not wait for the file.
        if (save && Interlocked.CompareExchange(ref _graphSaving, 1, 0) == 0)
        {
            _ = Task.Run(() =>
            {
                try
                {
                    SaveGraph();
                }
                catch (ObjectDisposedException)
                {
                    // Disposed meanwhile; Dispose saved it.
                }
                finally { Volatile.Write(ref _graphSaving, 0); }
            }, CancellationToken.None);
        }
    }

    /// <summary>
    /// Takes the graph saved in <see cref="GraphFile"/> when it was saved at or before this index's
    /// <see cref="CatalogVersion"/>: the stems <paramref name="changedSince"/> names for the saved version are brought up
    /// to date, and the graph is used only when it then holds exactly this index's vectors. False when there is no
    /// usable saved graph (<see cref="EnsureGraph"/> then builds one).
    /// </summary>
    /// <param name="changedSince">The ids of stems whose vector changed or was removed after a catalog version.</param>
    internal bool TryAttachSavedGraph(Func<long, IEnumerable<long>> changedSince)
    {
        if (!Options.Graph || GraphFile is not { } file || !HnswGraph.IsAvailable) return false;
        var meta = GraphMeta.Read(file + ".json");
        if (meta is null || meta.ModelId != ModelId || meta.Dimension != Dimension || meta.Connectivity != Options.GraphConnectivity || meta.CatalogVersion > CatalogVersion) return false;
        var graph = HnswGraph.TryLoad(file, Dimension, Options.GraphExpansionSearch, Options.EffectiveThreads);
        if (graph is null) return false;
        var changed = changedSince(meta.CatalogVersion).ToHashSet();
        _lock.EnterWriteLock();
        try
        {
            if (_graph is not null || _graphPending is not null)
            {
                graph.Dispose();
                return _graph is not null;
            }
            foreach (var id in changed) Sync(graph, id);
            if (graph.Count != _count || !_ids.AsSpan(0, _count).ToArray().All(graph.Contains))
            {
                graph.Dispose();
                return false;
            }
            _graphPending = []; // changes while the recall is measured, applied below
        }
        finally { _lock.ExitWriteLock(); }
        if (!Trustworthy(graph, CancellationToken.None)) return true; // measured and refused: searches scan, no rebuild
        _lock.EnterWriteLock();
        try
        {
            if (_graph is not null || _graphPending is null)
            {
                // Cleared or disposed meanwhile.
                graph.Dispose();
                return true;
            }
            foreach (var id in _graphPending) Sync(graph, id);
            _graphChangesSinceSave = changed.Count + _graphPending.Count;
            _graphPending = null;
            _graph = graph;
            return true;
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>Recall@10 of the graph against the exact scan on a sample of the index's own vectors, once measured.</summary>
    public double? GraphRecall { get; private set; }

    /// <summary>
    /// Measures the graph's recall@10 against the exact scan, with <see cref="GraphSampleQueries"/> of the index's own
    /// vectors as queries; a graph below <see cref="VectorIndexOptions.GraphMinimumRecall"/> is refused (disposed, with
    /// the reason in <see cref="GraphError"/>), because it would hide true neighbours: on vectors without structure
    /// HNSW finds few of them. Searches then keep scanning.
    /// </summary>
    private bool Trustworthy(HnswGraph graph, CancellationToken cancellationToken)
    {
        const int k = 10;
        double found = 0, wanted = 0;
        var q = new float[Dimension];
        for (var i = 0; i < GraphSampleQueries; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            VectorHit[]? approximate;
            _lock.EnterReadLock();
            try
            {
                if (_count == 0) break;
                ExactRow((int)((long)i * _count / GraphSampleQueries)).CopyTo(q);
                approximate = SearchGraph(graph, q, k, null);
            }
            finally { _lock.ExitReadLock(); }
            var exact = Search(q, k, null, VectorStorage.Float32, useGraph: false, cancellationToken).Select(h => h.Id).ToHashSet();
            found += approximate?.Count(h => exact.Contains(h.Id)) ?? 0;
            wanted += exact.Count;
        }
        var recall = wanted == 0 ? 1 : found / wanted;
        GraphRecall = recall;
        if (recall >= Options.GraphMinimumRecall) return true;
        Volatile.Write(ref _graphError,
            $"the graph found {recall:P0} of the exact top 10 on {GraphSampleQueries} of the library's own vectors (at least {Options.GraphMinimumRecall:P0} is required), so searches scan");
        graph.Dispose();
        _lock.EnterWriteLock();
        try
        {
            _graphPending = null;
        }
        finally { _lock.ExitWriteLock(); }
        return false;
    }

    /// <summary>Queries of the recall check a graph passes before it is used.</summary>
    internal const int GraphSampleQueries = 50;

    /// <summary>Under the write lock: a vector of <paramref name="id"/> was stored or removed.</summary>
    private void OnGraphChange(long id)
    {
        if (_graphPending is { } pending)
        {
            pending.Add(id);
        }
        else if (_graph is { } graph)
        {
            Sync(graph, id);
            _graphChangesSinceSave++;
        }
        else if (_graphError is not null)
        {
            _changesSinceRefusal++;
        }
    }

    /// <summary>True when a graph was refused or failed and half the index (at least the graph minimum) has changed since.</summary>
    private bool RetryDue() =>
        Interlocked.Read(ref _changesSinceRefusal) >= Math.Max(Options.GraphMinimum, Volatile.Read(ref _count) / 2);

    /// <summary>Under the write lock: makes the graph hold <paramref name="id"/>'s current vector, or not hold it.</summary>
    private void Sync(HnswGraph graph, long id)
    {
        if (graph.Contains(id)) graph.Remove(id);
        if (!_slotOf.TryGetValue(id, out var slot)) return;
        if (graph.Count + 1 > graph.Capacity) graph.Reserve(Math.Max(1_024, graph.Capacity * 2));
        try
        {
            graph.Add(id, ExactRow(slot));
        }
        catch (Traum.Core.InvalidInputException)
        {
            // Removed entries keep their slots until the graph is rebuilt; make room and try once more.
            graph.Reserve(Math.Max(1_024, graph.Capacity * 2));
            graph.Add(id, ExactRow(slot));
        }
    }

    /// <summary>
    /// Under the read lock: the graph's best candidates re-ranked exactly, or null when the graph found too few that pass
    /// <paramref name="predicate"/> (the scan then answers).
    /// </summary>
    private VectorHit[]? SearchGraph(HnswGraph graph, float[] q, int k, Func<long, bool>? predicate)
    {
        var candidates = Math.Min(_count, Math.Max(Math.Max(k * Options.RerankFactor, Options.RerankMinimum), Options.GraphExpansionSearch / 2));
        var ids = candidates <= 2048 ? stackalloc long[candidates] : new long[candidates];
        var found = graph.Search(q, candidates, ids);
        var best = new TopK(Math.Max(1, Math.Min(k, candidates)));
        var taken = 0;
        foreach (var id in ids[..found])
        {
            if (!_slotOf.TryGetValue(id, out var slot) || (predicate is not null && !predicate(id))) continue;
            best.Offer(id, TensorPrimitives.Dot(q, ExactRow(slot)));
            taken++;
        }
        return taken >= Math.Min(k, _count) ? best.ToSortedArray() : null;
    }

    private void BuildGraph(long[] ids, int generation, CancellationToken cancellationToken)
    {
        HnswGraph? graph = null;
        try
        {
            var threads = Options.EffectiveThreads;
            graph = HnswGraph.Create(Dimension, Options.GraphConnectivity, Options.GraphExpansionAdd, Options.GraphExpansionSearch, threads);
            graph.Reserve(ids.Length + (ids.Length / 4) + 1_024);
            var chunks = (ids.Length + GraphChunk - 1) / GraphChunk;
            var built = graph;
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken }, () => new float[GraphChunk * Dimension], (c, _, rows) =>
            {
                var start = c * GraphChunk;
                var end = Math.Min(ids.Length, start + GraphChunk);
                var present = 0;
                Span<long> taken = stackalloc long[GraphChunk];
                _lock.EnterReadLock();
                try
                {
                    for (var i = start; i < end; i++)
                    {
                        if (!_slotOf.TryGetValue(ids[i], out var slot)) continue;
                        ExactRow(slot).CopyTo(rows.AsSpan(present * Dimension, Dimension));
                        taken[present++] = ids[i];
                    }
                }
                finally { _lock.ExitReadLock(); }
                for (var i = 0; i < present; i++) built.Add(taken[i], rows.AsSpan(i * Dimension, Dimension));
                return rows;
            }, _ => { });
            if (!Trustworthy(graph, cancellationToken))
            {
                graph = null; // disposed by the check
                return;
            }
            _lock.EnterWriteLock();
            try
            {
                if (generation != _graphGeneration) return;
                foreach (var id in _graphPending!) Sync(graph, id);
                _graph = graph;
                graph = null;
                _graphPending = null;
                _graphChangesSinceSave = long.MaxValue / 2;
            }
            finally { _lock.ExitWriteLock(); }
            SaveGraph();
        }
        catch (OperationCanceledException)
        {
            // The index was cleared or disposed.
        }
        catch (ObjectDisposedException)
        {
            // Disposed while building.
        }
        catch (Exception e) when (e is Traum.Core.InvalidInputException or IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref _graphError, e.Message);
            try
            {
                _lock.EnterWriteLock();
                try
                {
                    if (generation == _graphGeneration) _graphPending = null;
                }
                finally { _lock.ExitWriteLock(); }
            }
            catch (ObjectDisposedException)
            {
                // Disposed meanwhile.
            }
        }
        finally
        {
            graph?.Dispose();
        }
    }

    /// <summary>Writes the graph and its catalog version beside it (no-op without a graph or a folder).</summary>
    internal void SaveGraph()
    {
        if (GraphFile is not { } file) return;
        _lock.EnterReadLock();
        try
        {
            if (_graph is not { } graph) return;
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            // The version is read under the lock after every stored change: it is never newer than what the graph holds.
            // The graph first: a crash between the two leaves an older version beside a newer graph, which only makes the
            // next start re-apply a few changes.
            var meta = new GraphMeta(CatalogVersion, Dimension, Options.GraphConnectivity, _count, ModelId);
            graph.Save(file);
            meta.Write(file + ".json");
            Interlocked.Exchange(ref _graphChangesSinceSave, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Traum.Core.InvalidInputException)
        {
            // A graph that cannot be saved is rebuilt at the next start; searches are unaffected.
            Volatile.Write(ref _graphError, $"the graph could not be saved to {file}: {e.Message}");
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>Under the write lock: forgets the graph and any build in progress.</summary>
    private void DropGraph()
    {
        _graphGeneration++;
        _graphCancel?.Cancel();
        _graphPending = null;
        _graph?.Dispose();
        _graph = null;
    }

    /// <summary>Saves a changed graph and frees it; false when a build still runs (its lock is then left to it).</summary>
    private bool CloseGraph()
    {
        if (_graph is not null && _graphChangesSinceSave > 0) SaveGraph();
        _lock.EnterWriteLock();
        bool idle;
        try
        {
            idle = _graphBuild.IsCompleted;
            DropGraph();
        }
        finally { _lock.ExitWriteLock(); }
        _graphCancel?.Dispose();
        return idle;
    }

    private static string SafeName(string modelId)
    {
        var b = new StringBuilder(modelId.Length);
        foreach (var c in modelId) b.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_');
        return b.ToString();
    }

    /// <summary>What a saved graph was made from (the model too: file names of model ids can collide).</summary>
    private sealed record GraphMeta(long CatalogVersion, int Dimension, int Connectivity, int Count, string? ModelId = null)
    {
        public static GraphMeta? Read(string path)
        {
            try
            {
                return File.Exists(path) ? JsonSerializer.Deserialize<GraphMeta>(File.ReadAllText(path)) : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                return null;
            }
        }

        public void Write(string path)
        {
            File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(this));
            File.Move(path + ".tmp", path, overwrite: true);
        }
    }
}
