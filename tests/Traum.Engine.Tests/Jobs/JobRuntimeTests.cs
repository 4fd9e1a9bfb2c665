using System.Collections.Concurrent;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Jobs;
using Traum.TestKit;

namespace Traum.Engine.Tests.Jobs;

/// <summary>Several runtimes over one catalog: claims, leases, take-over, cancel requests.</summary>
public sealed class JobRuntimeTests : IDisposable
{
    private static readonly JobRuntimeOptions Fast = new()
    {
        Lease = TimeSpan.FromMilliseconds(600), Heartbeat = TimeSpan.FromMilliseconds(100), PollInterval = TimeSpan.FromMilliseconds(20), MaxAttempts = 3,
    };

    private readonly TempDir _dir = new("runtime");
    private readonly CatalogStore _catalog;

    public JobRuntimeTests() => _catalog = CatalogStore.Open(_dir.File("catalog.db"));

    public void Dispose()
    {
        _catalog.Dispose();
        _dir.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private JobRunner Runtime() => new(_catalog, options: Fast) { ProgressInterval = TimeSpan.Zero };

    private static async Task<JobInfo> WaitFor(CatalogStore catalog, string id, Func<JobInfo, bool> done)
    {
        for (var i = 0; i < 600; i++)
        {
            var j = catalog.GetJob(id)!;
            if (done(j)) return j;
            await Task.Delay(25, Ct);
        }
        return catalog.GetJob(id)!;
    }

    [Fact]
    public async Task RunNextAsync_TwoRuntimesRacingOverOneCatalog_EachJobRunsExactlyOnce()
    {
        var a = Runtime();
        var b = Runtime();
        var ids = Enumerable.Range(0, 30).Select(i => a.Submit("ingest", $"{{\"n\":{i}}}").Id).ToList();
        var runs = new ConcurrentDictionary<string, int>();
        async Task Drain(JobRunner r)
        {
            while (await r.RunNextAsync(["ingest"], ctx =>
            {
                runs.AddOrUpdate(ctx.JobId, 1, (_, n) => n + 1);
                return Task.FromResult<string?>("{}");
            }, Ct))
            {
            }
        }
        await Task.WhenAll(Task.Run(() => Drain(a), Ct), Task.Run(() => Drain(b), Ct), Task.Run(() => Drain(a), Ct), Task.Run(() => Drain(b), Ct));
        Assert.Equal(ids.Order(), runs.Keys.Order());
        Assert.All(runs.Values, n => Assert.Equal(1, n));
        Assert.All(ids, id => Assert.Equal(JobState.Succeeded, _catalog.GetJob(id)!.State));
    }

    [Fact]
    public async Task RunNextAsync_LeaseOfADeadRuntimeExpired_AnotherRuntimeTakesItOverAndFinishes()
    {
        var submitter = Runtime();
        var job = submitter.Submit("separate", "{}");
        // A runtime claims it and dies: its lease is never renewed.
        var dead = _catalog.ClaimJob("elsewhere:1:1:deadbeef", TimeSpan.FromMilliseconds(200), ["separate"]);
        Assert.Equal(job.Id, dead!.Id);
        var b = Runtime();
        Assert.False(await b.RunNextAsync(["separate"], _ => Task.FromResult<string?>("{}"), Ct)); // lease still valid
        await Task.Delay(400, Ct);
        string? ranId = null;
        Assert.True(await b.RunNextAsync(["separate"], ctx =>
        {
            ranId = ctx.JobId;
            return Task.FromResult<string?>("{\"ok\":true}");
        }, Ct));
        Assert.Equal(job.Id, ranId);
        var done = _catalog.GetJob(job.Id)!;
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal("{\"ok\":true}", done.Result);
        // The dead runtime, should it wake up, can write nothing over the finished record.
        Assert.False(_catalog.FinishOwnedJob(job.Id, "elsewhere:1:1:deadbeef", JobState.Failed, "late"));
        Assert.Equal(JobState.Succeeded, _catalog.GetJob(job.Id)!.State);
    }

    [Fact]
    public async Task RequestCancel_FromAnotherRuntime_StopsTheRunningJob()
    {
        var a = Runtime();
        var b = Runtime();
        var job = a.Submit("train", "{}");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = Task.Run(() => a.RunNextAsync(["train"], async ctx =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            return null;
        }, Ct), Ct);
        await started.Task.WaitAsync(Ct);
        b.RequestCancel(job.Id); // b does not run it: the request travels through the catalog
        Assert.True(await running);
        var done = await WaitFor(_catalog, job.Id, j => j.State != JobState.Running);
        Assert.Equal(JobState.Cancelled, done.State);
    }

