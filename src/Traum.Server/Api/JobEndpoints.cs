using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
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
        g.MapGet("/events", (HttpContext http, JobEvents events, ServerOptions options, CancellationToken ct) => Stream(http, All(events, options.EventKeepAlive, ct)))
            .WithSummary("Live events of every job as text/event-stream")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream");
    }

    private static async Task<ServerSentEventsResult<object>> OneAsync(HttpContext http, JobManager jobs, JobEvents events, ServerOptions options, string id, CancellationToken ct)
    {
        var job = await jobs.GetAsync(id, ct).ConfigureAwait(false);
        jobs.CatchUpLog(job.Id); // points of a job another process runs or ran, before the stream takes what was published
        return Stream(http, One(jobs, events, job, options.EventKeepAlive, ct));
    }

    private static ServerSentEventsResult<object> Stream(HttpContext http, IAsyncEnumerable<SseItem<object>> items)
    {
        // Proxies that buffer responses (nginx, and others that honour the header) pass each event on at once.
        http.Response.Headers["X-Accel-Buffering"] = "no";
        return TypedResults.ServerSentEvents(items);
    }

    /// <summary>The subscription's events as they come, and a "ping" (empty data) after each <paramref name="keepAlive"/> without one.</summary>
    private static async IAsyncEnumerable<SseItem<object>> WithKeepAlive(ChannelReader<JobEvent> reader, TimeSpan keepAlive, Func<JobEvent, SseItem<object>> map, [EnumeratorCancellation] CancellationToken ct)
    {
        while (true)
        {
            bool more;
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                idle.CancelAfter(keepAlive);
                try
                {
                    more = await reader.WaitToReadAsync(idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    more = true;
                }
            }
            if (!more) yield break;
            if (!reader.TryPeek(out _))
            {
                yield return new SseItem<object>(new { }, "ping");
                continue;
            }
            while (reader.TryRead(out var e)) yield return map(e);
        }
    }

    private static async IAsyncEnumerable<SseItem<object>> One(JobManager jobs, JobEvents events, JobInfo first, TimeSpan keepAlive, [EnumeratorCancellation] CancellationToken ct)
    {
        // Subscribe before reading the state again, so nothing happens unseen in between.
        using var sub = events.SubscribeWithLog(first.Id, out var logSoFar);
        var now = await jobs.GetAsync(first.Id, ct).ConfigureAwait(false);
        yield return Item("state", now);
        foreach (var point in logSoFar) yield return new SseItem<object>(point, "log");
        if (JobStates.IsFinished(now.State)) yield break;
        await foreach (var item in WithKeepAlive(sub.Reader, keepAlive, e => e.Type == "log" ? new SseItem<object>(e.Data ?? new { }, "log") : Item(e.Type, e.Job), ct).ConfigureAwait(false))
        {
            yield return item;
            if (item.EventType == "state" && JobStates.IsFinished(((JobInfo)item.Data).State)) yield break;
        }
    }

    private static async IAsyncEnumerable<SseItem<object>> All(JobEvents events, TimeSpan keepAlive, [EnumeratorCancellation] CancellationToken ct)
    {
        using var sub = events.Subscribe(null);
        await foreach (var item in WithKeepAlive(sub.Reader, keepAlive, e => e.Type == "log" ? new SseItem<object>(new { jobId = e.Job.Id, data = e.Data }, "log") : Item(e.Type, e.Job), ct).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    private static SseItem<object> Item(string type, JobInfo job) => new(job, type);
}
