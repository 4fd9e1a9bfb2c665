using System.Numerics.Tensors;
using Traum.Audio.Spectral;

namespace Traum.Audio.Descriptors;

/// <summary>
/// Tempo from the periodicity of the onset envelope, with an octave rule for the perceived beat.
/// <para>
/// Periodicity: the loudness-weighted onset envelope (mean removed, lightly smoothed) is autocorrelated (unbiased,
/// normalised so lag 0 is 1); each candidate rate on a 0.05 BPM grid from <see cref="DescriptorOptions.MinBpm"/> to
/// <see cref="DescriptorOptions.MaxPulseBpm"/> is scored by the mean autocorrelation at all multiples of its period that
/// fit (a comb, read with linear interpolation). The most likely beat maximises that score times a log-normal prior;
/// the pulse is the fastest local maximum scoring at least <see cref="DescriptorOptions.PulseRatio"/> of the beat's.
/// </para>
/// <para>
/// Octave rule: the reported tempo is an octave of the pulse inside [<see cref="DescriptorOptions.TempoRangeMinBpm"/>,
/// <see cref="DescriptorOptions.TempoRangeMaxBpm"/>) (80–185 BPM). Where two octaves fit (a pulse read as 80–92.5 or
/// 160–185), the backbeat decides: the envelope of the snare and clap band (mel bands centred 1–5 kHz, quieter
/// events removed) is autocorrelated at two beats of each reading; when it repeats every two beats of the faster one
/// (drum and bass: snare on 2 and 4 at 174) the faster wins, otherwise the slower (hip-hop at 87 with the snare every
/// 1.4 s). A backbeat needs a snare apart from the kick: when the accents below 150 Hz fall on the snare band's (a click,
/// a single drum) or the snare band does not repeat at two beats of the slower reading, the pulse is folded into 88–176
/// BPM instead, as DJ software does (a click every 0.67 s reads 90, one every 0.34 s 174). Half-time material (trap and dubstep: kick and snare every two beats) reads at its double, 140–150, because
/// 70–75 lies below the range. A snare band that repeats exactly every two beats (lag product ≥ 0.75) also overrides a
/// pulse that is no octave of it (a syncopated kick pattern can pulse at 5/8 of the beat).
/// </para>
/// <para>
/// Confidence is the comb score of the strongest of the reported beat, its half bar and its bar (a loop that repeats
/// exactly scores near 1 at the bar); below <see cref="DescriptorOptions.MinTempoConfidence"/> there is no tempo, which is
/// how sounds without a pulse (a held note, noise, one hit) are reported.
/// </para>
/// </summary>
internal static class TempoEstimation
{
    private const double GridStepBpm = 0.05;
    private const double MaxLagSeconds = 8.0;
    private const double SnareBandLowHz = 1000;
    private const double SnareBandHighHz = 5000;
    private const double KickBandHighHz = 150;

    /// <summary>Without a backbeat to decide, an ambiguous pulse reads in [this, 2 × this) (88–176 BPM, as DJ software folds).</summary>
    private const double FallbackMinBpm = 88;

    /// <summary>Events below this fraction of the loudest snare-band onset are left out of the backbeat test.</summary>
    private const float SnareThreshold = 0.35f;

