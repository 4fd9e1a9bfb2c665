using System.Numerics.Tensors;

namespace Traum.Audio.Dsp;

/// <summary>Channel count changes: mono downmix (mean of the channels) and channel duplication.</summary>
public static class ChannelMix
{
    /// <summary>Mean of the channels of a planar block into <paramref name="destination"/> (frames <paramref name="offset"/>…+<paramref name="count"/>).</summary>
    public static void DownmixToMono(float[][] channels, int offset, int count, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(channels);
        var dst = destination[..count];
        channels[0].AsSpan(offset, count).CopyTo(dst);
        for (var c = 1; c < channels.Length; c++) TensorPrimitives.Add(dst, channels[c].AsSpan(offset, count), dst);
        if (channels.Length > 1) TensorPrimitives.Multiply(dst, 1f / channels.Length, dst);
    }

    /// <summary>Mono buffer (mean of the channels); the input itself when it is already mono.</summary>
    public static AudioBuffer ToMono(AudioBuffer audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        return audio.ChannelCount == 1 ? audio : new AudioBuffer([audio.ToMono()], audio.SampleRate);
    }

    /// <summary><paramref name="channels"/> copies of one channel (new arrays).</summary>
    public static AudioBuffer Duplicate(ReadOnlySpan<float> mono, int channels, int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        var data = new float[channels][];
        for (var c = 0; c < channels; c++) data[c] = mono.ToArray();
        return new AudioBuffer(data, sampleRate);
    }

    /// <summary>
    /// Adapts the channel count: to 1 by averaging all channels; from mono to N by duplication; from more channels
    /// to fewer (N &gt; 1) by keeping the first N (for stereo: front left and right). Returns the input itself when the
    /// count already matches; channel arrays are shared, not copied, where they are kept.
    /// </summary>
    public static AudioBuffer ToChannelCount(AudioBuffer audio, int channels)
    {
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (audio.ChannelCount == channels) return audio;
        if (channels == 1) return ToMono(audio);
        if (audio.ChannelCount == 1)
        {
            var data = new float[channels][];
            data[0] = audio.Channels[0];
            for (var c = 1; c < channels; c++) data[c] = (float[])audio.Channels[0].Clone();
            return new AudioBuffer(data, audio.SampleRate);
        }
        if (audio.ChannelCount > channels) return new AudioBuffer(audio.Channels[..channels], audio.SampleRate);
        // Fewer channels than asked (e.g. stereo to 4): keep them and repeat them cyclically.
        var more = new float[channels][];
        for (var c = 0; c < channels; c++) more[c] = c < audio.ChannelCount ? audio.Channels[c] : (float[])audio.Channels[c % audio.ChannelCount].Clone();
        return new AudioBuffer(more, audio.SampleRate);
    }

    /// <summary>Stereo: mono duplicated, stereo as is, more channels keep the first two.</summary>
    public static AudioBuffer ToStereo(AudioBuffer audio) => ToChannelCount(audio, 2);
}
