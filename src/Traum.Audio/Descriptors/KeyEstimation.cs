using System.Numerics.Tensors;
using Traum.Core;

namespace Traum.Audio.Descriptors;

/// <summary>
/// Key and mode in four steps (docs/descriptors.md):
/// <list type="number">
/// <item>Spectral peaks of a long-window mean power spectrum (<see cref="DescriptorOptions.ChromaFftSize"/> samples)
/// between <see cref="DescriptorOptions.ChromaMinHz"/> and <see cref="DescriptorOptions.ChromaMaxHz"/> that stand
/// <see cref="ProminenceRatio"/>× above their surroundings, frequency refined by a parabola through the log power.</item>
/// <item>Tuning: the amplitude-weighted circular mean of the peaks' deviations from equal temperament at A = 440 Hz.</item>
/// <item>Notes by harmonic grouping, from the lowest peak up: a peak within <see cref="HarmonicToleranceCents"/> of a
/// harmonic (2…<see cref="MaxHarmonic"/>) of a note already found, and not louder than that note's fundamental, is
/// that note's overtone; otherwise it starts a note. Each note's salience is its fundamental's amplitude plus half its
/// overtones', and the chroma is the salience per pitch class: overtones no longer bias it towards the fifth and the
/// major third.</item>
/// <item>Pitched or not: no key when less than <see cref="DescriptorOptions.MinTonalFraction"/> of the power lies in
/// peaks, or when the sound decays and less than <see cref="MinHarmonicShare"/> of its salience is in notes with at
/// least <see cref="MinPartials"/> partials (snares, congas, rides,
/// kicks: sine-like or inharmonic). A chroma whose second pitch class is below <see cref="SinglePitchRatio"/> of the first
/// is a single note: a root without a mode. Otherwise the opening quarter's chroma is added once more (loops open on
/// their tonic) and the chroma is correlated with the 24 rotations of the chosen profiles.</item>
/// </list>
/// </summary>
internal static class KeyEstimation
{
    internal const double ProminenceRatio = 4.0;
    internal const int ProminenceReach = 8;
    internal const double HarmonicToleranceCents = 40;
    internal const int MaxHarmonic = 10;

    /// <summary>A chroma whose second strongest pitch class is below this fraction of the strongest is a single note.</summary>
    internal const double SinglePitchRatio = 0.15;

    /// <summary>A note needs this many partials (fundamental included) to count as harmonic.</summary>
    internal const int MinPartials = 3;

    /// <summary>A decaying sound with less of its salience in harmonic notes is a drum, not a pitched hit.</summary>
    internal const double MinHarmonicShare = 0.6;

    /// <summary>Weight of the opening quarter's chroma, scaled to the whole's total, added to the whole's.</summary>
    internal const double OpeningWeight = 0.5;

    private static double[] Chroma(List<Note> notes, double tuning)
    {
        var chroma = new double[12];
        foreach (var n in notes) chroma[PitchClassOf(n.Hz, tuning)] += n.Salience;
        return chroma;
    }

    // Krumhansl & Kessler (1982), tonic first.
    private static readonly double[] s_kkMajor = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
    private static readonly double[] s_kkMinor = [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];

    // Temperley (1999), tonic first.
    private static readonly double[] s_tMajor = [5.0, 2.0, 3.5, 2.0, 4.5, 4.0, 2.0, 4.5, 2.0, 3.5, 1.5, 4.0];
    private static readonly double[] s_tMinor = [5.0, 2.0, 3.5, 4.5, 2.0, 4.0, 2.0, 4.5, 3.5, 2.0, 1.5, 4.0];

    // Faraldo et al. (2016), electronic dance music: "edma" (automatic from a corpus) and "bgate" (Beatport set), as
    // published with Essentia's KeyEDM.
    private static readonly double[] s_edmaMajor = [1.0000, 0.2875, 0.5020, 0.4048, 0.6050, 0.5614, 0.3205, 0.7966, 0.3159, 0.4506, 0.4202, 0.3889];
    private static readonly double[] s_edmaMinor = [1.0000, 0.3096, 0.4415, 0.5827, 0.3262, 0.4948, 0.2889, 0.7804, 0.4328, 0.2903, 0.5331, 0.3217];
    private static readonly double[] s_bgateMajor = [1.00, 0.00, 0.42, 0.00, 0.53, 0.37, 0.00, 0.77, 0.00, 0.38, 0.21, 0.30];
    private static readonly double[] s_bgateMinor = [1.00, 0.00, 0.36, 0.39, 0.00, 0.38, 0.00, 0.74, 0.27, 0.00, 0.42, 0.23];

    /// <summary>A group of harmonic peaks: fundamental in Hz, its amplitude, salience and the number of peaks in it.</summary>
    internal readonly record struct Note(double Hz, double Amplitude, double Salience, int Partials);

