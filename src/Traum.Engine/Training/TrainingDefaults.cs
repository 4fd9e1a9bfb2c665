using Traum.Generative;

namespace Traum.Engine.Training;

/// <summary>
/// Training settings of this installation (configuration section <c>training</c>) applied under each request: the spectrogram
/// features, the network's shape and the minimum data. Null keeps the engine's default.
/// </summary>
public sealed record TrainingDefaults
{
    /// <summary>Hz.</summary>
    public int? SampleRate { get; init; }

    /// <summary>Seconds per training excerpt.</summary>
    public double? ExcerptSeconds { get; init; }

    /// <summary>FFT size in samples.</summary>
    public int? NFft { get; init; }

    /// <summary>Hop in samples.</summary>
    public int? Hop { get; init; }

    /// <summary>Hidden layer widths of the MLP.</summary>
    public int[]? Hidden { get; init; }

    /// <summary>Latent size (a request's latentDim wins).</summary>
    public int? Latent { get; init; }

    /// <summary>Least audio worth training on, seconds.</summary>
    public double? MinimumSeconds { get; init; }

    /// <summary>Least number of non-silent excerpts worth training on.</summary>
    public int? MinimumExcerpts { get; init; }

    /// <summary>CPU threads for torch (0 = torch's default).</summary>
    public int? Threads { get; init; }

    /// <summary>
    /// <paramref name="r"/> with each setting given here in place of the request's: the latent size only where the
    /// request kept <see cref="VaeConfig"/>'s default, and a given <see cref="ExcerptSeconds"/> also turns off
    /// <see cref="TrainingRequest.ExcerptFromMaterial"/>. Settings left null keep the request's values.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="r"/> is null.</exception>
    public TrainingRequest Apply(TrainingRequest r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var f = r.Features;
        var shape = r.Shape;
        return r with
        {
            Features = f with { SampleRate = SampleRate ?? f.SampleRate, ExcerptSeconds = ExcerptSeconds ?? f.ExcerptSeconds, NFft = NFft ?? f.NFft, Hop = Hop ?? f.Hop },
            ExcerptFromMaterial = ExcerptSeconds is null && r.ExcerptFromMaterial,
            Shape = shape with { Hidden = Hidden ?? shape.Hidden, Latent = Latent is { } l && shape.Latent == new VaeConfig().Latent ? l : shape.Latent },
            Training = r.Training with { Threads = Threads ?? r.Training.Threads },
            MinimumSeconds = MinimumSeconds ?? r.MinimumSeconds,
            MinimumExcerpts = MinimumExcerpts ?? r.MinimumExcerpts,
        };
    }
}
