using BenchmarkDotNet.Attributes;
using Traum.Audio;
using Traum.Audio.Descriptors;
using Traum.Audio.Loudness;
using Traum.TestKit;
using CoreDescriptors = Traum.Core.Descriptors;

namespace Traum.Benchmarks.Descriptors;

/// <summary>
/// <see cref="DescriptorAnalyzer.Analyze"/> and <see cref="DescriptorEmbedder.Embed"/> on 8 s of stereo 44.1 kHz audio
/// (a click track, a chord progression and noise, different per channel), with the parts they are built from.
/// Seconds of audio per second = 8 s / mean time.
/// <c>dotnet run -c Release --project bench/Traum.Benchmarks -- --filter '*DescriptorBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class DescriptorBenchmarks
{
    private const int Rate = 44_100;
    private const double Seconds = 8;
    private readonly DescriptorAnalyzer _analyzer = new();
    private readonly DescriptorEmbedder _embedder = new();
    private readonly DescriptorOptions _options = new();
    private AudioBuffer _audio = null!;
    private float[] _mono = null!;

    [GlobalSetup]
    public void Setup()
    {
        var clicks = Signals.ClickTrack(124, Seconds, Rate);
        var chords = Signals.Progression([[57, 60, 64], [53, 57, 60], [60, 64, 67], [55, 59, 62]], Seconds / 4, Rate, 0.3);
        var noise = Signals.PinkNoise(Seconds, Rate, 0.05);
        var left = new float[clicks.Length];
        var right = new float[clicks.Length];
        for (var i = 0; i < left.Length; i++)
        {
            left[i] = clicks[i] + chords[Math.Min(i, chords.Length - 1)] + noise[i];
            right[i] = (0.7f * clicks[i]) + chords[Math.Min(i, chords.Length - 1)] - noise[i];
        }
        _audio = new AudioBuffer([left, right], Rate);
        _mono = StemAnalysis.MonoAtAnalysisRate(_audio, _options);
    }

    [Benchmark(Baseline = true)]
    public CoreDescriptors Analyze() => _analyzer.Analyze(_audio);

    [Benchmark]
    public float[] Embed() => _embedder.Embed(_audio);

    [Benchmark]
    public LoudnessMeasurement Loudness() => LoudnessMeter.Measure(_audio);

    [Benchmark]
    public float[] MonoAndResample() => StemAnalysis.MonoAtAnalysisRate(_audio, _options);

    [Benchmark]
    public float[] FramePass() => FrameAnalysis.Compute(_mono, _options, CancellationToken.None).Energy;

    [Benchmark]
    public float[] ChromaSpectrum() => KeyEstimation.MeanSpectrum(_mono, _options.ChromaFftSize, CancellationToken.None);
}
