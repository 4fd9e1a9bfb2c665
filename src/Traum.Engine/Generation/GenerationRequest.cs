using System.Text.Json.Serialization;
using Traum.Catalog;
using Traum.Core;
using Traum.Generative;

namespace Traum.Engine.StemGeneration;

/// <summary>How latents are chosen.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GenerationMode>))]
public enum GenerationMode
{
    /// <summary>Latents from N(0, t²·I).</summary>
    Random,
    /// <summary>A path of <see cref="GenerationRequest.Steps"/> latents between two endpoints.</summary>
    Interpolate,
    /// <summary>Mutations of real stems of the category: their encoded μ plus noise (<see cref="GenerationRequest.HybridNoise"/>).</summary>
    Hybrid,
    /// <summary>
    /// A two-category blend: the same seeds give one latent per model (<see cref="GenerationRequest.Category"/> and
    /// <see cref="GenerationRequest.BlendWith"/>), both are decoded and their log-magnitudes mixed by <see cref="GenerationRequest.Mix"/>.
    /// </summary>
    Blend,
}

/// <summary>What to generate. Defaults are those of <c>traum generate</c>.</summary>
public sealed record GenerationRequest
{
    /// <summary>The model's name (category); in blend mode the first model.</summary>
    public string? Category { get; init; }

    /// <summary>Model version ("v3"); null = the newest one that loads.</summary>
    public string? Version { get; init; }

    /// <summary>How latents are chosen (random by default).</summary>
    public GenerationMode Mode { get; init; } = GenerationMode.Random;

    /// <summary>Number of stems (random, hybrid and blend modes).</summary>
    public int Count { get; init; } = 8;

    /// <summary>t of N(0, t²·I) for random latents and random interpolation endpoints.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Points on an interpolation path, endpoints included.</summary>
    public int Steps { get; init; } = 8;

    /// <summary>Spherical (slerp) rather than linear interpolation.</summary>
    public bool Spherical { get; init; } = true;

    /// <summary>Interpolation start stem (with <see cref="ToStemId"/>); null = a random latent.</summary>
    public long? FromStemId { get; init; }

    /// <summary>Interpolation end stem.</summary>
    public long? ToStemId { get; init; }

    /// <summary>Standard deviation of the noise added to an encoded stem in hybrid mode.</summary>
    public double HybridNoise { get; init; } = 0.5;

    /// <summary>Seed of latents, stem choice and phase; null = from the clock (and recorded).</summary>
    public int? Seed { get; init; }

    /// <summary>How phase is reconstructed from the decoded magnitudes (fast Griffin-Lim by default).</summary>
    public PhaseMode Phase { get; init; } = PhaseMode.GriffinLim;

    /// <summary>Fast Griffin-Lim iterations.</summary>
    public int GriffinLimIterations { get; init; } = 64;

    /// <summary>The second model of a blend (<c>--mode blend --with NAME</c>).</summary>
    public string? BlendWith { get; init; }

    /// <summary>Share of the second model in a blend (0 = all the first, 1 = all the second).</summary>
    public double Mix { get; init; } = 0.5;

    /// <summary>Output length in seconds (<c>--seconds</c>); null = from the material (whole bars at its tempo, or its median length).</summary>
    public double? Seconds { get; init; }

    /// <summary>Output length in 4/4 bars at the material's tempo (<c>--bars</c>); ignored when <see cref="Seconds"/> is given.</summary>
    public int? Bars { get; init; }

    /// <summary>Throws <see cref="InvalidInputException"/> naming the bad value.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Category)) throw new InvalidInputException("Name the model with --category (or use --all).");
        if (Mode == GenerationMode.Blend && string.IsNullOrWhiteSpace(BlendWith)) throw new InvalidInputException("Blend mode needs the second model: --with NAME.");
        if (Mode != GenerationMode.Blend && BlendWith is not null) throw new InvalidInputException("--with only applies to --mode blend.");
        if (Seconds is { } sec && (!(sec > 0) || sec > 600)) throw new InvalidInputException($"Seconds {sec} out of range; use (0, 600].");
        if (Bars is < 1 or > 256) throw new InvalidInputException($"Bars {Bars} out of range; use 1–256.");
        if (Count is < 1 or > 1000) throw new InvalidInputException($"Count {Count} out of range; use 1–1000 (default 8).");
        if (!(Temperature >= 0) || Temperature > 100) throw new InvalidInputException($"Temperature {Temperature} out of range; use 0–100 (default 1).");
        if (Steps is < 2 or > 1000) throw new InvalidInputException($"Steps {Steps} out of range; use 2–1000 (default 8).");
        if (!(HybridNoise >= 0) || HybridNoise > 100) throw new InvalidInputException($"Hybrid noise {HybridNoise} must be in 0–100 (default 0.5).");
        if (GriffinLimIterations is < 1 or > 10_000) throw new InvalidInputException($"Griffin-Lim iterations {GriffinLimIterations} out of range; use 1–10000 (default 64).");
        if (!(Mix >= 0) || Mix > 1) throw new InvalidInputException($"Mix {Mix} must be in [0, 1] (default 0.5).");
        if ((FromStemId is null) != (ToStemId is null)) throw new InvalidInputException("Give both --from and --to (stem ids), or neither for random endpoints.");
        if (FromStemId is not null && Mode != GenerationMode.Interpolate) throw new InvalidInputException("--from/--to only apply to --mode interpolate.");
    }
}

/// <summary>One generated stem: its catalog row and its lineage record.</summary>
/// <param name="Stem">The stem as ingested (origin generated).</param>
/// <param name="Lineage">The generation run that made it: model, mode, seed, parameters and parent stems.</param>
public sealed record GeneratedStem(Stem Stem, Catalog.Generation Lineage);
