using System.Numerics.Tensors;

namespace Traum.Audio.Descriptors;

/// <summary>
/// Spectral-flux onset detection on the log-mel spectrum (as librosa's <c>onset_strength</c> and <c>peak_pick</c>):
/// the envelope is the mean over bands of the half-wave-rectified rise in dB from one frame to the next,
/// with levels clipped 80 dB below the loudest band (so the envelope does not depend on gain); peaks are
/// local maxima that rise above a moving average by a fraction of the envelope's range.
/// </summary>
internal static class OnsetDetection
{
    /// <summary>Dynamic range kept below the loudest mel band, in dB (librosa's <c>top_db</c>).</summary>
    internal const float TopDb = 80f;

    /// <summary>Mel band levels in dB, clipped to [max − <see cref="TopDb"/>, max]; row-major <c>[frames, bands]</c>.</summary>
    public static float[] MelDb(FrameAnalysis a)
    {
        var db = new float[a.Mel.Length];
        // A tiny absolute floor only keeps log10 finite; the relative clip below decides (so gain does not matter).
        TensorPrimitives.Max(a.Mel, 1e-30f, db);
        TensorPrimitives.Log10(db, db);
        TensorPrimitives.Multiply(db, 10f, db);
        var floor = TensorPrimitives.Max<float>(db) - TopDb;
        TensorPrimitives.Max(db, floor, db);
        return db;
    }

    /// <summary>Onset strength per frame, in dB of mean rise per band. The frame before the first counts as silent (the floor).</summary>
    public static float[] Envelope(FrameAnalysis a, float[] melDb)
    {
        var bands = a.MelBands;
        var env = new float[a.Frames];
        if (melDb.Length == 0) return env;
        var floor = TensorPrimitives.Min<float>(melDb);
        var diff = new float[bands];
        for (var t = 0; t < a.Frames; t++)
        {
            var row = melDb.AsSpan(t * bands, bands);
            if (t == 0)
            {
                TensorPrimitives.Subtract(row, floor, diff);
            }
            else
            {
                TensorPrimitives.Subtract(row, melDb.AsSpan((t - 1) * bands, bands), diff);
            }
            TensorPrimitives.Max(diff, 0f, diff);
            env[t] = TensorPrimitives.Sum<float>(diff) / bands;
        }
        return env;
    }

    /// <summary>
    /// Onset strength weighted by loudness, for tempo: the mean over bands of the rise of log10(1 + 1000·P/Pmax), where
    /// Pmax is the largest mel band power of the signal. Unlike the dB flux, quiet events (soft hats under a loud kick
    /// and snare) rise only a little, so the beat rather than the subdivision dominates the periodicity.
    /// </summary>
    public static float[] LoudnessEnvelope(FrameAnalysis a)
    {
        var bands = a.MelBands;
        var env = new float[a.Frames];
        var max = a.Mel.Length == 0 ? 0 : TensorPrimitives.Max<float>(a.Mel);
        if (!(max > 0)) return env;
        var scale = 1000f / max;
        var previous = new float[bands];
        var current = new float[bands];
        var diff = new float[bands];
        for (var t = 0; t < a.Frames; t++)
        {
            TensorPrimitives.Multiply(a.Mel.AsSpan(t * bands, bands), scale, current);
            TensorPrimitives.Add(current, 1f, current);
            TensorPrimitives.Log10(current, current);
            TensorPrimitives.Subtract(current, previous, diff);
            TensorPrimitives.Max(diff, 0f, diff);
            env[t] = TensorPrimitives.Sum<float>(diff) / bands;
            (previous, current) = (current, previous);
        }
        return env;
    }

    /// <summary>
    /// Frame indices of onsets. A frame is an onset when it is the maximum within ±30 ms, exceeds the mean over
    /// [−100 ms, +100 ms] by <paramref name="delta"/> × (max − min) of the envelope, exceeds twice the envelope's
    /// median (stationary noise has no onsets), and comes at least 30 ms after the previous onset.
    /// </summary>
    public static List<int> PickPeaks(ReadOnlySpan<float> envelope, double frameRate, double delta)
    {
        var onsets = new List<int>();
        var n = envelope.Length;
        if (n == 0) return onsets;
        var max = TensorPrimitives.Max(envelope);
        var min = TensorPrimitives.Min(envelope);
        if (max <= 0) return onsets;
        if (n == 1)
        {
            onsets.Add(0);
            return onsets;
        }
        var range = max - min;
        if (range <= 0) return onsets;

        var sorted = envelope.ToArray();
        Array.Sort(sorted);
        var median = sorted[n / 2];

        var maxReach = Math.Max(1, (int)Math.Ceiling(0.03 * frameRate));
        var avgReach = Math.Max(1, (int)Math.Ceiling(0.10 * frameRate));
        var wait = Math.Max(1, (int)Math.Ceiling(0.03 * frameRate));
        var threshold = (float)(delta * range);
        var last = -wait - 1;
        for (var t = 0; t < n; t++)
        {
            var v = envelope[t];
            if (v <= 2 * median || v <= min) continue;
            var lo = Math.Max(0, t - maxReach);
            var hi = Math.Min(n - 1, t + maxReach);
            if (TensorPrimitives.Max(envelope[lo..(hi + 1)]) > v) continue;
            var alo = Math.Max(0, t - avgReach);
            var ahi = Math.Min(n - 1, t + avgReach);
            var mean = TensorPrimitives.Sum(envelope[alo..(ahi + 1)]) / (ahi - alo + 1);
            if (v < mean + threshold) continue;
            if (t - last <= wait) continue;
            onsets.Add(t);
            last = t;
        }
        return onsets;
    }
}
