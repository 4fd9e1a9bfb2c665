namespace Traum.Audio.Loudness;

/// <summary>Loudness and level measurements: ITU-R BS.1770-4 / EBU R128 integrated loudness, sample and true peak, RMS.</summary>
public static class LoudnessMeter
{
    /// <summary>All four measurements in one pass (see <see cref="LoudnessAnalyzer"/>).</summary>
    public static LoudnessMeasurement Measure(AudioBuffer audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var a = new LoudnessAnalyzer(audio.SampleRate, audio.ChannelCount);
        a.Add(audio.Channels, 0, audio.Length);
        return a.Result;
    }

    /// <summary>Integrated loudness in LUFS (K-weighting, 400 ms blocks with 75 % overlap, −70 LUFS absolute and −10 LU relative gates); −∞ for silence.</summary>
    public static double IntegratedLufs(AudioBuffer audio) => Measure(audio).IntegratedLufs;

    /// <summary>Largest absolute sample value in dBFS (−∞ for silence).</summary>
    public static double SamplePeakDb(AudioBuffer audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var peak = 0f;
        foreach (var c in audio.Channels)
        {
            if (c.Length > 0) peak = Math.Max(peak, Math.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(c)));
        }
        return 20 * Math.Log10(peak);
    }

    /// <summary>True peak in dBTP (4× oversampling as BS.1770-4 Annex 2).</summary>
    public static double TruePeakDb(AudioBuffer audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var m = new TruePeakMeter(audio.SampleRate, audio.ChannelCount);
        m.Add(audio.Channels, 0, audio.Length);
        m.Finish();
        return 20 * Math.Log10(m.Peak);
    }

    /// <summary>RMS level over all channels and samples in dBFS (−∞ for silence).</summary>
    public static double RmsDb(AudioBuffer audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        double sum = 0;
        foreach (var c in audio.Channels) sum += System.Numerics.Tensors.TensorPrimitives.SumOfSquares(c);
        return audio.Length == 0 ? double.NegativeInfinity : 10 * Math.Log10(sum / ((double)audio.Length * audio.ChannelCount));
    }
}
