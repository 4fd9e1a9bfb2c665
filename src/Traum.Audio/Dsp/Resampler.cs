namespace Traum.Audio.Dsp;

/// <summary>Band-limited windowed-sinc sample-rate conversion for any rate pair.</summary>
public static class Resampler
{
    /// <summary>Resamples every channel to <paramref name="targetRate"/> Hz; returns the input itself when the rate already matches.</summary>
    public static AudioBuffer Resample(AudioBuffer audio, int targetRate) => throw new NotImplementedException("Resampler.Resample");

    /// <summary>Resamples one channel from <paramref name="sourceRate"/> to <paramref name="targetRate"/> Hz.</summary>
    public static float[] Resample(ReadOnlySpan<float> samples, int sourceRate, int targetRate) => throw new NotImplementedException("Resampler.Resample");
}