    /// <summary>Tempo of the frames' audio in BPM and its confidence (0…1), or null BPM when there is no pulse.</summary>
    public static (double? Bpm, double Confidence) Estimate(FrameAnalysis frames, DescriptorOptions options)
    {
        var envelope = OnsetDetection.LoudnessEnvelope(frames);
        var frameRate = frames.FrameRate;
        var n = envelope.Length;
        var minPeriod = 60.0 * frameRate / options.MaxPulseBpm;
        if (n < 4 * 60.0 * frameRate / (2 * options.TempoRangeMinBpm)) return (null, 0);

        var r = Autocorrelation(envelope, frameRate, out var maxLag);
        if (r is null || maxLag < minPeriod) return (null, 0);

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
        var refined = Bpm(pulse, options) + (GridStepBpm * ParabolicOffset(comb, pulse));

        // The octaves of the pulse inside the range.
        var lo = options.TempoRangeMinBpm;
        var hi = options.TempoRangeMaxBpm;
        var t = refined;
        while (t >= hi) t /= 2;
        while (t < lo) t *= 2;
        var tempo = t;
        var slow = t * 2 < hi ? t : t / 2 >= lo ? t / 2 : 0;
        if (slow > 0)
        {
            tempo = Backbeat(frames, frameRate, slow, 2 * slow, options) switch
            {
                true => 2 * slow,
                false => slow,
                null => slow >= FallbackMinBpm ? slow : 2 * slow,
            };
        }

        // A clean backbeat (the snare band repeating exactly every two beats) overrides a pulse that is not an octave of it
        // (syncopated kick patterns can make a pulse at 5/8 of the beat).
        if (CleanBackbeat(frames, frameRate) is { } bb)
        {
            while (bb >= hi) bb /= 2;
            while (bb < lo) bb *= 2;
            var ratio = Math.Log2(tempo / bb);
            if (Math.Abs(ratio - Math.Round(ratio)) > 0.06)
            {
                // Refine at the comb's strongest point within ±4 % of the backbeat's tempo.
                var best = -1;
                for (var i = 1; i < steps - 1; i++)
                {
                    var bpm = Bpm(i, options);
                    if (bpm < bb * 0.96 || bpm > bb * 1.04 || double.IsNaN(comb[i])) continue;
                    if (best < 0 || comb[i] > comb[best]) best = i;
                }
                tempo = best < 0 ? bb : Bpm(best, options) + (GridStepBpm * ParabolicOffset(comb, best));
            }
        }

        // Confidence: the strongest periodicity among the beat, the half bar and the bar.
        var confidence = 0.0;
        foreach (var level in new[] { tempo, tempo / 2, tempo / 4 })
        {
            var c = Comb(r, maxLag, 60.0 * frameRate / level);
            if (double.IsFinite(c)) confidence = Math.Max(confidence, c);
        }
        confidence = Math.Clamp(confidence, 0, 1);
        if (confidence < options.MinTempoConfidence) return (null, confidence);
        return (tempo, confidence);
    }

    /// <summary>
    /// True when the snare band repeats every two beats of <paramref name="fast"/> at least
    /// <see cref="DescriptorOptions.BackbeatRatio"/> times as strongly as every two beats of <paramref name="slow"/>;
    /// null when the snare band does not repeat at two beats of the slower reading either (no backbeat to go by).
    /// </summary>
    private static bool? Backbeat(FrameAnalysis frames, double frameRate, double slow, double fast, DescriptorOptions options)
    {
        // A backbeat needs a kick and a snare apart from it: when the low band is weaker than the snare band (a lead, a
        // pad) or its accents fall on the snare band's (a click, one drum, a bass line), there is nothing to go by.
        if (DrumAccents(frames) is not { } env) return null;
        var lagFast = 120.0 * frameRate / fast;
        var lagSlow = 120.0 * frameRate / slow;
        if (lagSlow >= env.Length - 1) return null;
        var aFast = LagProduct(env, lagFast);
        var aSlow = LagProduct(env, lagSlow);
        if (!(aSlow > 0.2)) return null;
        return aFast >= options.BackbeatRatio * aSlow;
    }

    /// <summary>
    /// Drums only (accents below 150 Hz at least as strong as the snare band's and not on them): the tempo whose two beats the snare band repeats at exactly (the lag product at least <see cref="CleanBackbeatLevel"/>,
    /// lags of 0.5–1.6 s, the shortest that reaches 90 % of the largest), or null when it does not repeat that cleanly.
    /// </summary>
    private static double? CleanBackbeat(FrameAnalysis frames, double frameRate)
    {
        // Only drums: a kick apart from the snare (melodic lines repeat too, but are no backbeat).
        if (DrumAccents(frames) is not { } env) return null;
        var from = (int)Math.Ceiling(0.5 * frameRate);
        var to = Math.Min((int)Math.Floor(1.6 * frameRate), (env.Length / 2) - 2);
        if (to <= from) return null;
        var values = new double[to + 1];
        var top = 0.0;
        for (var l = from; l <= to; l++)
        {
            values[l] = LagProduct(env, l);
            top = Math.Max(top, values[l]);
        }
        if (top < CleanBackbeatLevel) return null;
        for (var l = from; l <= to; l++)
        {
            if (values[l] < 0.9 * top) continue;
            // Centre of the plateau of the max-filtered product: the lag itself.
            return 120.0 * frameRate / l;
        }
        return null;
    }

    /// <summary>Lag product (normalised, 1 for exact repetition) a backbeat must reach to override the pulse.</summary>
    private const double CleanBackbeatLevel = 0.75;

    /// <summary>The band's onset envelope with the events quieter than <see cref="SnareThreshold"/> of its loudest removed; null when empty.</summary>
    /// <summary>
    /// The snare band's accents when the sound is drums with a kick apart from the snare: the band below 150 Hz at least
    /// as strong as the snare band, and at most <see cref="MaxCoincidence"/> of the snare accents on kick accents; else null.
    /// </summary>
    private static float[]? DrumAccents(FrameAnalysis frames)
    {
        var snare = Accents(frames, SnareBandLowHz, SnareBandHighHz, out var snareMax);
        if (snare is null || Accents(frames, 0, KickBandHighHz, out var kickMax) is not { } kick || kickMax < snareMax) return null;
        return LagProduct(snare, kick, 0) > MaxCoincidence ? null : snare;
    }

