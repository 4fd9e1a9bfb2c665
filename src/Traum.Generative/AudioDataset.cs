using Traum.Audio;
using Traum.Audio.Dsp;
using TorchSharp;
using static TorchSharp.torch;

namespace Traum.Generative;

/// <summary>One stem handed to <see cref="AudioDataset.Build"/>: its audio, an id for lineage, and optional hints.</summary>
public sealed record DatasetSource(AudioBuffer Audio, string Id, ExcerptHints? Hints = null);

/// <summary>Where an excerpt came from: the source's index and id, and its first sample at the training rate.</summary>
public sealed record ExcerptInfo(int SourceIndex, string SourceId, int StartSample);

/// <summary>What went into a data set: counts and seconds, for metadata and messages.</summary>
public sealed record DatasetSummary(int Sources, double SourceSeconds, int Excerpts, int SilentDropped, int FeatureCount);

/// <summary>
/// Log-magnitude spectrogram features of fixed-length excerpts (see <see cref="SpectrogramOptions"/>): a row-major
/// float matrix <c>[Count, FeatureCount]</c>, one row per excerpt, unscaled.
/// </summary>
public sealed class AudioDataset
{
    private const int FeatureBatch = 32;

    private AudioDataset(SpectrogramOptions options, float[] features, IReadOnlyList<ExcerptInfo> excerpts, DatasetSummary summary)
    {
        Options = options;
        Features = features;
        Excerpts = excerpts;
        Summary = summary;
    }

    /// <summary>The spectrogram settings the features were computed with.</summary>
    public SpectrogramOptions Options { get; }

    /// <summary>Row-major <c>[Count, FeatureCount]</c> log-magnitude features.</summary>
    public float[] Features { get; }

    /// <summary>Where each row of <see cref="Features"/> came from, in row order.</summary>
    public IReadOnlyList<ExcerptInfo> Excerpts { get; }

    /// <summary>Counts and seconds of what went in.</summary>
    public DatasetSummary Summary { get; }

    /// <summary>Number of excerpts (rows).</summary>
    public int Count => Excerpts.Count;

    /// <summary>Features per excerpt (columns).</summary>
    public int FeatureCount => Options.FeatureCount;

    /// <summary>Row <paramref name="index"/> of <see cref="Features"/>.</summary>
    public ReadOnlySpan<float> Row(int index) => Features.AsSpan(index * FeatureCount, FeatureCount);

    /// <summary>
    /// Cuts, filters and transforms <paramref name="sources"/>: mono mix, resampling to the training rate, excerpts
    /// (<see cref="Generative.Excerpts"/>), silent ones (RMS below <see cref="SpectrogramOptions.SilenceDb"/>) dropped.
    /// </summary>
    public static AudioDataset Build(IReadOnlyList<DatasetSource> sources, SpectrogramOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var len = options.ExcerptSamples;
        var clips = new List<float[]>();
        var infos = new List<ExcerptInfo>();
        double seconds = 0;
        var silent = 0;
        var silence = (float)Math.Pow(10, options.SilenceDb / 20);
        for (var s = 0; s < sources.Count; s++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var src = sources[s];
            var mono = ToTrainingMono(src.Audio, options.SampleRate);
            seconds += (double)mono.Length / options.SampleRate;
            foreach (var start in Generative.Excerpts.Starts(mono, options.SampleRate, len, src.Hints, options.MaxExcerptsPerStem))
            {
                var clip = new float[len];
                var n = Math.Min(len, mono.Length - start);
                mono.AsSpan(start, n).CopyTo(clip);
                if (Rms(clip) < silence)
                {
                    silent++;
                    continue;
                }
                clips.Add(clip);
                infos.Add(new ExcerptInfo(s, src.Id, start));
            }
        }
        var d = options.FeatureCount;
        var features = new float[clips.Count * d];
        for (var b = 0; b < clips.Count; b += FeatureBatch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(FeatureBatch, clips.Count - b);
            LogMagnitude(clips.GetRange(b, count), options).CopyTo(features.AsSpan(b * d, count * d));
        }
        return new AudioDataset(options, features, infos, new DatasetSummary(sources.Count, seconds, infos.Count, silent, d));
    }

    /// <summary>Mono mix of <paramref name="audio"/> at <paramref name="sampleRate"/> Hz.</summary>
    public static float[] ToTrainingMono(AudioBuffer audio, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var mono = audio.ToMono();
        return audio.SampleRate == sampleRate ? mono : Resampler.Resample(mono, audio.SampleRate, sampleRate);
    }

    /// <summary>Log-magnitude features of equal-length clips: row-major <c>[clips, bins·frames]</c>, bins-major within a row.</summary>
    public static float[] LogMagnitude(IReadOnlyList<float[]> clips, SpectrogramOptions options)
    {
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(options);
        if (clips.Count == 0) return [];
        using var scope = NewDisposeScope();
        var len = clips[0].Length;
        var flat = new float[clips.Count * len];
        for (var i = 0; i < clips.Count; i++) clips[i].CopyTo(flat, i * len);
        var x = tensor(flat, [clips.Count, len]);
        var mag = Spectral.Stft.Forward(x, options.Stft).abs();
        using var eps = options.Epsilon.ToScalar();
        using var one = 1.0.ToScalar();
        var y = options.Compression == LogCompression.Log1p ? mag.log1p() : mag.add(eps, one).log();
        return y.reshape(clips.Count, -1).contiguous().data<float>().ToArray();
    }

    /// <summary>Indices of a deterministic train/validation split: at least one excerpt in each when there are two or more.</summary>
    public (int[] Train, int[] Validation) Split(double validationFraction, int seed)
    {
        var order = Enumerable.Range(0, Count).ToArray();
        new Random(seed).Shuffle(order);
        var nVal = Count < 2 ? 0 : Math.Clamp((int)Math.Round(Count * validationFraction), 1, Count - 1);
        return (order[nVal..], order[..nVal]);
    }

    private static float Rms(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (var v in x) sum += (double)v * v;
        return (float)Math.Sqrt(sum / Math.Max(1, x.Length));
    }
}
