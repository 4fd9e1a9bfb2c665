using BenchmarkDotNet.Attributes;
using Traum.Catalog.Vectors;

namespace Traum.Benchmarks.Search;

/// <summary>
/// Top-10 over <see cref="Count"/> random normalised 512-d vectors per storage, next to a plain read of the same
/// float32 data (the bandwidth floor). <c>--filter '*VectorSearch*'</c>; the 1 000 000-vector figures with ratios
/// come from <c>e2e search</c>.
/// </summary>
[MemoryDiagnoser]
public class VectorSearchBenchmarks
{
    private VectorIndex _index = null!;
    private float[] _query = null!;

    [Params(100_000)]
    public int Count { get; set; }

    [Params(VectorStorage.Float32, VectorStorage.Int8, VectorStorage.Float16)]
    public VectorStorage Storage { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        const int dim = 512;
        var rng = new Random(1);
        _index = new VectorIndex("bench", dim, new VectorIndexOptions { Storage = Storage, Threads = 2 });
        var v = new float[dim];
        for (var i = 0; i < Count; i++)
        {
            for (var j = 0; j < dim; j++) v[j] = (float)(rng.NextDouble() * 2 - 1);
            _index.Upsert(i, v);
        }
        _query = new float[dim];
        for (var j = 0; j < dim; j++) _query[j] = (float)(rng.NextDouble() * 2 - 1);
    }

    [GlobalCleanup]
    public void Cleanup() => _index.Dispose();

    [Benchmark(Baseline = true)]
    public double StreamFloat32() => _index.Stream(VectorStorage.Float32);

    [Benchmark]
    public int Top10() => _index.Search(_query, 10).Count;
}
