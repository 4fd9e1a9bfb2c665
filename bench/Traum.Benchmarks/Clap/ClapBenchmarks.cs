using BenchmarkDotNet.Attributes;
using Traum.Audio;
using Traum.Models.Clap;
using Traum.TestKit;
using Traum.TestKit.Fixtures;

namespace Traum.Benchmarks.Clap;

/// <summary>
/// CLAP preprocessing cost per 10 s window at 48 kHz: feature extraction alone (target &lt; 5 ms), and Traum's whole
/// path around the audio graph with the fixture graph, whose own work is negligible (window fill, features, tensor
/// plumbing, normalisation; target &lt; 6 ms).
/// </summary>
[MemoryDiagnoser]
public class ClapBenchmarks
{
    private float[] _window = [];
    private float[] _features = [];
    private TempDir? _dir;
    private ClapEmbedder? _embedder;
    private AudioBuffer? _clip;

    [GlobalSetup]
    public void Setup()
    {
        _window = Signals.PinkNoise(10, ClapFeatureExtractor.SampleRate, 0.3);
        _features = new float[ClapFeatureExtractor.FeaturesPerWindow];
        _clip = AudioBuffer.Mono(_window, ClapFeatureExtractor.SampleRate);
        _dir = new TempDir("bench-clap");
        var folder = ClapFixture.CreateModelFolder(Path.Combine(_dir.Path, "model"));
        _embedder = new ClapEmbedder(ClapModelLocator.FromFolder(folder, "fp32"), new ClapOptions { BatchSize = 1 });
        _embedder.Open();
        ClapFeatureExtractor.Instance.Compute(_window, 1, _features);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _embedder?.Dispose();
        _dir?.Dispose();
    }

    /// <summary>Log-mel features of one 10 s window (480 000 samples → [1001, 64]).</summary>
    [Benchmark(Baseline = true)]
    public float FeatureExtraction10s()
    {
        ClapFeatureExtractor.Instance.Compute(_window, 1, _features);
        return _features[0];
    }

    /// <summary>One 10 s clip through EmbedAudio with the fixture graph: mono, window, features, ONNX run, normalisation.</summary>
    [Benchmark]
    public float EmbedWindowFixtureGraph() => _embedder!.EmbedAudio([_clip!])[0][0];

    /// <summary>The fixture graph alone on precomputed features (to subtract from the above).</summary>
    [Benchmark]
    public float FixtureGraphOnly() => _embedder!.EmbedFeatures(_features, 1)[0][0];
}
