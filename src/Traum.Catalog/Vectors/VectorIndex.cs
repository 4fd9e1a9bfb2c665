using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Traum.Core;

namespace Traum.Catalog.Vectors;

/// <summary>
/// An in-process index over the embeddings of one model id: exact cosine top-k (vectors are stored
/// L2-normalised, so cosine is a dot product computed with <see cref="TensorPrimitives"/>), scanned in
/// contiguous partitions on several threads, each keeping a bounded top-k heap that is merged at the end.
/// Vectors are added, replaced and removed in place (a removed slot is filled by the last vector), so the
/// index follows the catalog without reloading. With <see cref="VectorStorage.Int8"/> or
/// <see cref="VectorStorage.Float16"/> the scan reads the compact copy and the best candidates are re-ranked
/// exactly against the float32 copy. Searches may run concurrently; changes wait for them.
/// </summary>
public sealed partial class VectorIndex : IDisposable
{
    /// <summary>Vectors per storage block (blocks avoid copying gigabytes when the index grows).</summary>
    internal const int BlockRows = 4096;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly List<float[]> _exact = [];
    private readonly List<sbyte[]> _int8 = [];
    private readonly List<Half[]> _half = [];
    private readonly Dictionary<long, int> _slotOf = [];
    private long[] _ids = [];
    private float[] _scales = [];
    private int _count;
    private long _catalogVersion;

