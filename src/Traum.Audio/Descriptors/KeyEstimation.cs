using System.Numerics.Tensors;

namespace Traum.Audio.Descriptors;

/// <summary>
/// Key and mode from a chroma vector correlated with 24 rotated key profiles (Krumhansl-Schmuckler).
/// The chroma is built from the spectral peaks of a long-window mean power spectrum (<see cref="DescriptorOptions.ChromaFftSize"/>
/// samples, so that neighbouring semitones are resolved down to about 100 Hz): each local maximum between
/// <see cref="DescriptorOptions.ChromaMinHz"/> and <see cref="DescriptorOptions.ChromaMaxHz"/> that stands at
/// least <see cref="ProminenceRatio"/>× above the mean power of the surrounding ±<see cref="ProminenceReach"/> bins
/// gets its frequency refined by parabolic interpolation of the log power, and its amplitude is added to the
/// nearest pitch class with a cos² weight that falls to 0 at 2/3 of a semitone (as in HPCP). Stationary
/// noise has no prominent peaks, so it has no key.
/// </summary>
internal static class KeyEstimation
{
    internal const double ProminenceRatio = 4.0;
    internal const int ProminenceReach = 8;

    /// <summary>A chroma whose second strongest pitch class is below this fraction of the strongest is a single pitch.</summary>
    internal const double SinglePitchRatio = 0.1;

