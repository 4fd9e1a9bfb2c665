namespace Traum.Generative;

/// <summary>
/// What a category's material is like, measured when a model is trained, so generated stems come out like it: at its
/// dominant sample rate, stereo when most of it is, as long as its median stem (or whole bars at its median tempo), at its
/// median loudness.
/// </summary>
/// <param name="SampleRate">The most common sample rate of the stems, Hz.</param>
/// <param name="Channels">2 when most stems are stereo, else 1.</param>
/// <param name="MedianSeconds">Median stem length, seconds.</param>
/// <param name="Bpm">Median tempo of the stems that have one, or null.</param>
/// <param name="Bars">Whole 4/4 bars at <paramref name="Bpm"/> nearest the median length (at least 1), or null without a tempo.</param>
/// <param name="LoudnessLufs">Median integrated loudness of the stems (LUFS), or null when unknown.</param>
/// <param name="Loops">True when most stems are loops (not one-shots).</param>
public sealed record MaterialProfile(int SampleRate, int Channels, double MedianSeconds, double? Bpm, int? Bars, double? LoudnessLufs, bool Loops)
{
    /// <summary>Output length in seconds: <paramref name="seconds"/> if given, else <paramref name="bars"/> (or the material's bars) at the tempo, else the median length.</summary>
    public double OutputSeconds(double? seconds = null, int? bars = null)
    {
        if (seconds is { } s) return s;
        if ((bars ?? Bars) is { } b && Bpm is { } bpm && bpm > 0) return b * 240.0 / bpm;
        return MedianSeconds;
    }

    /// <summary>The profile of stems given as (rate Hz, channels, seconds, BPM or null, LUFS or null, one-shot or null).</summary>
    public static MaterialProfile Measure(IReadOnlyList<(int Rate, int Channels, double Seconds, double? Bpm, double? Lufs, bool? OneShot)> stems)
    {
        ArgumentNullException.ThrowIfNull(stems);
        if (stems.Count == 0) throw new ArgumentException("No stems to measure.", nameof(stems));
        var rate = stems.GroupBy(s => s.Rate).OrderByDescending(g => g.Count()).ThenByDescending(g => g.Key).First().Key;
        var stereo = stems.Count(s => s.Channels >= 2) * 2 > stems.Count;
        var seconds = Median(stems.Select(s => s.Seconds));
        var bpms = stems.Where(s => s.Bpm is > 0 && double.IsFinite(s.Bpm.Value)).Select(s => s.Bpm!.Value).ToList();
        double? bpm = bpms.Count > 0 ? Median(bpms) : null;
        int? bars = bpm is { } t ? Math.Max(1, (int)Math.Round(seconds / (240.0 / t))) : null;
        var lufs = stems.Where(s => s.Lufs is { } l && double.IsFinite(l) && l > -100).Select(s => s.Lufs!.Value).ToList();
        var loops = stems.Count(s => s.OneShot != true) * 2 > stems.Count;
        return new MaterialProfile(rate, stereo ? 2 : 1, seconds, bpm, loops ? bars : null, lufs.Count > 0 ? Median(lufs) : null, loops);
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[(v.Length / 2) - 1] + v[v.Length / 2]);
    }
}
