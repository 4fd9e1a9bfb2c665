using Traum.Generative;

namespace Traum.Engine.Training;

/// <summary>
/// What to train. Exactly one selection: <see cref="Category"/> (stems whose category or kind is that name),
/// <see cref="Tag"/>, or <see cref="StemIds"/>. Generated stems are left out unless <see cref="IncludeGenerated"/>.
/// </summary>
public sealed record TrainingRequest
{
    /// <summary>Stems whose category or kind equals this (case-insensitive), e.g. "bass", "kick".</summary>
    public string? Category { get; init; }

    /// <summary>Stems carrying this tag.</summary>
    public string? Tag { get; init; }

    /// <summary>Exactly these stems.</summary>
    public IReadOnlyList<long>? StemIds { get; init; }

    /// <summary>Name the model is filed under (models/&lt;name&gt;/); default: the category, the tag, or "custom".</summary>
    public string? ModelName { get; init; }

    /// <summary>Train on generated stems too (off by default, so models do not learn from their own output).</summary>
    public bool IncludeGenerated { get; init; }

    /// <summary>How stems become training features: sample rate, excerpt length, STFT size and hop, log compression.</summary>
    public SpectrogramOptions Features { get; init; } = new();

    /// <summary>
    /// Excerpt length from the material (default): the category's median stem length, or whole bars at its median tempo
    /// for loops, between <see cref="MinimumAutoExcerptSeconds"/> and <see cref="MaximumAutoExcerptSeconds"/>; so a generated
    /// stem is as long as the material. False keeps <see cref="SpectrogramOptions.ExcerptSeconds"/> (<c>--excerpt</c>).
    /// </summary>
    public bool ExcerptFromMaterial { get; init; } = true;

    /// <summary>Shortest excerpt chosen from the material, seconds.</summary>
    public double MinimumAutoExcerptSeconds { get; init; } = 0.25;

    /// <summary>Longest excerpt chosen from the material, seconds (longer material is learnt in excerpts of this length).</summary>
    public double MaximumAutoExcerptSeconds { get; init; } = 8.0;

    /// <summary>The network: architecture, layer widths or channels, latent size, dropout.</summary>
    public VaeConfig Shape { get; init; } = new();

    /// <summary>The optimisation: epochs, batch size, learning rate, β and KL schedule, early stopping, seed, threads.</summary>
    public TrainingOptions Training { get; init; } = new();

    /// <summary>Least audio (seconds, summed over the chosen stems) worth training on.</summary>
    public double MinimumSeconds { get; init; } = 20;

    /// <summary>Random stems rendered for the generation evaluation at the end of a successful run (0 = no evaluation).</summary>
    public int EvaluationStems { get; init; } = 8;

    /// <summary>Least number of non-silent excerpts worth training on.</summary>
    public int MinimumExcerpts { get; init; } = 8;
}

/// <summary>A trained model as registered: its catalog record, absolute folder and metadata.</summary>
/// <param name="Record">The model's catalog row (category, version, path).</param>
/// <param name="Directory">Absolute path of the version's folder (weights, scaler, <c>metadata.json</c>).</param>
/// <param name="Metadata">The run's metadata: data, configuration, losses per epoch and evaluation.</param>
public sealed record TrainedVae(Catalog.TrainedModel Record, string Directory, VaeMetadata Metadata);

/// <summary>A training run that diverged or learnt nothing useful; it was kept as a failed version (never the default).</summary>
public sealed class TrainingFailedException : Core.TraumException
{
    /// <summary>Creates the exception for a failed run.</summary>
    /// <param name="message">What went wrong and, where it helps, what to do.</param>
    /// <param name="model">The failed version as registered, or null when it was not.</param>
    public TrainingFailedException(string message, TrainedVae? model = null) : base(message) => Model = model;
    /// <summary>Creates the exception with the default message.</summary>
    public TrainingFailedException() { }
    /// <summary>Creates the exception with a message for the user and the exception that caused it.</summary>
    /// <param name="message">What went wrong and, where it helps, what to do.</param>
    /// <param name="inner">The cause, or null.</param>
    public TrainingFailedException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>The failed version as registered, if it was.</summary>
    public TrainedVae? Model { get; }
}
