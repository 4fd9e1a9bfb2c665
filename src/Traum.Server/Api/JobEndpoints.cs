using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Traum.Core;
using Traum.Server.Hosting;
using Traum.Server.Jobs;

namespace Traum.Server.Api;

/// <summary>/api/jobs: list, get, cancel, retry, and live events (server-sent events).</summary>
internal static class JobEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/jobs").WithTags("Jobs");
        g.MapGet("/", async (JobManager jobs, int? limit, CancellationToken ct) =>
            TypedResults.Ok(await jobs.ListAsync(Api.QueryParsing.Clamp(limit, 100, 1, 1000, "limit"), ct).ConfigureAwait(false)))
            .WithSummary("Jobs, newest first").Problems(400);
        g.MapGet("/{id}", async (JobManager jobs, string id, CancellationToken ct) => TypedResults.Ok(await jobs.GetAsync(id, ct).ConfigureAwait(false)))
            .WithSummary("One job").Problems(404);
        g.MapPost("/{id}/cancel", async (JobManager jobs, string id, CancellationToken ct) => TypedResults.Ok(await jobs.CancelAsync(id, ct).ConfigureAwait(false)))
            .WithSummary("Cancel a queued or running job").Problems(404);
        g.MapPost("/{id}/retry", async (JobManager jobs, string id, CancellationToken ct) =>
            {
                var job = await jobs.RetryAsync(id, ct).ConfigureAwait(false);
                return TypedResults.Accepted($"/api/jobs/{job.Id}", job);
            })
            .WithSummary("Queue a failed, cancelled or interrupted job again (it continues where it stopped)")
            .Produces<JobInfo>(StatusCodes.Status202Accepted).Problems(400, 404, 503);
        g.MapGet("/{id}/events", OneAsync)
            .WithSummary("Live events of one job as text/event-stream: 'state', 'progress' and 'log' (e.g. training loss); ends when the job finishes")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream").Problems(404);
        g.MapGet("/events", (JobEvents events, CancellationToken ct) => TypedResults.ServerSentEvents(All(events, ct)))
            .WithSummary("Live events of every job as text/event-stream")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream");
    }

    private static async Task<ServerSentEventsResult<object>> OneAsync(JobManager jobs, JobEvents events, string id, CancellationToken ct)
    {
        var job = await jobs.GetAsync(id, ct).ConfigureAwait(false);
        return TypedResults.ServerSentEvents(One(jobs, events, job, ct));
    }

    private static async IAsyncEnumerable<SseItem<object>> One(JobManager jobs, JobEvents events, JobInfo first, [EnumeratorCancellation] CancellationToken ct)
    {
        // Subscribe before reading the state again, so nothing happens unseen in between.
        using var sub = events.SubscribeWithLog(first.Id, out var logSoFar);
        var now = await jobs.GetAsync(first.Id, ct).ConfigureAwait(false);
        yield return Item("state", now);
        foreach (var point in logSoFar) yield return new SseItem<object>(point, "log");
        if (JobStates.IsFinished(now.State)) yield break;
        await foreach (var e in sub.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            yield return e.Type == "log" ? new SseItem<object>(e.Data ?? new { }, "log") : Item(e.Type, e.Job);
            if (e.Type == "state" && JobStates.IsFinished(e.Job.State)) yield break;
        }
    }

    private static async IAsyncEnumerable<SseItem<object>> All(JobEvents events, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var e in events.SubscribeAsync(null, ct).ConfigureAwait(false))
        {
            yield return e.Type == "log" ? new SseItem<object>(new { jobId = e.Job.Id, data = e.Data }, "log") : Item(e.Type, e.Job);
        }
    }

    private static SseItem<object> Item(string type, JobInfo job) => new(job, type);
}
