using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Ingest;
using Traum.Engine.Training;
using Traum.Generative;
using Traum.TestKit;

namespace Traum.Engine.Tests.Training;

/// <summary>A temporary library with synthetic bass and hat stems, and tiny training settings.</summary>
internal sealed class VaeTestLibrary : IDisposable
{
    public const int Rate = 8000;

    private readonly TempDir _dir = new("vae-lib");

    public VaeTestLibrary(int bassStems = 16, int hatStems = 0)
    {
        Library = Library.Open(Path.Combine(_dir.Path, "lib"));
        Ingester = new StemIngester(Library, []);
        var src = Path.Combine(_dir.Path, "src");
        Directory.CreateDirectory(src);
        var bass = GenerativeSignals.BassCategory(bassStems, 1.0, Rate);
        for (var i = 0; i < bass.Count; i++) BassIds.Add(Add(src, $"bass_{i}.wav", bass[i], "bass", "bass"));
        var hats = GenerativeSignals.HatCategory(hatStems, 1.0, Rate);
        for (var i = 0; i < hats.Count; i++) HatIds.Add(Add(src, $"hat_{i}.wav", hats[i], StemKinds.Drums, "hihat"));
    }

    public Library Library { get; }

    public StemIngester Ingester { get; }

    public List<long> BassIds { get; } = [];

    public List<long> HatIds { get; } = [];

    /// <summary>0.5 s excerpts at 8 kHz, n_fft 256, hop 128 (129 × 32 features).</summary>
    public static SpectrogramOptions Features { get; } = new() { SampleRate = Rate, ExcerptSeconds = 0.5, NFft = 256, Hop = 128 };

    public static TrainingRequest Request(string category, int epochs = 20) => new()
    {
        Category = category,
        Features = Features,
        Shape = new VaeConfig { Architecture = "conv", Channels = 16, Levels = 2, Latent = 4, Dropout = 0 },
        ExcerptFromMaterial = false,
        Training = new TrainingOptions { Epochs = epochs, BatchSize = 8, LearningRate = 3e-3, Seed = 5, Threads = 1, Device = "cpu", WarmupSteps = 2, KlWarmupEpochs = 0 },
        MinimumSeconds = 4,
        MinimumExcerpts = 4,
    };

    private long Add(string folder, string name, float[] samples, string kind, string category)
    {
        var path = Path.Combine(folder, name);
        AudioFile.Write(path, AudioBuffer.Mono(samples, Rate), new AudioWriteOptions(SampleFormat.Float32));
        var r = Ingester.Ingest(new IngestItem(path) { Kind = kind, Category = category });
        return r.Stem?.Id ?? throw new InvalidOperationException(r.Error);
    }

    public void Dispose()
    {
        Library.Dispose();
        _dir.Dispose();
    }
}
