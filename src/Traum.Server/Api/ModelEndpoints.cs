using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Traum.Core;
using Traum.Server.Hosting;
using Traum.Server.Jobs;
using Traum.Server.Services;

namespace Traum.Server.Api;

/// <summary>/api/models, /api/train, /api/generate.</summary>
internal static class ModelEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api").WithTags("Models");
        g.MapGet("/models", async (IModelsPort models, CancellationToken ct) => TypedResults.Ok(await models.ListAsync(ct).ConfigureAwait(false)))
            .WithSummary("Pretrained and trained models, and whether they are installed").Problems(503);
        g.MapGet("/models/trained", async (string? name, IModelsPort models, CancellationToken ct) => TypedResults.Ok(await models.ListTrainedAsync(name, ct).ConfigureAwait(false)))
            .WithSummary("Every trained VAE version, newest first: status (ok or failed, with why), default, losses per epoch, generation evaluation").Problems(503);
        g.MapPost("/models/trained/{name}/{version}/default", async (string name, string version, IModelsPort models, CancellationToken ct) =>
        {
            await models.SetDefaultAsync(name, version, ct).ConfigureAwait(false);
            return TypedResults.NoContent();
        }).WithSummary("Make a trained version the default of its name (a failed run cannot be)").Problems(400, 404, 503);
        g.MapDelete("/models/trained/{name}/{version}", async (string name, string version, IModelsPort models, CancellationToken ct) =>
        {
            await models.DeleteAsync(name, version, ct).ConfigureAwait(false);
            return TypedResults.NoContent();
        }).WithSummary("Delete a trained version (folder and catalog entry)").Problems(404, 503);
        g.MapPost("/train", TrainAsync).WithSummary("Queue training of a VAE on one category of stems")
            .Produces<JobInfo>(StatusCodes.Status202Accepted).Problems(400, 415, 503);
        g.MapPost("/generate", GenerateAsync).WithSummary("Queue generation of new stems with a trained model")
            .Produces<JobInfo>(StatusCodes.Status202Accepted).Problems(400, 415, 503);
    }

    private static async Task<Accepted<JobInfo>> TrainAsync([FromBody] TrainRequest body, JobManager jobs, CancellationToken ct)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.Category)) throw new InvalidInputException("Give the category to learn: {\"category\": \"bass\", \"epochs\": 30}.");
        if (body.Architecture is { } arch && arch.Trim().ToLowerInvariant() is not ("conv" or "mlp")) throw new InvalidInputException($"Unknown architecture '{arch}'; use conv or mlp.");
        // The engine's own ranges and messages (one place for each default and limit).
        var request = TrainJobHandler.Base(body);
        request.Training.Validate();
        var job = await jobs.SubmitAsync(JobKinds.Train, JobParameters.Serialize(body with { Category = body.Category.Trim() }), ct).ConfigureAwait(false);
        return TypedResults.Accepted($"/api/jobs/{job.Id}", job);
    }

    private static async Task<Accepted<JobInfo>> GenerateAsync([FromBody] GenerateRequest body, JobManager jobs, CancellationToken ct)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.Model)) throw new InvalidInputException("Give the model to generate with: {\"model\": \"ID\", \"mode\": \"random\", \"count\": 4}.");
        var mode = body.Mode?.Trim().ToLowerInvariant() ?? "random";
        if (mode is not ("random" or "interpolate" or "hybrid" or "blend" or "all")) throw new InvalidInputException($"Unknown mode '{body.Mode}'; use random, interpolate, hybrid, blend or all.");
        if (body.Count is < 1 or > 256) throw new InvalidInputException("count must be between 1 and 256.");
        if (body.Noise is < 0 or > 1) throw new InvalidInputException("noise must be between 0 and 1.");
        var job = await jobs.SubmitAsync(JobKinds.Generate, JobParameters.Serialize(body with { Mode = mode }), ct).ConfigureAwait(false);
        return TypedResults.Accepted($"/api/jobs/{job.Id}", job);
    }
}
