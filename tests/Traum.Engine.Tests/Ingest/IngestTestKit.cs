using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Ingest;
using Traum.TestKit;

namespace Traum.Engine.Tests.Ingest;

/// <summary>Test helpers: synthetic audio files and a recording fake analyser.</summary>
internal static class IngestTestKit
{
    /// <summary>Writes a short distinct stereo sound (seeded noise burst over a sine) as WAV.</summary>
    public static AudioBuffer WriteSound(string path, int seed, double seconds = 0.25, int rate = 44100, SampleFormat format = SampleFormat.Pcm16)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var l = Signals.Sine(110 + (seed * 7), seconds, rate, 0.3);
        var r = Signals.WhiteNoise(seconds, rate, 0.2, seed);
        var buffer = new AudioBuffer([l, r], rate);
        AudioFile.Write(path, buffer, new AudioWriteOptions(format));
        return buffer;
    }

    /// <summary>Descriptors whose duration is the audio's (a value the test can check independently).</summary>
    public static Descriptors FakeDescribe(AudioBuffer b) => new()
    {
        Duration = b.Duration, PeakDb = 0, RmsDb = 0, Lufs = 0, SpectralCentroid = 0, SpectralBandwidth = 0, SpectralRolloff = 0,
        SpectralFlatness = 0, ZeroCrossingRate = 0, OnsetDensity = 0, Bpm = 120, IsOneShot = b.Duration < 1,
    };
}

/// <summary>Counts calls; can be told to fail.</summary>
internal sealed class CountingAnalyzer(string name, bool fail = false) : IStemAnalyzer
{
    private int _calls;

    public int Calls => _calls;

    public bool Fail { get; set; } = fail;

    public string Name => name;

    public bool IsAvailable => true;

    public HashSet<long> Done { get; } = [];

    public bool NeedsAnalysis(Stem stem, StoredAnalysis stored)
    {
        lock (Done) return !Done.Contains(stem.Id);
    }

    public AnalysisResults Analyze(Stem stem, DecodedAudio audio, StoredAnalysis stored, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        if (Fail) throw new InvalidOperationException("model exploded");
        lock (Done) Done.Add(stem.Id);
        return AnalysisResults.None;
    }
}

/// <summary>Returns one fixed embedding for every stem, counting calls.</summary>
internal sealed class FixedEmbeddingAnalyzer(string modelId, float[] vector) : IStemAnalyzer
{
    private int _calls;

    public int Calls => _calls;

    public string Name => "fixed-embedding";

    public bool IsAvailable => true;

    public bool NeedsAnalysis(Stem stem, StoredAnalysis stored) => !stored.Embeddings.ContainsKey(modelId);

    public AnalysisResults Analyze(Stem stem, DecodedAudio audio, StoredAnalysis stored, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return new AnalysisResults { Embeddings = [new Embedding(modelId, vector)] };
    }
}
