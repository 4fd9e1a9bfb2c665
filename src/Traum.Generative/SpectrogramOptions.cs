using System.Text.Json.Serialization;
using Traum.Audio.Spectral;

namespace Traum.Generative;

/// <summary>How a log-magnitude value is made from a linear STFT magnitude.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LogCompression>))]
public enum LogCompression
{
    /// <summary><c>log(1 + |X|)</c>: zero stays zero, no epsilon needed; inverse <c>exp(y) − 1</c>. The default.</summary>
    Log1p,
    /// <summary><c>log(|X| + ε)</c> with ε = <see cref="SpectrogramOptions.Epsilon"/>; inverse <c>exp(y) − ε</c>, floored at 0.</summary>
    LogEpsilon,
}

/// <summary>
/// The features a VAE learns: mono audio at <see cref="SampleRate"/> Hz, cut into excerpts of
/// <see cref="ExcerptSeconds"/>, turned into a magnitude STFT (periodic Hann, <see cref="NFft"/>, <see cref="Hop"/>,
/// centred with reflect padding, not normalised; PyTorch semantics), log-compressed and flattened bins-major:
/// feature <c>b·frames + t</c> is bin b of frame t, so a vector reshapes to <c>[bins, frames]</c>.
/// </summary>
public sealed record SpectrogramOptions
{
    /// <summary>Training sample rate in Hz.</summary>
    public int SampleRate { get; init; } = 22_050;

    /// <summary>Excerpt length in seconds.</summary>
    public double ExcerptSeconds { get; init; } = 2.0;

    /// <summary>FFT size (and window length) in samples.</summary>
    public int NFft { get; init; } = 1024;

    /// <summary>Hop in samples.</summary>
    public int Hop { get; init; } = 256;

    /// <summary>Log compression of the magnitude.</summary>
    public LogCompression Compression { get; init; } = LogCompression.Log1p;

    /// <summary>ε of <see cref="LogCompression.LogEpsilon"/> (linear magnitude units).</summary>
    public double Epsilon { get; init; } = 1e-5;

    /// <summary>Excerpts whose RMS is below this level (dBFS) are silent and dropped.</summary>
    public double SilenceDb { get; init; } = -60.0;

    /// <summary>At most this many excerpts per stem, so one long stem cannot dominate a data set.</summary>
    public int MaxExcerptsPerStem { get; init; } = 32;

    /// <summary>Excerpt length in samples.</summary>
    [JsonIgnore]
    public int ExcerptSamples => (int)Math.Round(ExcerptSeconds * SampleRate);

    /// <summary>The STFT of these features.</summary>
    [JsonIgnore]
    public StftOptions Stft => new(NFft, Hop, Center: true, Normalized: false);

    /// <summary>Frequency bins: NFft/2 + 1.</summary>
    [JsonIgnore]
    public int Bins => (NFft / 2) + 1;

    /// <summary>STFT frames of one excerpt.</summary>
    [JsonIgnore]
    public int Frames => Stft.FrameCount(ExcerptSamples);

    /// <summary>Length of a feature vector: <see cref="Bins"/> × <see cref="Frames"/>.</summary>
    [JsonIgnore]
    public int FeatureCount => Bins * Frames;

    /// <summary>Checks the values; throws <see cref="Core.InvalidInputException"/> naming the bad one.</summary>
    public void Validate()
    {
        if (SampleRate is < 4000 or > 192_000) throw new Core.InvalidInputException($"Training sample rate {SampleRate} Hz is out of range; use 4000–192000 Hz (default 22050).");
        if (ExcerptSeconds is <= 0 or > 60 || double.IsNaN(ExcerptSeconds)) throw new Core.InvalidInputException($"Excerpt length {ExcerptSeconds} s is out of range; use a value in (0, 60] seconds (default 2).");
        if (NFft < 16 || (NFft & (NFft - 1)) != 0) throw new Core.InvalidInputException($"n_fft {NFft} must be a power of two ≥ 16 (default 1024).");
        if (Hop <= 0 || Hop > NFft) throw new Core.InvalidInputException($"Hop {Hop} must be in 1…n_fft (default 256).");
        if (ExcerptSamples <= NFft / 2) throw new Core.InvalidInputException($"Excerpts of {ExcerptSeconds} s are shorter than half the FFT; use longer excerpts or a smaller n_fft.");
        if (Epsilon <= 0) throw new Core.InvalidInputException("The log epsilon must be positive.");
        if (MaxExcerptsPerStem <= 0) throw new Core.InvalidInputException("MaxExcerptsPerStem must be positive.");
    }

    /// <summary>Log compression of a linear magnitude, in place.</summary>
    public void Compress(Span<float> magnitude)
    {
        if (Compression == LogCompression.Log1p)
        {
            for (var i = 0; i < magnitude.Length; i++) magnitude[i] = MathF.Log(1f + magnitude[i]);
        }
        else
        {
            var eps = (float)Epsilon;
            for (var i = 0; i < magnitude.Length; i++) magnitude[i] = MathF.Log(magnitude[i] + eps);
        }
    }

    /// <summary>Inverse of <see cref="Compress"/>, in place; results are floored at 0 (a magnitude).</summary>
    public void Expand(Span<float> logMagnitude)
    {
        var eps = Compression == LogCompression.Log1p ? 1f : (float)Epsilon;
        for (var i = 0; i < logMagnitude.Length; i++)
        {
            var y = MathF.Min(logMagnitude[i], 30f); // exp(30) ≈ 1e13: far above any real magnitude; keeps float finite
            logMagnitude[i] = MathF.Max(MathF.Exp(y) - eps, 0f);
        }
    }
}
