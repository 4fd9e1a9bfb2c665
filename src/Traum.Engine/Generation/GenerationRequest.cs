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
    /// <summary>Mutations of real stems of the category: their encoded μ plus noise.</summary>
    Hybrid,
}

/// <summary>What to generate. Defaults are those of <c>traum generate</c>.</summary>
public sealed record GenerationRequest
{
    /// <summary>The model's name (category). Required unless the request is a cross hybrid.</summary>
    public string? Category { get; init; }

    /// <summary>Model version ("v3"); null = the newest one that loads.</summary>
    public string? Version { get; init; }

    public GenerationMode Mode { get; init; } = GenerationMode.Random;

    /// <summary>Number of stems (random, hybrid and cross modes).</summary>
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

    public PhaseMode Phase { get; init; } = PhaseMode.GriffinLim;

    /// <summary>Fast Griffin-Lim iterations.</summary>
    public int GriffinLimIterations { get; init; } = 64;

    /// <summary>Two model names for a cross-category hybrid (<c>--hybrid a,b</c>); then <see cref="Category"/> is ignored.</summary>
    public (string A, string B)? Cross { get; init; }

    /// <summary>Share of model B in a cross hybrid (0 = all A, 1 = all B).</summary>
    public double Mix { get; init; } = 0.5;

    /// <summary>Throws <see cref="InvalidInputException"/> naming the bad value.</summary>
    public void Validate()
    {
        if (Cross is null && string.IsNullOrWhiteSpace(Category)) throw new InvalidInputException("Name the model with --category (or use --hybrid a,b or --all).");
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
public sealed record GeneratedStem(Stem Stem, Catalog.Generation Lineage);
