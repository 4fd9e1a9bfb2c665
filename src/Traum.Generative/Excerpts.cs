namespace Traum.Generative;

/// <summary>
/// Where fixed-length excerpts start in a stem. Rules, in order:
/// <list type="bullet">
/// <item>The start point is the onset hint (seconds) if given, else for a one-shot the first sample within
/// 30 dB of the peak, else 0.</item>
/// <item>A one-shot (hint, or shorter than one excerpt from its start) gives one excerpt from its start,
/// zero-padded at the end.</item>
/// <item>A loop with a known tempo is cut on bar lines (4/4: a bar is 240/BPM seconds) from the start, stepping by
/// the smallest whole number of bars that is at least one excerpt long, so excerpts never overlap.</item>
/// <item>Anything else is cut into consecutive excerpts; a tail of at least half an excerpt becomes one more
/// (zero-padded).</item>
/// <item>More than <c>max</c> candidates are thinned to <c>max</c> evenly spaced ones.</item>
/// </list>
/// </summary>
public static class Excerpts
{
    /// <summary>Relative level (dB below the peak) that marks a one-shot's onset when no hint is given.</summary>
    public const double OnsetThresholdDb = -30;

    /// <summary>Start samples of the excerpts of <paramref name="mono"/>.</summary>
    /// <param name="mono">Mono samples at <paramref name="sampleRate"/> Hz.</param>
    /// <param name="sampleRate">Sample rate in Hz.</param>
    /// <param name="excerptSamples">Excerpt length in samples.</param>
    /// <param name="hints">Optional tempo/onset/one-shot hints.</param>
    /// <param name="max">At most this many starts.</param>
    public static IReadOnlyList<int> Starts(ReadOnlySpan<float> mono, int sampleRate, int excerptSamples, ExcerptHints? hints, int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(excerptSamples, 0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(max, 0);
        var length = mono.Length;
        if (length == 0) return [];
        int start;
        if (hints?.OnsetSeconds is { } onset && double.IsFinite(onset))
        {
            start = Math.Clamp((int)Math.Round(onset * sampleRate), 0, length - 1);
        }
        else if (hints?.IsOneShot == true || length < excerptSamples)
        {
            start = DetectOnset(mono);
        }
        else
        {
            start = 0;
        }
        var remaining = length - start;
        var oneShot = hints?.IsOneShot ?? remaining < excerptSamples;
        if (oneShot || remaining < excerptSamples) return [start];

        var starts = new List<int>();
        if (hints?.Bpm is { } bpm && double.IsFinite(bpm) && bpm > 0)
        {
            var bar = 240.0 / bpm * sampleRate;
            var bars = Math.Max(1, (int)Math.Ceiling((excerptSamples - 1e-6) / bar));
            for (var k = 0; ; k++)
            {
                var s = start + (int)Math.Round(k * bars * bar);
                if (s + excerptSamples > length) break;
                starts.Add(s);
            }
        }
        else
        {
            var s = start;
            for (; s + excerptSamples <= length; s += excerptSamples) starts.Add(s);
            if (length - s >= excerptSamples / 2) starts.Add(s);
        }
        if (starts.Count == 0) starts.Add(start);
        return Thin(starts, max);
    }

    /// <summary>First sample whose magnitude is within <see cref="OnsetThresholdDb"/> of the peak (0 for silence).</summary>
    public static int DetectOnset(ReadOnlySpan<float> mono)
    {
        var peak = 0f;
        foreach (var v in mono) peak = MathF.Max(peak, MathF.Abs(v));
        if (peak == 0) return 0;
        var threshold = peak * (float)Math.Pow(10, OnsetThresholdDb / 20);
        for (var i = 0; i < mono.Length; i++)
        {
            if (MathF.Abs(mono[i]) >= threshold) return i;
        }
        return 0;
    }

    private static List<int> Thin(List<int> starts, int max)
    {
        if (starts.Count <= max) return starts;
        var picked = new List<int>(max);
        for (var i = 0; i < max; i++) picked.Add(starts[(int)((long)i * starts.Count / max)]);
        return picked;
    }
}

/// <summary>What is known about a stem that helps cut it: tempo in BPM, onset in seconds, one-shot or loop.</summary>
public sealed record ExcerptHints(double? Bpm = null, double? OnsetSeconds = null, bool? IsOneShot = null);
