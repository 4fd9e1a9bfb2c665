namespace Traum.Audio;

/// <summary>
/// Decoded audio: float32 samples in [-1, 1] (not clipped), stored <b>planar</b>: one array per channel,
/// all of the same length (<see cref="Length"/> sample frames).
/// </summary>
public sealed class AudioBuffer
{
    /// <summary>Wraps existing channel arrays (not copied). All must have the same length.</summary>
    /// <param name="channels">One array per channel.</param>
    /// <param name="sampleRate">Sample rate in Hz.</param>
    public AudioBuffer(float[][] channels, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Length == 0) throw new ArgumentException("An audio buffer needs at least one channel.", nameof(channels));
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "Sample rate must be positive.");
        var n = channels[0].Length;
        foreach (var c in channels)
        {
            if (c.Length != n) throw new ArgumentException("All channels must have the same length.", nameof(channels));
        }
        Channels = channels;
        SampleRate = sampleRate;
    }

    /// <summary>Allocates a silent buffer.</summary>
    public AudioBuffer(int channelCount, int length, int sampleRate)
        : this(Enumerable.Range(0, channelCount).Select(_ => new float[length]).ToArray(), sampleRate) { }

    /// <summary>Planar samples: <c>Channels[c][i]</c> is frame i of channel c.</summary>
    public float[][] Channels { get; }

    /// <summary>Sample rate in Hz.</summary>
    public int SampleRate { get; }

    /// <summary>Number of channels (planar arrays).</summary>
    public int ChannelCount => Channels.Length;

    /// <summary>Length in sample frames (samples per channel).</summary>
    public int Length => Channels[0].Length;

    /// <summary>Duration in seconds.</summary>
    public double Duration => (double)Length / SampleRate;

    /// <summary>Mono mix (mean of the channels), a new array; for mono audio a copy of the channel.</summary>
    public float[] ToMono()
    {
        var mono = new float[Length];
        if (ChannelCount == 1)
        {
            Channels[0].CopyTo(mono, 0);
            return mono;
        }
        foreach (var c in Channels)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(mono, c, mono);
        }
        System.Numerics.Tensors.TensorPrimitives.Multiply(mono, 1f / ChannelCount, mono);
        return mono;
    }

    /// <summary>Interleaved copy: frame-major, <c>[f * channels + c]</c>.</summary>
    public float[] ToInterleaved()
    {
        var n = Length;
        var ch = ChannelCount;
        var dst = new float[n * ch];
        for (var c = 0; c < ch; c++)
        {
            var src = Channels[c];
            for (var i = 0; i < n; i++) dst[(i * ch) + c] = src[i];
        }
        return dst;
    }

    /// <summary>Builds a planar buffer from interleaved samples.</summary>
    public static AudioBuffer FromInterleaved(ReadOnlySpan<float> interleaved, int channelCount, int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channelCount);
        var n = interleaved.Length / channelCount;
        var chans = new float[channelCount][];
        for (var c = 0; c < channelCount; c++)
        {
            var dst = new float[n];
            for (var i = 0; i < n; i++) dst[i] = interleaved[(i * channelCount) + c];
            chans[c] = dst;
        }
        return new AudioBuffer(chans, sampleRate);
    }

    /// <summary>Mono buffer over a copy of <paramref name="samples"/>.</summary>
    public static AudioBuffer Mono(ReadOnlySpan<float> samples, int sampleRate) => new([samples.ToArray()], sampleRate);
}
