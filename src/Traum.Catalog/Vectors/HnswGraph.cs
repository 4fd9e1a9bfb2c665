using System.Runtime.InteropServices;
using Traum.Core;

namespace Traum.Catalog.Vectors;

/// <summary>
/// An approximate nearest-neighbour graph (HNSW) over normalised vectors, held by USearch's native library
/// (<c>libusearch_c</c>, shipped in the Cloud.Unum.USearch package). The package's managed wrapper grows the graph by
/// one slot per add and hides the thread limits, so Traum calls the library's C interface directly: the graph is
/// reserved ahead in doubling steps and the number of concurrent searches is bounded by the thread slots the graph
/// was given (USearch has one search context per slot; more concurrent callers than slots is undefined).
/// Cosine metric, vectors stored as IEEE half precision (the float32 copy for exact scores lives in
/// <see cref="VectorIndex"/>). Adds, removals and reservations must not run concurrently with searches (the index's
/// write lock orders them); searches may run concurrently with each other.
/// </summary>
internal sealed class HnswGraph : IDisposable
{
    private const string Library = "libusearch_c";
    private readonly SemaphoreSlim _slots;
    private readonly int _threads;
    private IntPtr _handle;

    private HnswGraph(IntPtr handle, int dimension, int threads)
    {
        _handle = handle;
        Dimension = dimension;
        _threads = threads;
        _slots = new SemaphoreSlim(threads, threads);
        SetThreads();
    }

    ~HnswGraph() => Free();

    /// <summary>Values per vector.</summary>
    public int Dimension { get; }

    /// <summary>Vectors held (removed ones not counted).</summary>
    public long Count
    {
        get
        {
            var n = usearch_size(Handle, out var error);
            ThrowIf(error, "count the vector graph");
            return (long)n;
        }
    }

    /// <summary>Slots reserved.</summary>
    public long Capacity
    {
        get
        {
            var n = usearch_capacity(Handle, out var error);
            ThrowIf(error, "read the vector graph's capacity");
            return (long)n;
        }
    }

    /// <summary>True when the native library can be loaded on this machine.</summary>
    public static bool IsAvailable { get; } = Probe();

    /// <summary>An empty graph.</summary>
    /// <param name="dimension">Values per vector.</param>
    /// <param name="connectivity">Edges per node (HNSW's M).</param>
    /// <param name="expansionAdd">Candidate list while inserting (ef_construction).</param>
    /// <param name="expansionSearch">Candidate list while searching (ef_search); a search asking for more results uses that many.</param>
    /// <param name="threads">Concurrent adds or searches allowed.</param>
    public static HnswGraph Create(int dimension, int connectivity, int expansionAdd, int expansionSearch, int threads)
    {
        var options = new InitOptions
        {
            MetricKind = 1, // cosine
            Quantization = 3, // f16
            Dimensions = (nuint)dimension,
            Connectivity = (nuint)connectivity,
            ExpansionAdd = (nuint)expansionAdd,
            ExpansionSearch = (nuint)expansionSearch,
        };
        var handle = usearch_init(ref options, out var error);
        ThrowIf(error, "create the vector graph");
        return new HnswGraph(handle, dimension, Math.Max(1, threads));
    }

    /// <summary>Loads a graph saved by <see cref="Save"/>; null when the file is missing, unreadable or of another dimension.</summary>
    public static HnswGraph? TryLoad(string path, int dimension, int expansionSearch, int threads)
    {
        if (!File.Exists(path)) return null;
        var options = new InitOptions { MetricKind = 1, Quantization = 3, Dimensions = (nuint)dimension, ExpansionSearch = (nuint)expansionSearch };
        var handle = usearch_init(ref options, out var error);
        if (error != IntPtr.Zero) return null;
        usearch_load(handle, path, out error);
        if (error != IntPtr.Zero || (int)usearch_dimensions(handle, out _) != dimension)
        {
            usearch_free(handle, out _);
            return null;
        }
        usearch_change_expansion_search(handle, (nuint)expansionSearch, out _);
        return new HnswGraph(handle, dimension, Math.Max(1, threads));
    }

