using Traum.Core;
using Traum.Engine.StemGeneration;
using Traum.Generative;

namespace Traum.Server.Jobs;

/// <summary>Generates stems with the engine's <see cref="GenerativeService"/> (random, interpolate, hybrid, blend, all).</summary>
internal sealed class GenerateJobHandler(GenerativeService generator) : IJobHandler
{
    public string Kind => JobKinds.Generate;

    public Task ValidateAsync(string? parameters, CancellationToken cancellationToken)
    {
        var r = JobParameters.Parse<GenerateRequest>(parameters);
        var request = ToRequest(r);
        request.Validate();
        if (r.Mode != "all")
        {
            // Fails with NotFoundException/ModelNotFoundException before anything is queued.
            _ = generator.ResolveModel(r.Model, request.Version);
            if (request.BlendWith is { } other) _ = generator.ResolveModel(other);
        }
        return Task.CompletedTask;
    }

    public Task<string?> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var r = run.Parameters<GenerateRequest>();
        var request = ToRequest(r);
        IReadOnlyList<GeneratedStem> made = r.Mode == "all"
            ? generator.GenerateAll(request, run.Progress, cancellationToken).Values.SelectMany(v => v).ToList()
            : generator.Generate(request, run.Progress, cancellationToken);
        return Task.FromResult<string?>(JobParameters.Serialize(new
        {
            stemIds = made.Select(s => s.Stem.Id).ToList(),
            generations = made.Select(s => s.Lineage.Id).Distinct().ToList(),
        }));
    }

    private static GenerationRequest ToRequest(GenerateRequest r)
    {
        var mode = r.Mode switch
        {
            "interpolate" => GenerationMode.Interpolate,
            "hybrid" => GenerationMode.Hybrid,
            "blend" => GenerationMode.Blend,
            _ => GenerationMode.Random,
        };
        var phase = r.Phase?.ToLowerInvariant() switch
        {
            null or "" or "griffinlim" or "griffin-lim" => PhaseMode.GriffinLim,
            "random" => PhaseMode.Random,
            _ => throw new InvalidInputException($"Unknown phase '{r.Phase}'; use griffinlim or random."),
        };
        if (r.Mode == "blend" && string.IsNullOrWhiteSpace(r.OtherModel)) throw new InvalidInputException("blend needs otherModel: the second model's name.");
        var stems = r.Stems ?? [];
        return new GenerationRequest
        {
            Category = r.Model,
            Mode = mode,
            Count = r.Count,
            Steps = mode == GenerationMode.Interpolate ? Math.Max(2, r.Count) : 8,
            FromStemId = mode == GenerationMode.Interpolate && stems.Count >= 2 ? stems[0] : null,
            ToStemId = mode == GenerationMode.Interpolate && stems.Count >= 2 ? stems[1] : null,
            HybridNoise = r.Noise ?? 0.5,
            Seed = r.Seed,
            Phase = phase,
            BlendWith = r.Mode == "blend" ? r.OtherModel!.Trim() : null,
            Mix = r.Mix ?? 0.5,
            Version = string.IsNullOrWhiteSpace(r.Version) ? null : r.Version.Trim(),
            Seconds = r.Seconds,
            Bars = r.Bars,
        };
    }
}
