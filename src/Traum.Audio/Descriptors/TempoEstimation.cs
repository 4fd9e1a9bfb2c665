using System.Numerics.Tensors;

namespace Traum.Audio.Descriptors;

/// <summary>
/// Tempo from the periodicity of the onset envelope. The envelope (mean removed, lightly smoothed) is
/// autocorrelated (unbiased estimate, normalised so lag 0 is 1); each candidate rate on a 0.05 BPM grid from
/// <see cref="DescriptorOptions.MinBpm"/> to <see cref="DescriptorOptions.MaxPulseBpm"/> is scored by the mean
/// autocorrelation at all multiples of its period that fit (a comb over the lags, read with linear interpolation, so
/// the estimate is finer than a frame). The most likely beat maximises that score times a log-normal prior over tempo
/// (which keeps the bar of an exactly repeated loop from winning); the pulse is then the fastest local maximum scoring
/// at least <see cref="DescriptorOptions.PulseRatio"/> of the beat's score (a rate whose every multiple carries onsets
/// scores as high as its slower octaves; a rate with empty multiples scores lower). Octave errors are resolved by convention, as
/// DJ software does: the pulse is halved until it lies below 2 × <see cref="DescriptorOptions.PreferredMinBpm"/>
/// (88–176 BPM by default), then refined at the comb's nearest peak. The beat's score is the confidence.
/// </summary>
internal static class TempoEstimation
{
    private const double GridStepBpm = 0.05;
    private const double MaxLagSeconds = 8.0;

    /// <summary>Tempo in BPM and its confidence (0…1), or null BPM when there is no pulse.</summary>
    public static (double? Bpm, double Confidence) Estimate(ReadOnlySpan<float> envelope, double frameRate, DescriptorOptions options)
    {
        var n = envelope.Length;
        var minPeriod = 60.0 * frameRate / (2 * options.PreferredMinBpm);
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

        var steps = (int)Math.Floor((options.MaxPulseBpm - options.MinBpm) / GridStepBpm) + 1;
        var comb = new double[steps];
        var beat = -1;
        var beatScore = double.NegativeInfinity;
        for (var i = 0; i < steps; i++)
        {
            var candidate = Bpm(i, options);
            comb[i] = Comb(r, maxLag, 60.0 * frameRate / candidate);
            var octaves = Math.Log2(candidate / options.TempoPriorBpm) / options.TempoPriorOctaves;
            var score = comb[i] * Math.Exp(-0.5 * octaves * octaves);
            if (score > beatScore)
            {
                beatScore = score;
                beat = i;
            }
        }
        if (beat < 0 || !(comb[beat] > 0)) return (null, 0);
        var strongest = comb[beat];

        // The pulse: the fastest local maximum of the comb that is nearly as strong as the most likely beat.
        var pulse = -1;
        for (var i = steps - 2; i > 0; i--)
        {
            if (comb[i] >= options.PulseRatio * strongest && comb[i] >= comb[i - 1] && comb[i] >= comb[i + 1])
            {
                pulse = i;
                break;
            }
        }
        if (pulse < 0) pulse = beat;

        // Refine the pulse between grid points (its many multiples make it the sharpest peak), then fold it down by
        // octaves into [PreferredMinBpm, 2·PreferredMinBpm).
        var refined = Bpm(pulse, options) + (GridStepBpm * ParabolicOffset(comb, pulse));
        while (refined >= 2 * options.PreferredMinBpm) refined /= 2;
        var confidence = Math.Clamp(strongest, 0, 1);
        if (confidence < options.MinTempoConfidence) return (null, confidence);
        return (refined, confidence);
    }


    private static double Bpm(int gridIndex, DescriptorOptions options) => options.MinBpm + (gridIndex * GridStepBpm);

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
