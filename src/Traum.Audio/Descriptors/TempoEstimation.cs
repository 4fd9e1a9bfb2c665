using System.Numerics.Tensors;

namespace Traum.Audio.Descriptors;

/// <summary>
/// Tempo from the periodicity of the onset envelope. The envelope (mean removed, lightly smoothed) is
/// autocorrelated (unbiased estimate, normalised so lag 0 is 1); each candidate tempo on a 0.05 BPM grid is scored
/// by the mean autocorrelation at all multiples of its beat period that fit (a comb over the lags, read with
/// linear interpolation, so the estimate is finer than a frame); the score is weighted by a log-normal prior over
/// tempo. Octave errors: when the pulse at twice the chosen tempo is nearly as strong (every multiple of the shorter
/// period also carries onsets), the faster tempo wins. The winning score is the confidence.
/// </summary>
internal static class TempoEstimation
{
    private const double GridStepBpm = 0.05;
    private const double MaxLagSeconds = 8.0;

    /// <summary>Tempo in BPM and its confidence (0…1), or null BPM when there is no pulse.</summary>
    public static (double? Bpm, double Confidence) Estimate(ReadOnlySpan<float> envelope, double frameRate, DescriptorOptions options)
    {
        var n = envelope.Length;
        var minPeriod = 60.0 * frameRate / options.MaxBpm;
        if (n < 4 * minPeriod) return (null, 0);

        var x = Smooth(envelope);
        // The first frame's rise is measured from silence and can dwarf every later onset: cap it.
        if (n > 1)
        {
            var restMax = TensorPrimitives.Max<float>(x.AsSpan(1));
            x[0] = Math.Min(x[0], restMax);
        }
        var mean = TensorPrimitives.Sum<float>(x) / n;
        TensorPrimitives.Subtract(x, mean, x);
        var energy = TensorPrimitives.Dot<float>(x, x) / n;
        if (!(energy > 1e-12f)) return (null, 0);

        var maxLag = (int)Math.Min(n - Math.Max(8, n / 4), MaxLagSeconds * frameRate);
        if (maxLag < minPeriod) return (null, 0);
        var r = new double[maxLag + 2];
        for (var lag = 0; lag <= maxLag + 1 && lag < n; lag++)
        {
            var count = n - lag;
            r[lag] = TensorPrimitives.Dot<float>(x.AsSpan(0, count), x.AsSpan(lag, count)) / count / energy;
        }

        var steps = (int)Math.Floor((options.MaxBpm - options.MinBpm) / GridStepBpm) + 1;
        var best = -1;
        var bestScore = double.NegativeInfinity;
        var comb = new double[steps];
        for (var i = 0; i < steps; i++)
        {
            var bpm = options.MinBpm + (i * GridStepBpm);
            comb[i] = Comb(r, maxLag, 60.0 * frameRate / bpm);
            if (double.IsNaN(comb[i])) continue;
            var octaves = Math.Log2(bpm / options.TempoPriorBpm) / options.TempoPriorOctaves;
            var score = comb[i] * Math.Exp(-0.5 * octaves * octaves);
            if (score > bestScore)
            {
                bestScore = score;
                best = i;
            }
        }
        if (best < 0 || !(comb[best] > 0)) return (null, 0);

        // Octave check: prefer the double tempo when its comb score is nearly as high.
        var chosen = best;
        while (true)
        {
            var doubled = LocalMax(comb, (int)Math.Round(((2 * (options.MinBpm + (chosen * GridStepBpm))) - options.MinBpm) / GridStepBpm));
            if (doubled < 0 || comb[doubled] < options.TempoDoublingRatio * comb[chosen]) break;
            chosen = doubled;
        }

        var refined = options.MinBpm + (chosen * GridStepBpm) + (GridStepBpm * ParabolicOffset(comb, chosen));
        var confidence = Math.Clamp(comb[chosen], 0, 1);
        if (confidence < options.MinTempoConfidence) return (null, confidence);
        return (refined, confidence);
    }

    /// <summary>Mean autocorrelation at the multiples of <paramref name="period"/> frames up to the largest lag; NaN when the period does not fit.</summary>
    internal static double Comb(double[] r, int maxLag, double period)
    {
        if (period > maxLag || period < 1) return double.NaN;
        double sum = 0;
        var count = 0;
        for (var lag = period; lag <= maxLag; lag += period)
        {
            var i = (int)lag;
            var frac = lag - i;
            sum += (r[i] * (1 - frac)) + (r[i + 1] * frac);
            count++;
        }
        return sum / count;
    }

    /// <summary>The grid index of the local maximum of <paramref name="comb"/> within ±2 % of index <paramref name="around"/>, or −1 when out of range.</summary>
    private static int LocalMax(double[] comb, int around)
    {
        if (around < 0 || around >= comb.Length) return -1;
        var reach = Math.Max(2, (int)(around * 0.02));
        var lo = Math.Max(0, around - reach);
        var hi = Math.Min(comb.Length - 1, around + reach);
        var best = -1;
        for (var i = lo; i <= hi; i++)
        {
            if (double.IsNaN(comb[i])) continue;
            if (best < 0 || comb[i] > comb[best]) best = i;
        }
        return best;
    }

    /// <summary>Offset in grid steps (−0.5…0.5) of the vertex of the parabola through the peak and its neighbours.</summary>
    private static double ParabolicOffset(double[] y, int i)
    {
        if (i <= 0 || i >= y.Length - 1 || double.IsNaN(y[i - 1]) || double.IsNaN(y[i + 1])) return 0;
        var denominator = y[i - 1] - (2 * y[i]) + y[i + 1];
        if (denominator >= 0) return 0;
        return Math.Clamp(0.5 * (y[i - 1] - y[i + 1]) / denominator, -0.5, 0.5);
    }

    /// <summary>Envelope convolved with a Gaussian of σ = 1 frame (radius 3), same length.</summary>
    private static float[] Smooth(ReadOnlySpan<float> envelope)
    {
        Span<float> kernel = stackalloc float[7];
        var sum = 0f;
        for (var i = -3; i <= 3; i++)
        {
            kernel[i + 3] = MathF.Exp(-0.5f * i * i);
            sum += kernel[i + 3];
        }
        var n = envelope.Length;
        var y = new float[n];
        for (var t = 0; t < n; t++)
        {
            var acc = 0f;
            for (var i = -3; i <= 3; i++)
            {
                var j = t + i;
                if (j >= 0 && j < n) acc += kernel[i + 3] * envelope[j];
            }
            y[t] = acc / sum;
        }
        return y;
    }
}