    /// <summary>
    /// Key of a mono signal at <paramref name="sampleRate"/> Hz: tonic name (<see cref="KeyNames"/>), "major"/"minor" or
    /// null, and a confidence (0…1). <paramref name="decays"/> says whether the sound dies away (a hit).
    /// </summary>
    public static (string? Key, string? Mode, double Confidence) Estimate(float[] signal, int sampleRate, bool decays, DescriptorOptions options, CancellationToken cancellationToken)
    {
        var spectrum = MeanSpectrum(signal, options.ChromaFftSize, cancellationToken);
        var peaks = Peaks(spectrum, sampleRate, options.ChromaFftSize, options.ChromaMinHz, options.ChromaMaxHz, out var tonal);
        if (tonal < options.MinTonalFraction || peaks.Count == 0) return (null, null, 0);
        var tuning = TuningCents(peaks);
        var notes = Group(peaks);
        double all = 0, harmonic = 0;
        foreach (var n in notes)
        {
            all += n.Salience;
            if (n.Partials >= MinPartials) harmonic += n.Salience;
        }
        if (!(all > 0)) return (null, null, 0);
        if (decays && harmonic < MinHarmonicShare * all) return (null, null, 0);

        var chroma = Chroma(notes, tuning);
        // Loops open on their tonic: the first quarter (at least one window) counts twice, which tells a minor loop
        // from its relative major when both use the same chords.
        var opening = Math.Max(options.ChromaFftSize, signal.Length / 4);
        if (opening < signal.Length)
        {
            var head = Peaks(MeanSpectrum(signal.AsSpan(0, opening), options.ChromaFftSize, cancellationToken), sampleRate, options.ChromaFftSize, options.ChromaMinHz, options.ChromaMaxHz, out _);
            var headChroma = Chroma(Group(head), tuning);
            double sumAll = 0, sumHead = 0;
            for (var i = 0; i < 12; i++)
            {
                sumAll += chroma[i];
                sumHead += headChroma[i];
            }
            if (sumHead > 0)
            {
                for (var i = 0; i < 12; i++) chroma[i] += OpeningWeight * headChroma[i] * sumAll / sumHead;
            }
        }
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
        if (second < SinglePitchRatio * chroma[strongest]) return (KeyNames.Spell(strongest), null, chroma[strongest] / total);

        var (tonic, minor, correlation) = BestKey(chroma, options.KeyProfile);
        if (tonic < 0 || correlation < options.MinKeyCorrelation) return (null, null, 0);
        return (KeyNames.Spell(tonic), minor ? "minor" : "major", Math.Clamp(correlation, 0, 1));
    }

    /// <summary>
    /// Mean power spectrum (<c>nFft/2 + 1</c> bins) of Hann-windowed frames of <paramref name="nFft"/> samples at half
    /// overlap from sample 0; a signal shorter than a frame is zero-padded to one frame.
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
        var hop = nFft / 2;
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

    /// <summary>Prominent peaks (Hz, amplitude √power) of a mean power spectrum, lowest first; the share of the band's power in them.</summary>
    internal static List<(double Hz, double Amplitude)> Peaks(ReadOnlySpan<float> spectrum, int sampleRate, int nFft, double minHz, double maxHz, out double tonalFraction)
    {
        var peaks = new List<(double, double)>();
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
            peaks.Add((hz, Math.Sqrt(spectrum[k - 1] + p + spectrum[k + 1])));
            peakPower += spectrum[k - 1] + p + spectrum[k + 1];
        }
        var total = prefix[kHi + 1] - prefix[kLo];
        tonalFraction = total > 0 ? Math.Min(1, peakPower / total) : 0;
        return peaks;
    }

    /// <summary>Amplitude-weighted circular mean of the peaks' deviations from the equal-tempered grid at A = 440 Hz, in cents (−50…50).</summary>
    internal static double TuningCents(List<(double Hz, double Amplitude)> peaks)
    {
        double s = 0, c = 0;
        foreach (var (hz, amp) in peaks)
        {
            var midi = 69 + (12 * Math.Log2(hz / 440.0));
            var angle = 2 * Math.PI * (midi - Math.Round(midi));
            s += amp * Math.Sin(angle);
            c += amp * Math.Cos(angle);
        }
        return s == 0 && c == 0 ? 0 : 100 * Math.Atan2(s, c) / (2 * Math.PI);
    }

    /// <summary>Harmonic grouping of the peaks (lowest first) into notes (see the type's remarks).</summary>
    internal static List<Note> Group(List<(double Hz, double Amplitude)> peaks)
    {
        var notes = new List<Note>();
        foreach (var (hz, amp) in peaks)
        {
            var absorbed = false;
            for (var j = 0; j < notes.Count; j++)
            {
                var n = notes[j];
                var h = (int)Math.Round(hz / n.Hz);
                if (h < 2 || h > MaxHarmonic) continue;
                var cents = Math.Abs(1200 * Math.Log2(hz / (h * n.Hz)));
                if (cents > HarmonicToleranceCents || amp > (h == 2 ? 1.2 : 1.0) * n.Amplitude) continue;
                notes[j] = n with { Salience = n.Salience + (0.5 * amp), Partials = n.Partials + 1 };
                absorbed = true;
                break;
            }
            if (!absorbed) notes.Add(new Note(hz, amp, amp, 1));
        }
        return notes;
    }

    private static int PitchClassOf(double hz, double tuningCents)
    {
        var midi = 69 + (12 * Math.Log2(hz / 440.0)) - (tuningCents / 100);
        return (((int)Math.Round(midi) % 12) + 12) % 12;
    }

    /// <summary>
    /// Best of the 24 keys by Pearson correlation of <paramref name="chroma"/> with the rotated profiles:
    /// tonic pitch class (0 = C), whether minor, and the correlation; tonic −1 when the chroma is empty or flat.
    /// </summary>
    public static (int Tonic, bool Minor, double Correlation) BestKey(ReadOnlySpan<double> chroma, KeyProfile profile)
    {
        var (major, minor) = Profiles(profile);
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

    internal static (double[] Major, double[] Minor) Profiles(KeyProfile profile) => profile switch
    {
        KeyProfile.Temperley => (s_tMajor, s_tMinor),
        KeyProfile.Edma => (s_edmaMajor, s_edmaMinor),
        KeyProfile.Bgate => (s_bgateMajor, s_bgateMinor),
        _ => (s_kkMajor, s_kkMinor),
    };

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
