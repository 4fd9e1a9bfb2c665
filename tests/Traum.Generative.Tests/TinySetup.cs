using Traum.Audio;
using Traum.TestKit;

namespace Traum.Generative.Tests;

/// <summary>Tiny features and networks so training tests run in seconds on 2 cores.</summary>
internal static class TinySetup
{
    public const int Rate = 8000;

    /// <summary>0.5 s excerpts, n_fft 256, hop 128 at 8 kHz: 129 bins × 32 frames = 4128 features.</summary>
    public static SpectrogramOptions Features { get; } = new() { SampleRate = Rate, ExcerptSeconds = 0.5, NFft = 256, Hop = 128 };

    public static VaeConfig Shape { get; } = new() { Architecture = "mlp", Hidden = [64], Latent = 4, Dropout = 0.0 };

    /// <summary>The convolutional VAE, small: 16 channels, 2 levels (32 → 8 frames).</summary>
    public static VaeConfig Conv { get; } = new() { Architecture = "conv", Channels = 16, Levels = 2, Latent = 4, Dropout = 0.0 };

    public static TrainingOptions Training { get; } = new()
    {
        Epochs = 20, BatchSize = 8, LearningRate = 3e-3, Seed = 7, Threads = 1, Patience = 0, Device = "cpu", WarmupSteps = 5, KlWarmupEpochs = 0,
    };

    /// <summary>Bass notes at 24 pitches, 1 s each (two excerpts each: 48).</summary>
    public static AudioDataset BassDataset()
    {
        var sources = GenerativeSignals.BassCategory(24, 1.0, Rate)
            .Select((x, i) => new DatasetSource(AudioBuffer.Mono(x, Rate), $"bass{i}"))
            .ToList();
        return AudioDataset.Build(sources, Features, CancellationToken.None);
    }
}
