namespace Traum.Audio.Spectral;

/// <summary>Mel scale used to place filter centres.</summary>
public enum MelScale
{
    /// <summary>Slaney (Auditory Toolbox): linear below 1 kHz, logarithmic above. librosa's default.</summary>
    Slaney,
    /// <summary>HTK: 2595·log10(1 + f/700).</summary>
    Htk,
}

/// <summary>Filter normalisation.</summary>
public enum MelNorm
{
    /// <summary>Peak 1 per triangle.</summary>
    None,
    /// <summary>Each triangle scaled by 2 / (upper edge − lower edge in Hz): constant energy per filter.</summary>
    Slaney,
}

/// <summary>
/// Triangular mel filterbanks equal to librosa's <c>filters.mel</c> (computed in double precision, stored as float32).
/// </summary>
public static class MelFilterBank
{
    private const double FSp = 200.0 / 3.0;
    private const double MinLogHz = 1000.0;
    private const double MinLogMel = MinLogHz / FSp;
    private static readonly double LogStep = Math.Log(6.4) / 27.0;

    /// <summary>Hz → mel.</summary>
    public static double HzToMel(double hz, MelScale scale)
    {
        if (scale == MelScale.Htk) return 2595.0 * Math.Log10(1.0 + (hz / 700.0));
        return hz >= MinLogHz ? MinLogMel + (Math.Log(hz / MinLogHz) / LogStep) : hz / FSp;
    }

    /// <summary>mel → Hz.</summary>
    public static double MelToHz(double mel, MelScale scale)
    {
        if (scale == MelScale.Htk) return 700.0 * (Math.Pow(10.0, mel / 2595.0) - 1.0);
        return mel >= MinLogMel ? MinLogHz * Math.Exp(LogStep * (mel - MinLogMel)) : FSp * mel;
    }

    /// <summary>
    /// Filter weights as a row-major <c>[nMels, nFft/2 + 1]</c> array: row m holds filter m's weight per FFT bin.
    /// </summary>
    /// <param name="sampleRate">Hz.</param>
    /// <param name="nFft">FFT size in samples.</param>
    /// <param name="nMels">Number of filters.</param>
    /// <param name="fMin">Lowest edge in Hz.</param>
    /// <param name="fMax">Highest edge in Hz (defaults to Nyquist).</param>
    /// <param name="scale">Mel scale used to place the filter edges (Slaney, as librosa's default, or HTK).</param>
    /// <param name="norm">Filter normalisation: Slaney (constant energy per filter, librosa's default) or none (peak 1).</param>
    public static float[] Create(int sampleRate, int nFft, int nMels, double fMin = 0, double? fMax = null,
        MelScale scale = MelScale.Slaney, MelNorm norm = MelNorm.Slaney)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfLessThan(nFft, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(nMels, 1);
        var top = fMax ?? (sampleRate / 2.0);
        if (fMin < 0 || top <= fMin) throw new ArgumentOutOfRangeException(nameof(fMax), "Need 0 <= fMin < fMax.");
        var bins = (nFft / 2) + 1;
        var fftFreqs = new double[bins];
        for (var k = 0; k < bins; k++) fftFreqs[k] = (double)k * sampleRate / nFft;

        var melMin = HzToMel(fMin, scale);
        var melMax = HzToMel(top, scale);
        var melF = new double[nMels + 2];
        for (var i = 0; i < melF.Length; i++)
        {
            melF[i] = MelToHz(melMin + ((melMax - melMin) * i / (nMels + 1)), scale);
        }

        var w = new float[nMels * bins];
        for (var m = 0; m < nMels; m++)
        {
            var lowerDiff = melF[m + 1] - melF[m];
            var upperDiff = melF[m + 2] - melF[m + 1];
            var enorm = norm == MelNorm.Slaney ? 2.0 / (melF[m + 2] - melF[m]) : 1.0;
            for (var k = 0; k < bins; k++)
            {
                var lower = (fftFreqs[k] - melF[m]) / lowerDiff;
                var upper = (melF[m + 2] - fftFreqs[k]) / upperDiff;
                var v = Math.Max(0.0, Math.Min(lower, upper));
                w[(m * bins) + k] = (float)(v * enorm);
            }
        }
        return w;
    }
}
