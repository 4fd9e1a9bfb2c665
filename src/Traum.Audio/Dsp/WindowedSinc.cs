namespace Traum.Audio.Dsp;

/// <summary>Kaiser-windowed sinc kernels shared by the resampler and the true-peak interpolator.</summary>
internal static class WindowedSinc
{
    /// <summary>Zeroth-order modified Bessel function of the first kind, by its power series.</summary>
    public static double BesselI0(double x)
    {
        var sum = 1.0;
        var term = 1.0;
        var q = x * x / 4.0;
        for (var k = 1; k < 200; k++)
        {
            term *= q / ((double)k * k);
            sum += term;
            if (term < sum * 1e-17) break;
        }
        return sum;
    }

    /// <summary>Kaiser β for a stopband attenuation of <paramref name="attenuationDb"/> dB (Kaiser's empirical formula).</summary>
    public static double KaiserBeta(double attenuationDb) => attenuationDb > 50
        ? 0.1102 * (attenuationDb - 8.7)
        : attenuationDb >= 21 ? (0.5842 * Math.Pow(attenuationDb - 21, 0.4)) + (0.07886 * (attenuationDb - 21)) : 0.0;

    /// <summary>
    /// Full filter length (in samples of the rate the transition width is measured in) that a Kaiser design needs
    /// for <paramref name="attenuationDb"/> dB over a transition of <paramref name="transitionCycles"/> cycles per sample.
    /// </summary>
    public static double KaiserLength(double attenuationDb, double transitionCycles) =>
        (attenuationDb - 7.95) / (14.36 * transitionCycles);

    /// <summary>sin(πx)/(πx).</summary>
    public static double Sinc(double x)
    {
        if (Math.Abs(x) < 1e-12) return 1.0;
        var px = Math.PI * x;
        return Math.Sin(px) / px;
    }

    /// <summary>
    /// Low-pass kernel value at offset <paramref name="tau"/> (in samples): 2·fc·sinc(2·fc·τ)·kaiser(τ / halfWidth),
    /// where <paramref name="cutoffCycles"/> = fc is the cutoff in cycles per sample; 0 outside ±halfWidth. DC gain ≈ 1.
    /// </summary>
    public static double Kernel(double tau, double cutoffCycles, double halfWidth, double beta, double i0Beta)
    {
        var r = tau / halfWidth;
        if (r <= -1.0 || r >= 1.0) return 0.0;
        var w = BesselI0(beta * Math.Sqrt(1.0 - (r * r))) / i0Beta;
        return 2.0 * cutoffCycles * Sinc(2.0 * cutoffCycles * tau) * w;
    }
}
