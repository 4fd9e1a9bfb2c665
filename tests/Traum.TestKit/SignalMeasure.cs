namespace Traum.TestKit;

/// <summary>Independent measurements on test signals (least-squares sine fits, RMS), in double precision.</summary>
public static class SignalMeasure
{
    /// <summary>
    /// Least-squares fit of a·sin(2πf·i/sr) + b·cos(2πf·i/sr) over samples [start, end): returns the amplitude
    /// √(a²+b²) and the phase φ with x ≈ A·sin(2πf·i/sr + φ).
    /// </summary>
    public static (double Amplitude, double Phase) FitSine(ReadOnlySpan<float> x, int start, int end, double frequency, double sampleRate)
    {
        double ss = 0, cc = 0, sc = 0, xs = 0, xc = 0;
        for (var i = start; i < end; i++)
        {
            var w = 2 * Math.PI * frequency * i / sampleRate;
            var s = Math.Sin(w);
            var c = Math.Cos(w);
            ss += s * s;
            cc += c * c;
            sc += s * c;
            xs += x[i] * s;
            xc += x[i] * c;
        }
        var det = (ss * cc) - (sc * sc);
        var a = ((xs * cc) - (xc * sc)) / det;
        var b = ((xc * ss) - (xs * sc)) / det;
        return (Math.Sqrt((a * a) + (b * b)), Math.Atan2(b, a));
    }

    /// <summary>RMS of samples [start, end).</summary>
    public static double Rms(ReadOnlySpan<float> x, int start, int end)
    {
        double s = 0;
        for (var i = start; i < end; i++) s += (double)x[i] * x[i];
        return Math.Sqrt(s / Math.Max(1, end - start));
    }

    /// <summary>20·log10(value).</summary>
    public static double Db(double linear) => 20 * Math.Log10(linear);
}
