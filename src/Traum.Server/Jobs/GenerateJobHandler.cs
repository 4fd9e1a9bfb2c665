using Traum.Core;
using Traum.Engine.StemGeneration;
using Traum.Generative;

namespace Traum.Server.Jobs;

/// <summary>Generates stems with the engine's <see cref="GenerativeService"/> (random, interpolate, hybrid, crossbreed, batch).</summary>
internal sealed class GenerateJobHandler(GenerativeService generator) : IJobHandler
{
    public string Kind => JobKinds.Generate;

    public Task ValidateAsync(string? parameters, CancellationToken cancellationToken)
    {
        var r = JobParameters.Parse<GenerateRequest>(parameters);
        var request = ToRequest(r);
        request.Validate();
        if (r.Mode != "batch")
        {
            // Fails with NotFoundException/ModelNotFoundException before anything is queued.
            _ = generator.ResolveModel(request.Cross?.A ?? r.Model);
            if (request.Cross is { } c) _ = generator.ResolveModel(c.B);
        }
        return Task.CompletedTask;
    }

    public Task<string?> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var r = run.Parameters<GenerateRequest>();
        var request = ToRequest(r);
        IReadOnlyList<GeneratedStem> made = r.Mode == "batch"
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
            "hybrid" or "crossbreed" => GenerationMode.Hybrid,
            _ => GenerationMode.Random,
        };
        var phase = r.Phase?.ToLowerInvariant() switch
        {
            null or "" or "griffinlim" or "griffin-lim" => PhaseMode.GriffinLim,
            "random" => PhaseMode.Random,
            _ => throw new InvalidInputException($"Unknown phase '{r.Phase}'; use griffinlim or random."),
        };
        if (r.Mode == "crossbreed" && string.IsNullOrWhiteSpace(r.OtherModel)) throw new InvalidInputException("crossbreed needs otherModel: the second model's name.");
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
            Cross = r.Mode == "crossbreed" ? (r.Model, r.OtherModel!) : null,
        };
    }
}