    /// <summary>An empty index for vectors of <paramref name="dimension"/> values made by model <paramref name="modelId"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="modelId"/> is null or blank, <paramref name="dimension"/> is below 1, or <see cref="VectorIndexOptions.RerankFactor"/> is below 1.</exception>
    public VectorIndex(string modelId, int dimension, VectorIndexOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ModelId = modelId;
        Dimension = dimension;
        Options = options ?? new VectorIndexOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.RerankFactor, 1);
    }

    /// <summary>The model whose vector space this index holds.</summary>
    public string ModelId { get; }

    /// <summary>Values per vector.</summary>
    public int Dimension { get; }

    /// <summary>How the index stores and scans its vectors (fixed when it is created).</summary>
    public VectorIndexOptions Options { get; }

    /// <summary>Number of vectors held.</summary>
    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try { return _count; }
            finally { _lock.ExitReadLock(); }
        }
    }

    /// <summary>The catalog change counter this index reflects (set by whoever keeps it in step).</summary>
    public long CatalogVersion
    {
        get => Interlocked.Read(ref _catalogVersion);
        set => Interlocked.Exchange(ref _catalogVersion, value);
    }

    /// <summary>True when a vector with this id is held.</summary>
    public bool Contains(long id)
    {
        _lock.EnterReadLock();
        try { return _slotOf.ContainsKey(id); }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>The ids held, in no particular order.</summary>
    public long[] Ids()
    {
        _lock.EnterReadLock();
        try { return _ids.AsSpan(0, _count).ToArray(); }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>Copies the stored (normalised) vector of <paramref name="id"/>; false when it is not held.</summary>
    public bool TryGetVector(long id, Span<float> destination)
    {
        CheckDimension(destination.Length, "destination");
        _lock.EnterReadLock();
        try
        {
            if (!_slotOf.TryGetValue(id, out var slot)) return false;
            ExactRow(slot).CopyTo(destination);
            return true;
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>Adds the vector of <paramref name="id"/>, or replaces it in place. The vector is normalised on the way in.</summary>
    /// <exception cref="InvalidInputException">Wrong dimension, a non-finite value, or a zero vector.</exception>
    public void Upsert(long id, ReadOnlySpan<float> vector)
    {
        Span<float> normalised = vector.Length <= 2048 ? stackalloc float[vector.Length] : new float[vector.Length];
        Normalise(vector, normalised, $"vector of id {id}");
        _lock.EnterWriteLock();
        try { Store(id, normalised); }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>Adds or replaces many vectors under one lock (bulk load).</summary>
    public void UpsertRange(IEnumerable<(long Id, float[] Vector)> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var buffer = new float[Dimension];
        _lock.EnterWriteLock();
        try
        {
            foreach (var (id, vector) in items)
            {
                Normalise(vector, buffer, $"vector of id {id}");
                Store(id, buffer);
            }
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>Removes the vector of <paramref name="id"/>; false when it was not held.</summary>
    public bool Remove(long id)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_slotOf.Remove(id, out var slot)) return false;
            var last = _count - 1;
            if (slot != last)
            {
                ExactRow(last).CopyTo(ExactRow(slot));
                if (Options.Storage == VectorStorage.Int8) Int8Row(last).CopyTo(Int8Row(slot));
                if (Options.Storage == VectorStorage.Float16) HalfRow(last).CopyTo(HalfRow(slot));
                _scales[slot] = _scales[last];
                _ids[slot] = _ids[last];
                _slotOf[_ids[slot]] = slot;
            }
            _count = last;
            OnGraphChange(id);
            return true;
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>Removes everything.</summary>
    public void Clear()
    {
        _lock.EnterWriteLock();
        try
        {
            ClearRows();
            DropGraph();
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>Under the write lock: forgets every vector.</summary>
    private void ClearRows()
    {
        _slotOf.Clear();
        _count = 0;
        _exact.Clear();
        _int8.Clear();
        _half.Clear();
        _ids = [];
        _scales = [];
    }

    /// <summary>
    /// The <paramref name="k"/> held vectors most similar (cosine) to <paramref name="query"/> that pass
    /// <paramref name="filter"/>, best first; fewer when fewer pass. Equal scores rank by ascending id.
    /// </summary>
    /// <param name="query">A vector of <see cref="Dimension"/> values (normalised here; need not be).</param>
    /// <param name="k">How many hits at most.</param>
    /// <param name="filter">Which stems may be hits, or null for all.</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    /// <exception cref="InvalidInputException">Wrong dimension, non-finite values or a zero query.</exception>
    public IReadOnlyList<VectorHit> Search(ReadOnlySpan<float> query, int k, VectorFilter? filter = null, CancellationToken cancellationToken = default) =>
        Search(query, k, filter, Options.Storage, useGraph: true, cancellationToken);

    /// <summary>The exact float32 search whatever the storage (the truth that compact storage is measured against).</summary>
    public IReadOnlyList<VectorHit> SearchExact(ReadOnlySpan<float> query, int k, VectorFilter? filter = null, CancellationToken cancellationToken = default) =>
        Search(query, k, filter, VectorStorage.Float32, useGraph: false, cancellationToken);

    /// <summary>
    /// Reads every stored value of <paramref name="storage"/> once with the same partitions and threads as a
    /// search (<see cref="TensorPrimitives.Sum{T}(ReadOnlySpan{T})"/> per row range): the memory-bandwidth floor a
    /// search is compared with. Returns the (meaningless) sum so the reads cannot be optimised away.
    /// </summary>
    internal double Stream(VectorStorage storage)
    {
        _lock.EnterReadLock();
        try
        {
            var threads = PartitionCount();
            var per = (_count + threads - 1) / threads;
            var sums = new double[threads];
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                var end = Math.Min(_count, (t + 1) * per);
                double total = 0;
                for (var slot = t * per; slot < end;)
                {
                    var block = slot / BlockRows;
                    var blockEnd = Math.Min(end, (block + 1) * BlockRows);
                    var start = slot % BlockRows * Dimension;
                    var length = (blockEnd - slot) * Dimension;
                    total += storage switch
                    {
                        VectorStorage.Int8 => TensorPrimitives.Sum<sbyte>(_int8[block].AsSpan(start, length)),
                        VectorStorage.Float16 => (double)TensorPrimitives.Sum<Half>(_half[block].AsSpan(start, length)),
                        _ => TensorPrimitives.Sum(_exact[block].AsSpan(start, length)),
                    };
                    slot = blockEnd;
                }
                sums[t] = total;
            });
            return sums.Sum();
        }
        finally { _lock.ExitReadLock(); }
    }

    private int PartitionCount() => Math.Clamp(_count / Math.Max(1, Options.MinimumRowsPerThread), 1, Options.EffectiveThreads);

    private VectorHit[] Search(ReadOnlySpan<float> query, int k, VectorFilter? filter, VectorStorage storage, bool useGraph, CancellationToken cancellationToken)
    {
        var q = new float[query.Length];
        Normalise(query, q, "query vector");
        if (k <= 0) return [];
        _lock.EnterReadLock();
        try
        {
            if (_count == 0) return [];
            if (useGraph && _graph is { } graph && filter?.Ids is null && SearchGraph(graph, q, k, filter?.Predicate) is { } approximate)
            {
                return approximate;
            }
            if (filter?.Ids is { } ids && ids.Count <= Math.Max(k, _count / 8))
            {
                return ScoreIds(q, k, ids);
            }
            ulong[]? mask = null;
            Func<long, bool>? predicate = filter?.Predicate;
            if (filter?.Ids is { } many)
            {
                mask = new ulong[(_count + 63) / 64];
                foreach (var id in many)
                {
                    if (_slotOf.TryGetValue(id, out var s)) mask[s >> 6] |= 1UL << (s & 63);
                }
            }
            var compact = storage != VectorStorage.Float32;
            var candidates = compact ? Math.Max(k * Options.RerankFactor, Options.RerankMinimum) : k;
            candidates = Math.Min(candidates, _count);
            var scan = new Scan(this, storage, q, candidates, mask, predicate, cancellationToken).Prepare();
            var threads = PartitionCount();
            var heaps = new TopK[threads];
            if (threads == 1)
            {
                heaps[0] = scan.Run(0, _count);
            }
            else
            {
                var per = (_count + threads - 1) / threads;
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken },
                    t => heaps[t] = scan.Run(t * per, Math.Min(_count, (t + 1) * per)));
            }
            var merged = new TopK(candidates);
            foreach (var h in heaps) merged.OfferAll(h);
            if (!compact) return merged.ToSortedArray();
            var best = new TopK(Math.Min(k, candidates));
            foreach (var hit in merged.ToSortedArray())
            {
                best.Offer(hit.Id, TensorPrimitives.Dot(q, ExactRow(_slotOf[hit.Id])));
            }
            return best.ToSortedArray();
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>
    /// Every pair of held vectors whose cosine is at least <paramref name="threshold"/> (exact float32),
    /// as (smaller id, larger id, cosine). Cost grows with the square of <see cref="Count"/>.
    /// </summary>
    public IReadOnlyList<(long A, long B, float Score)> FindPairs(float threshold, IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        _lock.EnterReadLock();
        try
        {
            var n = _count;
            var found = new List<(long, long, float)>();
            var gate = new Lock();
            var done = 0;
            // Rows are handed out interleaved (row i and n−1−i cost the same in total), so both threads finish together.
            Parallel.For(0, (n + 1) / 2, new ParallelOptions { MaxDegreeOfParallelism = Options.EffectiveThreads, CancellationToken = cancellationToken }, pair =>
            {
                List<(long, long, float)>? local = null;
                var mirror = n - 1 - pair;
                for (var i = pair; i <= mirror; i = i == mirror ? mirror + 1 : mirror)
                {
                    var row = ExactRow(i);
                    for (var j = i + 1; j < n; j++)
                    {
                        var s = TensorPrimitives.Dot(row, ExactRow(j));
                        if (s >= threshold)
                        {
                            var (a, b) = _ids[i] < _ids[j] ? (_ids[i], _ids[j]) : (_ids[j], _ids[i]);
                            (local ??= []).Add((a, b, s));
                        }
                    }
                }
                var d = Interlocked.Add(ref done, pair == mirror ? 1 : 2);
                if (local is not null || (d & 255) < 2)
                {
                    lock (gate)
                    {
                        if (local is not null) found.AddRange(local);
                        progress?.Report(new ProgressInfo(d, n, "vectors"));
                    }
                }
            });
            found.Sort();
            return found;
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>
    /// Saves a graph that changed since it was saved, frees it, and releases the lock that orders searches and changes;
    /// the index cannot be used afterwards.
    /// </summary>
    public void Dispose()
    {
        if (CloseGraph()) _lock.Dispose();
    }

    private VectorHit[] ScoreIds(float[] q, int k, IReadOnlySet<long> ids)
    {
        var top = new TopK(Math.Max(1, Math.Min(k, ids.Count)));
        foreach (var id in ids)
        {
            if (_slotOf.TryGetValue(id, out var slot)) top.Offer(id, TensorPrimitives.Dot(q, ExactRow(slot)));
        }
        return top.ToSortedArray();
    }

    private void Store(long id, ReadOnlySpan<float> normalised)
    {
        if (!_slotOf.TryGetValue(id, out var slot))
        {
            slot = _count;
            EnsureCapacity(slot + 1);
            _slotOf[id] = slot;
            _ids[slot] = id;
            _count++;
        }
        normalised.CopyTo(ExactRow(slot));
        switch (Options.Storage)
        {
            case VectorStorage.Int8:
                _scales[slot] = Int8Math.Quantize(normalised, Int8Row(slot));
                break;
            case VectorStorage.Float16:
                TensorPrimitives.ConvertToHalf(normalised, HalfRow(slot));
                break;
        }
        OnGraphChange(id);
    }

    private void EnsureCapacity(int rows)
    {
        while (_exact.Count * BlockRows < rows)
        {
            _exact.Add(new float[BlockRows * Dimension]);
            if (Options.Storage == VectorStorage.Int8) _int8.Add(new sbyte[BlockRows * Dimension]);
            if (Options.Storage == VectorStorage.Float16) _half.Add(new Half[BlockRows * Dimension]);
        }
        if (_ids.Length < rows)
        {
            var size = Math.Max(rows, Math.Max(1024, _ids.Length * 2));
            Array.Resize(ref _ids, size);
            Array.Resize(ref _scales, size);
        }
    }

    private Span<float> ExactRow(int slot) => _exact[slot / BlockRows].AsSpan(slot % BlockRows * Dimension, Dimension);

    private Span<sbyte> Int8Row(int slot) => _int8[slot / BlockRows].AsSpan(slot % BlockRows * Dimension, Dimension);

    private Span<Half> HalfRow(int slot) => _half[slot / BlockRows].AsSpan(slot % BlockRows * Dimension, Dimension);

    private void CheckDimension(int length, string what)
    {
        if (length != Dimension)
        {
            throw new InvalidInputException(
                $"The {what} has {length} values, but the index of model '{ModelId}' holds {Dimension}-dimensional vectors; " +
                "embed it with the same model (or run 'traum reindex' after changing models).");
        }
    }

    private void Normalise(ReadOnlySpan<float> vector, Span<float> destination, string what)
    {
        CheckDimension(vector.Length, what);
        var norm = TensorPrimitives.Norm(vector);
        if (!float.IsFinite(norm))
        {
            throw new InvalidInputException($"The {what} contains NaN or infinite values; re-embed the audio or text it came from.");
        }
        if (norm == 0f)
        {
            throw new InvalidInputException($"The {what} is all zeros and has no direction to compare; re-embed the audio or text it came from.");
        }
        TensorPrimitives.Divide(vector, norm, destination);
    }

    /// <summary>One query's scan over a range of slots, run once per partition.</summary>
    private sealed class Scan(VectorIndex index, VectorStorage storage, float[] query, int capacity, ulong[]? mask, Func<long, bool>? predicate, CancellationToken cancellationToken)
    {
        private readonly sbyte[] _queryInt8 = storage == VectorStorage.Int8 ? new sbyte[query.Length] : [];
        private float _queryScale;

        /// <summary>Prepares the query's compact form once, before the partitions run.</summary>
        public Scan Prepare()
        {
            if (storage == VectorStorage.Int8) _queryScale = Int8Math.Quantize(query, _queryInt8);
            return this;
        }

        public TopK Run(int start, int end)
        {
            var top = new TopK(capacity);
            var dim = index.Dimension;
            var half = storage == VectorStorage.Float16 ? new float[dim] : null;
            Span<float> eight = stackalloc float[8];
            var slot = start;
            while (slot < end)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var block = slot / BlockRows;
                var blockEnd = Math.Min(end, (block + 1) * BlockRows);
                var offset = slot % BlockRows;
                switch (storage)
                {
                    case VectorStorage.Float32:
                    {
                        var data = index._exact[block];
                        var s = slot;
                        if (mask is null && predicate is null)
                        {
                            // Unfiltered: eight rows per step (the query read once for the eight). With the wide
                            // kernel the eight scores are tested against the heap's floor at once, so the usual
                            // step (none of the eight enters) costs no per-row work.
                            var wide = DotKernels.Wide8(dim);
                            for (; s + 8 <= blockEnd; s += 8, offset += 8)
                            {
                                var rows = data.AsSpan(offset * dim, 8 * dim);
                                if (wide)
                                {
                                    var sums = DotKernels.Dot8Wide(query, rows, dim);
                                    if (!Vector256.GreaterThanOrEqualAny(sums, Vector256.Create(top.Floor))) continue;
                                    sums.CopyTo(eight);
                                }
                                else
                                {
                                    DotKernels.Dot8(query, rows, dim, eight);
                                }
                                for (var j = 0; j < 8; j++)
                                {
                                    if (!top.Rejects(eight[j])) top.Offer(index._ids[s + j], eight[j]);
                                }
                            }
                        }
                        for (; s < blockEnd; s++, offset++)
                        {
                            if (!Passes(s)) continue;
                            var score = TensorPrimitives.Dot(query, data.AsSpan(offset * dim, dim));
                            if (!top.Rejects(score)) top.Offer(index._ids[s], score);
                        }
                        break;
                    }
                    case VectorStorage.Int8:
                    {
                        var data = index._int8[block];
                        var q = _queryInt8;
                        for (var s = slot; s < blockEnd; s++, offset++)
                        {
                            if (!Passes(s)) continue;
                            var score = Int8Math.Dot(q, data.AsSpan(offset * dim, dim)) * (_queryScale * index._scales[s]);
                            if (!top.Rejects(score)) top.Offer(index._ids[s], score);
                        }
                        break;
                    }
                    default:
                    {
                        var data = index._half[block];
                        for (var s = slot; s < blockEnd; s++, offset++)
                        {
                            if (!Passes(s)) continue;
                            TensorPrimitives.ConvertToSingle(data.AsSpan(offset * dim, dim), half);
                            var score = TensorPrimitives.Dot(query, half);
                            if (!top.Rejects(score)) top.Offer(index._ids[s], score);
                        }
                        break;
                    }
                }
                slot = blockEnd;
            }
            return top;
        }

        private bool Passes(int slot)
        {
            if (mask is not null) return (mask[slot >> 6] & (1UL << (slot & 63))) != 0;
            return predicate is null || predicate(index._ids[slot]);
        }
    }
}