    private const double MaxCoincidence = 0.25;

    private static float[]? Accents(FrameAnalysis frames, double lowHz, double highHz, out float max)
    {
        var env = BandEnvelope(frames, lowHz, highHz);
        max = env.Length == 0 ? 0 : TensorPrimitives.Max<float>(env);
        if (!(max > 0)) return null;
        TensorPrimitives.Subtract(env, SnareThreshold * max, env);
        TensorPrimitives.Max(env, 0f, env);
        TensorPrimitives.Multiply(env, 1f / ((1 - SnareThreshold) * max), env);
        return env;
    }

    private static double LagProduct(float[] e, double lag) => LagProduct(e, e, lag);

    /// <summary>Mean of a[t]·max(b[t+L−1 … t+L+1]) over t, normalised by the mean of a², at lag L (frames, rounded).</summary>
    private static double LagProduct(float[] a, float[] b, double lag)
    {
        var l = (int)Math.Round(lag);
        double sum = 0, energy = 0;
        var n = Math.Min(a.Length, b.Length);
        for (var t = 0; t + l + 1 < n; t++)
        {
            var m = b[t + l];
            if (t + l > 0) m = Math.Max(m, b[t + l - 1]);
            m = Math.Max(m, b[t + l + 1]);
            sum += a[t] * m;
            energy += a[t] * a[t];
        }
        return energy <= 0 ? 0 : sum / energy;
    }

    /// <summary>Loudness-weighted onset envelope over the mel bands whose centre lies in [lowHz, highHz].</summary>
    internal static float[] BandEnvelope(FrameAnalysis a, double lowHz, double highHz)
    {
        var bands = a.MelBands;
        var melMin = 0.0;
        var melMax = MelFilterBank.HzToMel(a.SampleRate / 2.0, MelScale.Slaney);
        int from = bands, to = -1;
        for (var m = 0; m < bands; m++)
        {
            var centre = MelFilterBank.MelToHz(melMin + ((melMax - melMin) * (m + 1) / (bands + 1)), MelScale.Slaney);
            if (centre < lowHz || centre > highHz) continue;
            from = Math.Min(from, m);
            to = Math.Max(to, m);
        }
        var env = new float[a.Frames];
        if (to < from) return env;
        var width = to - from + 1;
        var max = a.Mel.Length == 0 ? 0 : TensorPrimitives.Max<float>(a.Mel);
        if (!(max > 0)) return env;
        var scale = 1000f / max;
        var previous = new float[width];
        var current = new float[width];
        var diff = new float[width];
        for (var t = 0; t < a.Frames; t++)
        {
            TensorPrimitives.Multiply(a.Mel.AsSpan((t * bands) + from, width), scale, current);
            TensorPrimitives.Add(current, 1f, current);
            TensorPrimitives.Log10(current, current);
            TensorPrimitives.Subtract(current, previous, diff);
            TensorPrimitives.Max(diff, 0f, diff);
            env[t] = TensorPrimitives.Sum<float>(diff) / width;
            (previous, current) = (current, previous);
        }
        if (env.Length > 1) env[0] = Math.Min(env[0], TensorPrimitives.Max<float>(env.AsSpan(1)));
        return env;
    }

    /// <summary>Normalised unbiased autocorrelation of the smoothed, mean-removed envelope up to <paramref name="maxLag"/> (+1).</summary>
    private static double[]? Autocorrelation(ReadOnlySpan<float> envelope, double frameRate, out int maxLag)
    {
        var n = envelope.Length;
        maxLag = 0;
        var x = Smooth(envelope);
        if (n > 1)
        {
            var restMax = TensorPrimitives.Max<float>(x.AsSpan(1));
            x[0] = Math.Min(x[0], restMax);
        }
        var mean = TensorPrimitives.Sum<float>(x) / n;
        TensorPrimitives.Subtract(x, mean, x);
        var energy = TensorPrimitives.Dot<float>(x, x) / n;
        if (!(energy > 1e-12f)) return null;
        maxLag = (int)Math.Min(n - Math.Max(8, n / 4), MaxLagSeconds * frameRate);
        if (maxLag < 2) return null;
        var r = new double[maxLag + 2];
        for (var lag = 0; lag <= maxLag + 1 && lag < n; lag++)
        {
            var count = n - lag;
            r[lag] = TensorPrimitives.Dot<float>(x.AsSpan(0, count), x.AsSpan(lag, count)) / count / energy;
        }
        return r;
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
