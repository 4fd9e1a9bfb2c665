using System.Collections.Concurrent;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Jobs;
using Traum.TestKit;
using Traum.TestKit.Postgres;

[assembly: AssemblyFixture(typeof(PostgresCluster))]

namespace Traum.Engine.Tests.Jobs;

/// <summary>
/// The job runtime over a shared PostgreSQL catalog: two "processes" (each its own library over the same database, as
/// two workers on two machines have) race for the same jobs.
/// </summary>
public sealed class PostgresJobRuntimeTests : IDisposable
{
    private static readonly JobRuntimeOptions Fast = new()
    {
        Lease = TimeSpan.FromMilliseconds(600), Heartbeat = TimeSpan.FromMilliseconds(100), PollInterval = TimeSpan.FromMilliseconds(20), MaxAttempts = 3,
    };

    private readonly PostgresCluster _cluster;
    private readonly string _url;
    private readonly TempDir _store = new("pg-runtime");
    private readonly Library _first;
    private readonly Library _second;

    public PostgresJobRuntimeTests(PostgresCluster cluster)
    {
        _cluster = cluster;
        _url = cluster.CreateCatalogDatabase();
        _first = Library.Open(_store.Path, _url);
        _second = Library.Open(_store.Path, _url);
    }

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
        _cluster.DropDatabase(_url);
        _store.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JobRunner Runtime(Library library) => new(library.Catalog, options: Fast) { ProgressInterval = TimeSpan.Zero };

    [Fact]
    public async Task RunNextAsync_TwoProcessesRacingOverOneDatabase_EachJobRunsExactlyOnce()
    {
        var a = Runtime(_first);
        var b = Runtime(_second);
        var ids = Enumerable.Range(0, 30).Select(i => (i % 2 == 0 ? a : b).Submit("ingest", $"{{\"n\":{i}}}").Id).ToList();
        var runs = new ConcurrentDictionary<string, int>();
        async Task Drain(JobRunner r)
        {
            while (await r.RunNextAsync(["ingest"], async ctx =>
            {
                runs.AddOrUpdate(ctx.JobId, 1, (_, n) => n + 1);
                await Task.Yield();
                return "{}";
            }, Ct))
            {
            }
        }
        await Task.WhenAll(Task.Run(() => Drain(a), Ct), Task.Run(() => Drain(b), Ct), Task.Run(() => Drain(a), Ct), Task.Run(() => Drain(b), Ct));
        Assert.Equal(ids.Order(), runs.Keys.Order());
        Assert.All(runs.Values, n => Assert.Equal(1, n));
        Assert.All(ids, id => Assert.Equal(JobState.Succeeded, _first.Catalog.GetJob(id)!.State));
    }

    [Fact]
    public async Task RunNextAsync_RuntimeThatStoppedAnswering_IsTakenOverByTheOtherProcess()
    {
        var job = Runtime(_first).Submit("separate", "{}");
        // The lease is long enough that the next statement finds it valid even on a loaded machine (the lease arithmetic
        // itself is checked on a manual clock in the catalog contract tests).
        var lease = TimeSpan.FromSeconds(3);
        var claimedAt = DateTime.UtcNow;
        var dead = _first.Catalog.ClaimJob("elsewhere:1:1:deadbeef", lease, ["separate"]);
        Assert.Equal(job.Id, dead!.Id);
        var b = Runtime(_second);
        Task<string?> Work(JobContext _) => Task.FromResult<string?>("{\"ok\":true}");
        var ranEarly = await b.RunNextAsync(["separate"], Work, Ct);
        if (!ranEarly)
        {
            var left = lease - (DateTime.UtcNow - claimedAt) + TimeSpan.FromMilliseconds(300);
            if (left > TimeSpan.Zero) await Task.Delay(left, Ct);
            Assert.True(await b.RunNextAsync(["separate"], Work, Ct));
        }
        else
        {
            Assert.True(DateTime.UtcNow - claimedAt >= lease, "taken over while the lease was still valid");
        }
        var done = _first.Catalog.GetJob(job.Id)!;
        Assert.Equal((JobState.Succeeded, "{\"ok\":true}"), (done.State, done.Result));
        Assert.False(_first.Catalog.FinishOwnedJob(job.Id, "elsewhere:1:1:deadbeef", JobState.Failed, "late"));
    }

    [Fact]
    public async Task RequestCancel_FromTheOtherProcess_StopsTheRunningJob()
    {
        var a = Runtime(_first);
        var job = a.Submit("train", "{}");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = Task.Run(() => a.RunNextAsync(["train"], async ctx =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            return null;
        }, Ct), Ct);
        await started.Task.WaitAsync(Ct);
        Runtime(_second).RequestCancel(job.Id);
        Assert.True(await running);
        for (var i = 0; i < 200 && _first.Catalog.GetJob(job.Id)!.State == JobState.Running; i++) await Task.Delay(25, Ct);
        Assert.Equal(JobState.Cancelled, _first.Catalog.GetJob(job.Id)!.State);
    }

    [Fact]
    public async Task RunNextAsync_CatalogConnectionLostMidJob_JobIsNotFailedButTakenOverAndFinished()
    {
        var a = Runtime(_first);
        var job = a.Submit("ingest", "{}");
        // The work meets a real connection failure (nothing listens on port 1), as a job does when the database restarts.
        Assert.True(await a.RunNextAsync(["ingest"], _ =>
        {
            using var dead = new Npgsql.NpgsqlConnection("Host=127.0.0.1;Port=1;Timeout=3;Pooling=false;Username=x;Database=x");
            dead.Open();
            return Task.FromResult<string?>("{}");
        }, Ct));
        var left = _first.Catalog.GetJob(job.Id)!;
        Assert.Equal(JobState.Running, left.State);
        Assert.Null(left.Error);

        // Once its lease has expired the other process claims it (a take-over) and finishes it.
        var b = Runtime(_second);
        string? ran = null;
        for (var i = 0; i < 300 && ran is null; i++)
        {
            if (!await b.RunNextAsync(["ingest"], ctx =>
            {
                ran = ctx.JobId;
                return Task.FromResult<string?>("{\"done\":true}");
            }, Ct))
            {
                await Task.Delay(100, Ct);
            }
        }
        Assert.Equal(job.Id, ran);
        var done = _first.Catalog.GetJob(job.Id)!;
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal("{\"done\":true}", done.Result);
    }
}
