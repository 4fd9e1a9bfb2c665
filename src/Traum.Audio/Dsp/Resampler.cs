namespace Traum.Audio.Dsp;

/// <summary>
/// Band-limited windowed-sinc sample-rate conversion for any rate pair (see <see cref="StreamingResampler"/> for the
/// filter: passband to 0.9 × the lower Nyquist frequency, stopband from the lower Nyquist frequency, ≥ 80 dB).
/// </summary>
public static class Resampler
{
    private const int Chunk = 1 << 16;

    /// <summary>Resamples every channel to <paramref name="targetRate"/> Hz; returns the input itself when the rate already matches.</summary>
    public static AudioBuffer Resample(AudioBuffer audio, int targetRate)
    {
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetRate);
        if (audio.SampleRate == targetRate) return audio;
        var outLen = (int)StreamingResampler.OutputLength(audio.Length, audio.SampleRate, targetRate);
        var dst = new float[audio.ChannelCount][];
        for (var c = 0; c < dst.Length; c++) dst[c] = new float[outLen];
        var r = new StreamingResampler(audio.SampleRate, targetRate, audio.ChannelCount);
        var written = 0;
        for (var pos = 0; pos < audio.Length; pos += Chunk)
        {
            written += r.Process(audio.Channels, pos, Math.Min(Chunk, audio.Length - pos), dst, written);
        }
        written += r.Flush(dst, written);
        System.Diagnostics.Debug.Assert(written == outLen, "resampler output length");
        return new AudioBuffer(dst, targetRate);
    }

    /// <summary>
    /// Resamples one channel from <paramref name="sourceRate"/> to <paramref name="targetRate"/> Hz; the result has
    /// round(n·targetRate/sourceRate) samples. Returns a copy when the rates match.
    /// </summary>
    public static float[] Resample(ReadOnlySpan<float> samples, int sourceRate, int targetRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetRate);
        if (sourceRate == targetRate) return samples.ToArray();
        var outLen = (int)StreamingResampler.OutputLength(samples.Length, sourceRate, targetRate);
        var dst = new float[outLen];
        var r = new StreamingResampler(sourceRate, targetRate);
        var written = 0;
        for (var pos = 0; pos < samples.Length; pos += Chunk)
        {
            written += r.Process(samples.Slice(pos, Math.Min(Chunk, samples.Length - pos)), dst.AsSpan(written));
        }
        r.Flush(dst.AsSpan(written));
        return dst;
    }
}
