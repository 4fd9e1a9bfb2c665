using BenchmarkDotNet.Attributes;
using Traum.Audio;
using Traum.Catalog;
using Traum.TestKit;

namespace Traum.Benchmarks.Ingest;

/// <summary>The pieces of ingest in isolation: content hashing and a catalog row write.</summary>
[MemoryDiagnoser]
public class IngestBenchmarks
{
    private AudioBuffer _tenSecondsStereo = null!;
    private string _dir = null!;
    private CatalogStore _store = null!;
    private int _n;

    [GlobalSetup]
    public void Setup()
    {
        _tenSecondsStereo = new AudioBuffer([Signals.WhiteNoise(10, 44100, seed: 1), Signals.WhiteNoise(10, 44100, seed: 2)], 44100);
        _dir = Path.Combine(Path.GetTempPath(), $"traum-bench-catalog-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
        _store = CatalogStore.Open(Path.Combine(_dir, "catalog.db"));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>SHA-256 content hash of 10 s of 44.1 kHz stereo.</summary>
    [Benchmark]
    public string HashTenSecondsStereo() => ContentHasher.Of(_tenSecondsStereo);

    /// <summary>One stem row (one IMMEDIATE transaction with its change-log entry).</summary>
    [Benchmark]
    public long AddStemRow()
    {
        var n = Interlocked.Increment(ref _n);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(n)));
        return _store.AddStem(new NewStem
        {
            Name = "bench", Kind = "drums", Category = "kick", Origin = Core.StemOrigin.Imported,
            FilePath = Library.StemFileName(hash, ".wav"), ContentHash = hash, SampleRate = 44100, Channels = 2, Duration = 1,
        }).Id;
    }
}
