namespace Traum.Audio.Loudness;

/// <summary>Loudness and level measurements: ITU-R BS.1770-4 / EBU R128 integrated loudness, sample and true peak, RMS.</summary>
public static class LoudnessMeter
{
    /// <summary>Integrated loudness in LUFS (K-weighting, 400 ms blocks with 75 % overlap, −70 LUFS absolute and −10 LU relative gates); −∞ for silence.</summary>
    public static double IntegratedLufs(AudioBuffer audio) => throw new NotImplementedException("LoudnessMeter.IntegratedLufs");

    /// <summary>Largest absolute sample value in dBFS (−∞ for silence).</summary>
    public static double SamplePeakDb(AudioBuffer audio) => throw new NotImplementedException("LoudnessMeter.SamplePeakDb");

    /// <summary>True peak in dBTP (4× oversampling as BS.1770-4 Annex 2).</summary>
    public static double TruePeakDb(AudioBuffer audio) => throw new NotImplementedException("LoudnessMeter.TruePeakDb");

    /// <summary>RMS level over all channels and samples in dBFS (−∞ for silence).</summary>
    public static double RmsDb(AudioBuffer audio) => throw new NotImplementedException("LoudnessMeter.RmsDb");
}