    /// <summary>Writes the graph to <paramref name="path"/> (through a temporary file, so a crash leaves the old one).</summary>
    public void Save(string path)
    {
        var temporary = path + ".tmp";
        usearch_save(Handle, temporary, out var error);
        ThrowIf(error, $"save the vector graph to {temporary}");
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Makes room for at least <paramref name="capacity"/> vectors (not concurrently with anything else).</summary>
    public void Reserve(long capacity)
    {
        if (capacity <= Capacity) return;
        usearch_reserve(Handle, (nuint)capacity, out var error);
        ThrowIf(error, $"reserve room for {capacity} vectors in the vector graph");
        // A reservation re-creates the per-thread contexts with the default count: restore the limits.
        SetThreads();
    }

    /// <summary>Adds the vector of <paramref name="id"/> (which must not be held); room must be reserved.</summary>
    public void Add(long id, ReadOnlySpan<float> vector)
    {
        if (vector.Length != Dimension) throw new ArgumentException($"Expected {Dimension} values.", nameof(vector));
        _slots.Wait();
        try
        {
            usearch_add(Handle, (ulong)id, ref MemoryMarshal.GetReference(vector), 1, out var error);
            ThrowIf(error, "add a vector to the graph");
        }
        finally { _slots.Release(); }
    }

    /// <summary>True when <paramref name="id"/> is held.</summary>
    public bool Contains(long id)
    {
        var held = usearch_contains(Handle, (ulong)id, out var error);
        ThrowIf(error, "look up a vector in the graph");
        return held;
    }

    /// <summary>Removes <paramref name="id"/>; false when it was not held.</summary>
    public bool Remove(long id)
    {
        var removed = usearch_remove(Handle, (ulong)id, out var error);
        ThrowIf(error, "remove a vector from the graph");
        return removed > 0;
    }

    /// <summary>
    /// Up to <paramref name="count"/> ids nearest to <paramref name="query"/> (normalised), nearest first, into
    /// <paramref name="ids"/>; returns how many were found.
    /// </summary>
    public int Search(ReadOnlySpan<float> query, int count, Span<long> ids)
    {
        if (query.Length != Dimension) throw new ArgumentException($"Expected {Dimension} values.", nameof(query));
        if (ids.Length < count) throw new ArgumentException($"Room for {count} ids needed.", nameof(ids));
        var distances = count <= 1024 ? stackalloc float[count] : new float[count];
        _slots.Wait();
        try
        {
            var found = usearch_search(Handle, ref MemoryMarshal.GetReference(query), 1, (nuint)count,
                ref MemoryMarshal.GetReference(ids), ref MemoryMarshal.GetReference(distances), out var error);
            ThrowIf(error, "search the vector graph");
            return (int)found;
        }
        finally { _slots.Release(); }
    }

    /// <summary>Frees the native graph.</summary>
    public void Dispose()
    {
        Free();
        _slots.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        var handle = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (handle != IntPtr.Zero) usearch_free(handle, out _);
    }

    private static bool Probe()
    {
        try
        {
            return Marshal.PtrToStringUTF8(usearch_version()) is { Length: > 0 };
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    }

    private IntPtr Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle == IntPtr.Zero, this);
            return _handle;
        }
    }

    private void SetThreads()
    {
        usearch_change_threads_search(Handle, (nuint)_threads, out var error);
        ThrowIf(error, "set the graph's search threads");
        usearch_change_threads_add(Handle, (nuint)_threads, out error);
        ThrowIf(error, "set the graph's insert threads");
    }

    private static void ThrowIf(IntPtr error, string what)
    {
        if (error == IntPtr.Zero) return;
        throw new InvalidInputException($"Could not {what}: {Marshal.PtrToStringUTF8(error)}.");
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct InitOptions
    {
        public uint MetricKind;
        public IntPtr Metric;
        public uint Quantization;
        public nuint Dimensions;
        public nuint Connectivity;
        public nuint ExpansionAdd;
        public nuint ExpansionSearch;
        [MarshalAs(UnmanagedType.U1)]
        public bool Multi;
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need source-generated marshalling for the string and bool arguments; these calls are few.
    [DllImport(Library)] private static extern IntPtr usearch_version();
    [DllImport(Library)] private static extern IntPtr usearch_init(ref InitOptions options, out IntPtr error);
    [DllImport(Library)] private static extern void usearch_free(IntPtr index, out IntPtr error);
    [DllImport(Library, CharSet = CharSet.Ansi, BestFitMapping = false)] private static extern void usearch_save(IntPtr index, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, out IntPtr error);
    [DllImport(Library, CharSet = CharSet.Ansi, BestFitMapping = false)] private static extern void usearch_load(IntPtr index, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, out IntPtr error);
    [DllImport(Library)] private static extern nuint usearch_size(IntPtr index, out IntPtr error);
    [DllImport(Library)] private static extern nuint usearch_capacity(IntPtr index, out IntPtr error);
    [DllImport(Library)] private static extern nuint usearch_dimensions(IntPtr index, out IntPtr error);
    [DllImport(Library)] private static extern void usearch_reserve(IntPtr index, nuint capacity, out IntPtr error);
    [DllImport(Library)] private static extern void usearch_change_expansion_search(IntPtr index, nuint expansion, out IntPtr error);
    [DllImport(Library)] private static extern void usearch_change_threads_add(IntPtr index, nuint threads, out IntPtr error);
    [DllImport(Library)] private static extern void usearch_change_threads_search(IntPtr index, nuint threads, out IntPtr error);
    [DllImport(Library)] private static extern void usearch_add(IntPtr index, ulong key, ref float vector, uint kind, out IntPtr error);
    [DllImport(Library)][return: MarshalAs(UnmanagedType.U1)] private static extern bool usearch_contains(IntPtr index, ulong key, out IntPtr error);
    [DllImport(Library)] private static extern nuint usearch_search(IntPtr index, ref float query, uint kind, nuint count, ref long keys, ref float distances, out IntPtr error);
    [DllImport(Library)] private static extern nuint usearch_remove(IntPtr index, ulong key, out IntPtr error);
#pragma warning restore SYSLIB1054
}