    [Fact]
    public async Task RunNextAsync_LeaseTakenOverWhileRunning_OldRuntimeStopsAndWritesNothing()
    {
        var a = Runtime();
        var job = a.Submit("generate", "{}");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = false;
        var running = Task.Run(() => a.RunNextAsync(["generate"], async ctx =>
        {
            started.SetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
                throw;
            }
            return null;
        }, Ct), Ct);
        await started.Task.WaitAsync(Ct);
        // Another runtime took the job over (as after a pause longer than the lease).
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_catalog.DatabasePath}"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA busy_timeout = 15000; UPDATE jobs SET owner = 'other:1:1:cafebabe', message = 'theirs' WHERE id = $id;";
            cmd.Parameters.AddWithValue("$id", job.Id);
            cmd.ExecuteNonQuery();
        }
        Assert.True(await running);
        Assert.True(cancelled);
        var now = _catalog.GetJob(job.Id)!;
        Assert.Equal(JobState.Running, now.State); // still the other runtime's
        Assert.Equal("theirs", now.Message);
    }

    [Fact]
    public async Task RecoverInterrupted_DetachedJobOutOfAttempts_MarkedInterrupted_ForegroundJobNeverTakenOver()
    {
        var a = Runtime();
        var detached = a.Submit("ingest", "{}");
        for (var i = 0; i < Fast.MaxAttempts; i++)
        {
            Assert.NotNull(_catalog.ClaimJob($"gone:1:1:{i:x8}", TimeSpan.FromMilliseconds(50), ["ingest"]));
            await Task.Delay(120, Ct);
        }
        var foreground = a.Create("ingest");
        Assert.NotNull(_catalog.ClaimJob("gone:1:1:ffffffff", TimeSpan.FromMilliseconds(50), id: foreground.Id));
        await Task.Delay(120, Ct);

        // Neither is claimable by workers any more: out of attempts, and a command line's own job.
        Assert.False(await a.RunNextAsync(["ingest"], _ => Task.FromResult<string?>(null), Ct));
        var marked = a.RecoverInterrupted();
        Assert.Equal(new[] { detached.Id, foreground.Id }.Order(), marked.Select(j => j.Id).Order());
        Assert.All(marked, j => Assert.Equal(JobState.Interrupted, _catalog.GetJob(j.Id)!.State));
        // A retry starts it afresh, for any runtime.
        Assert.NotNull(a.Requeue(detached.Id));
        Assert.True(await a.RunNextAsync(["ingest"], _ => Task.FromResult<string?>(null), Ct));
        Assert.Equal(JobState.Succeeded, _catalog.GetJob(detached.Id)!.State);
    }

    [Fact]
    public void ClaimJob_ConcurrentClaimsOfOneJob_OneWins()
    {
        var job = _catalog.CreateJob("ingest", null, detached: true);
        var winners = new ConcurrentBag<string>();
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if (_catalog.ClaimJob($"host:1:1:{i:x8}", TimeSpan.FromMinutes(1), ["ingest"]) is { } j) winners.Add(j.Id);
        });
        Assert.Equal(new[] { job.Id }, winners);
    }
}