    /// <summary>Pitch-class names with sharps, index 0 = C.</summary>
    internal static readonly string[] PitchClasses = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];

    // Krumhansl & Kessler (1982), tonic first.
    private static readonly double[] s_kkMajor = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
    private static readonly double[] s_kkMinor = [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];

    // Temperley (1999), tonic first.
    private static readonly double[] s_tMajor = [5.0, 2.0, 3.5, 2.0, 4.5, 4.0, 2.0, 4.5, 2.0, 3.5, 1.5, 4.0];
    private static readonly double[] s_tMinor = [5.0, 2.0, 3.5, 4.5, 2.0, 4.0, 2.0, 4.5, 3.5, 2.0, 1.5, 4.0];

    /// <summary>
    /// Key of a mono signal at <paramref name="sampleRate"/> Hz: tonic name, "major"/"minor", and the correlation (0…1).
    /// No key when less than <see cref="DescriptorOptions.MinTonalFraction"/> of the spectral power in the chroma range
    /// lies in prominent peaks (drums, noise) or when the best correlation is below
    /// <see cref="DescriptorOptions.MinKeyCorrelation"/>. A single pitched sound (the second strongest pitch class below
    /// <see cref="SinglePitchRatio"/> of the strongest, e.g. a tuned drum or one sine) gets its pitch class as key and no
    /// mode, with the strongest pitch class's share of the chroma as confidence.
    /// </summary>
    public static (string? Key, string? Mode, double Confidence) Estimate(float[] signal, int sampleRate, DescriptorOptions options, CancellationToken cancellationToken)
    {
        var spectrum = MeanSpectrum(signal, options.ChromaFftSize, cancellationToken);
        var chroma = Chroma(spectrum, sampleRate, options.ChromaFftSize, options.ChromaMinHz, options.ChromaMaxHz, out var tonal);
        if (tonal < options.MinTonalFraction) return (null, null, 0);
        var strongest = 0;
        for (var i = 1; i < 12; i++)
        {
            if (chroma[i] > chroma[strongest]) strongest = i;
        }
        double second = 0, total = 0;
        for (var i = 0; i < 12; i++)
        {
            total += chroma[i];
            if (i != strongest) second = Math.Max(second, chroma[i]);
        }
        if (!(total > 0)) return (null, null, 0);
        if (second < SinglePitchRatio * chroma[strongest]) return (PitchClasses[strongest], null, chroma[strongest] / total);

        var (tonic, minor, correlation) = BestKey(chroma, options.KeyProfile);
        if (tonic < 0 || correlation < options.MinKeyCorrelation) return (null, null, 0);
        return (PitchClasses[tonic], minor ? "minor" : "major", Math.Clamp(correlation, 0, 1));
    }

    /// <summary>
    /// Mean power spectrum (<c>nFft/2 + 1</c> bins) of consecutive, non-overlapping Hann-windowed frames of
    /// <paramref name="nFft"/> samples from sample 0; a signal shorter than a frame is zero-padded to one frame.
    /// (Only the long-term pitch content matters here, so the frames need not overlap.)
    /// </summary>
    public static float[] MeanSpectrum(ReadOnlySpan<float> signal, int nFft, CancellationToken cancellationToken)
    {
        var fft = new RealFft(nFft);
        var bins = (nFft / 2) + 1;
        var sum = new float[bins];
        var power = new float[bins];
        var frame = new float[nFft];
        var window = new float[nFft];
        for (var i = 0; i < nFft; i++) window[i] = (float)(0.5 - (0.5 * Math.Cos(2 * Math.PI * i / nFft)));
        var hop = nFft;
        var frames = 0;
        for (var start = 0; start == 0 || start + nFft <= signal.Length; start += hop)
        {
            if ((frames & 63) == 0) cancellationToken.ThrowIfCancellationRequested();
            Array.Clear(frame);
            var len = Math.Min(nFft, signal.Length - start);
            if (len > 0) signal.Slice(start, len).CopyTo(frame);
            TensorPrimitives.Multiply(frame, window, frame);
            fft.Power(frame, power);
            TensorPrimitives.Add(sum, power, sum);
            frames++;
        }
        TensorPrimitives.Multiply(sum, 1f / frames, sum);
        return sum;
    }

    /// <summary>Chroma (12 pitch-class amplitudes, C first) from a mean power spectrum of <c>nFft/2+1</c> bins.</summary>
    public static double[] Chroma(ReadOnlySpan<float> spectrum, int sampleRate, int nFft, double minHz, double maxHz, out double tonalFraction)
    {
        var chroma = new double[12];
        double peakPower = 0;
        var bins = spectrum.Length;
        var prefix = new double[bins + 1];
        for (var k = 0; k < bins; k++) prefix[k + 1] = prefix[k] + spectrum[k];
        var binHz = (double)sampleRate / nFft;
        var kLo = Math.Max(1, (int)Math.Floor(minHz / binHz));
        var kHi = Math.Min(bins - 2, (int)Math.Ceiling(maxHz / binHz));
        for (var k = kLo; k <= kHi; k++)
        {
            var p = spectrum[k];
            if (!(p > FrameAnalysis.PowerFloor) || p <= spectrum[k - 1] || p < spectrum[k + 1]) continue;
            var lo = Math.Max(0, k - ProminenceReach);
            var hi = Math.Min(bins - 1, k + ProminenceReach);
            var localMean = (prefix[hi + 1] - prefix[lo]) / (hi - lo + 1);
            if (p < ProminenceRatio * localMean) continue;

            var a = Math.Log(Math.Max(spectrum[k - 1], FrameAnalysis.PowerFloor));
            var b = Math.Log(p);
            var c = Math.Log(Math.Max(spectrum[k + 1], FrameAnalysis.PowerFloor));
            var denominator = a - (2 * b) + c;
            var offset = denominator < 0 ? Math.Clamp(0.5 * (a - c) / denominator, -0.5, 0.5) : 0;
            var hz = (k + offset) * binHz;
            if (hz < minHz || hz > maxHz) continue;
            var midi = 69 + (12 * Math.Log2(hz / 440.0));
            var nearest = Math.Round(midi);
            var distance = Math.Abs(midi - nearest);
            var weight = Math.Cos(Math.PI * distance / (4.0 / 3.0));
            var pitchClass = (((int)nearest % 12) + 12) % 12;
            chroma[pitchClass] += Math.Sqrt(p) * weight * weight;
            peakPower += spectrum[k - 1] + p + spectrum[k + 1];
        }
        var total = prefix[kHi + 1] - prefix[kLo];
        tonalFraction = total > 0 ? Math.Min(1, peakPower / total) : 0;
        return chroma;
    }

    /// <summary>
    /// Best of the 24 keys by Pearson correlation of <paramref name="chroma"/> with the rotated profiles:
    /// tonic pitch class (0 = C), whether minor, and the correlation; tonic −1 when the chroma is empty or flat.
    /// </summary>
    public static (int Tonic, bool Minor, double Correlation) BestKey(ReadOnlySpan<double> chroma, KeyProfile profile)
    {
        var (major, minor) = profile == KeyProfile.Temperley ? (s_tMajor, s_tMinor) : (s_kkMajor, s_kkMinor);
        var best = (Tonic: -1, Minor: false, Correlation: double.NegativeInfinity);
        for (var tonic = 0; tonic < 12; tonic++)
        {
            var rMajor = Correlation(chroma, major, tonic);
            if (rMajor > best.Correlation) best = (tonic, false, rMajor);
            var rMinor = Correlation(chroma, minor, tonic);
            if (rMinor > best.Correlation) best = (tonic, true, rMinor);
        }
        return double.IsFinite(best.Correlation) ? best : (-1, false, 0);
    }

    /// <summary>Pearson correlation of chroma[(tonic + i) mod 12] with profile[i]; NaN when either is constant.</summary>
    internal static double Correlation(ReadOnlySpan<double> chroma, double[] profile, int tonic)
    {
        double mc = 0, mp = 0;
        for (var i = 0; i < 12; i++)
        {
            mc += chroma[(tonic + i) % 12];
            mp += profile[i];
        }
        mc /= 12;
        mp /= 12;
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < 12; i++)
        {
            var dx = chroma[(tonic + i) % 12] - mc;
            var dy = profile[i] - mp;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        var d = Math.Sqrt(sxx * syy);
        return d > 0 ? sxy / d : double.NaN;
    }
}
