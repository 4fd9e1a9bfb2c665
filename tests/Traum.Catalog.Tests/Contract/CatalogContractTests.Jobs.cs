using System.Collections.Concurrent;
using Traum.Core;

namespace Traum.Catalog.Tests.Contract;

/// <summary>Job claims for many runtimes: one winner per job, leases that expire and are taken over, bounded attempts, cancel requests.</summary>
public abstract partial class CatalogContractTests
{
    private static readonly DateTimeOffset ClockStart = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    [Fact]
    public void ClaimJob_RuntimesRacingForOneJob_ExactlyOneWinsEveryTime()
    {
        for (var round = 0; round < 20; round++)
        {
            var job = _store.CreateJob("ingest", null, detached: true);
            var winners = new ConcurrentBag<(string Job, int Runtime)>();
            using var start = new Barrier(4);
            Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            {
                start.SignalAndWait();
                if (_store.ClaimJob($"host:{i}:1:{round:x8}", TimeSpan.FromMinutes(1), ["ingest"]) is { } j) winners.Add((j.Id, i));
            });
            Assert.Equal(job.Id, Assert.Single(winners).Job);
            Assert.Equal(JobState.Running, _store.GetJob(job.Id)!.State);
            Assert.True(_store.FinishOwnedJob(job.Id, $"host:{winners.Single().Runtime}:1:{round:x8}", JobState.Succeeded));
        }
    }

    [Fact]
    public void ClaimJob_ManyRuntimesDrainingAQueue_ClaimEachJobOnceOldestFirst()
    {
        var ids = Enumerable.Range(0, 40).Select(i => _store.CreateJob(i % 2 == 0 ? "ingest" : "train", null, detached: true).Id).ToList();
        var foreground = _store.CreateJob("ingest", null, detached: false);
        var claims = new ConcurrentBag<string>();
        Parallel.For(0, 6, new ParallelOptions { MaxDegreeOfParallelism = 6 }, r =>
        {
            var order = new List<(DateTimeOffset, string)>();
            while (_store.ClaimJob($"host:{r}:1:0000000{r}", TimeSpan.FromMinutes(1), ["ingest", "train"]) is { } j) { claims.Add(j.Id); order.Add((j.CreatedAt, j.Id)); }
            // Each claim takes the oldest claimable job, so one runtime's claims come in creation order.
            Assert.Equal(order.Order(), order);
        });
        Assert.Equal(ids.Order(), claims.Order());
        Assert.Equal(JobState.Queued, _store.GetJob(foreground.Id)!.State); // only claimed by id, by the runtime that made it
        Assert.Equal(foreground.Id, _store.ClaimJob("cli:1:1:00000001", TimeSpan.FromMinutes(1), id: foreground.Id)!.Id);
        Assert.Null(_store.ClaimJob("host:9:1:00000009", TimeSpan.FromMinutes(1), ["ingest"], id: ids[1])); // a train job, and taken
    }

    [Fact]
    public void ClaimJob_RepeatedTakeOvers_BackOffExponentially()
    {
        var clock = new ManualClock(ClockStart);
        var store = CreateWithClock(clock);
        var lease = TimeSpan.FromSeconds(30);
        var job = store.CreateJob("ingest", "{}", detached: true, maxAttempts: 4);
        Assert.Equal(job.Id, store.ClaimJob("w:1:1:00000001", lease)!.Id); // attempt 1, lease until 30 s

        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(job.Id, store.ClaimJob("w:2:1:00000002", lease)!.Id); // 31 s: the first take-over at expiry; lease until 61 s

        clock.Advance(TimeSpan.FromSeconds(31)); // 62 s: expired, but the second take-over waits one more lease
        Assert.Null(store.ClaimJob("w:3:1:00000003", lease));
        clock.Advance(TimeSpan.FromSeconds(30)); // 92 s: 61 + 30 has passed
        Assert.Equal(job.Id, store.ClaimJob("w:3:1:00000003", lease)!.Id); // attempt 3, lease until 122 s

        clock.Advance(TimeSpan.FromSeconds(108)); // 200 s: the third take-over waits three leases (until 212 s)
        Assert.Null(store.ClaimJob("w:4:1:00000004", lease));
        Assert.Empty(store.FindInterruptedJobs()); // still someone's to take over, not interrupted
        clock.Advance(TimeSpan.FromSeconds(13)); // 213 s
        var last = store.ClaimJob("w:4:1:00000004", lease)!;
        Assert.Equal(job.Id, last.Id);
        Assert.True(store.FinishOwnedJob(job.Id, "w:4:1:00000004", JobState.Succeeded));
    }

    [Fact]
    public void ClaimJob_ExpiredLease_IsTakenOverUntilAttemptsRunOut()
    {
        var clock = new ManualClock(ClockStart);
        var store = CreateWithClock(clock);
        var job = store.CreateJob("separate", "{\"f\":1}", detached: true, maxAttempts: 2);
        Assert.Null(store.ClaimJob("w:1:1:00000002", TimeSpan.FromSeconds(30), ["train"])); // not a kind it runs
        var first = store.ClaimJob("w:1:1:00000001", TimeSpan.FromSeconds(30), ["separate"])!;
        Assert.Equal(job.Id, first.Id);
        Assert.Equal(ClockStart, first.StartedAt);

        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(new LeaseRenewal(true, false), store.RenewJobLease(job.Id, "w:1:1:00000001", TimeSpan.FromSeconds(30))); // heartbeat: until 50 s
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Null(store.ClaimJob("w:2:1:00000002", TimeSpan.FromSeconds(30))); // 49 s: the renewed lease holds
        clock.Advance(TimeSpan.FromSeconds(2));
        var second = store.ClaimJob("w:2:1:00000002", TimeSpan.FromSeconds(30))!; // 51 s: expired, taken over
        Assert.Equal(job.Id, second.Id);
        Assert.Equal("{\"f\":1}", second.Parameters);
        Assert.Equal(ClockStart, second.StartedAt);
        Assert.Contains("taken over", second.Message, StringComparison.Ordinal);

        // The first runtime has lost it: its heartbeat, progress and finish write nothing.
        Assert.Equal(new LeaseRenewal(false, false), store.RenewJobLease(job.Id, "w:1:1:00000001", TimeSpan.FromSeconds(30)));
        store.UpdateOwnedJobProgress(job.Id, "w:1:1:00000001", 0.9, "stale");
        Assert.False(store.FinishOwnedJob(job.Id, "w:1:1:00000001", JobState.Failed, "late"));
        store.UpdateOwnedJobProgress(job.Id, "w:2:1:00000002", 0.25, "a quarter");
        var mid = store.GetJob(job.Id)!;
        Assert.Equal((JobState.Running, 0.25, "a quarter"), (mid.State, mid.Progress, mid.Message));

        // Two attempts used: once this lease expires too, nobody takes it over, and it is marked interrupted.
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Null(store.ClaimJob("w:3:1:00000003", TimeSpan.FromSeconds(30)));
        Assert.Equal(new[] { job.Id }, store.FindInterruptedJobs().Select(j => j.Id));
        Assert.Equal(new[] { job.Id }, store.MarkInterruptedJobs().Select(j => j.Id));
        var gone = store.GetJob(job.Id)!;
        Assert.Equal(JobState.Interrupted, gone.State);
        Assert.Equal(clock.GetUtcNow(), gone.FinishedAt);
        Assert.Empty(store.MarkInterruptedJobs());

        // A retry queues it afresh for any runtime, with its attempts reset.
        Assert.Equal(JobState.Queued, store.RequeueJob(job.Id)!.State);
        Assert.Null(store.RequeueJob(job.Id)); // queued: nothing to retry
        Assert.Equal(job.Id, store.ClaimJob("w:4:1:00000004", TimeSpan.FromSeconds(30))!.Id);
        Assert.True(store.FinishOwnedJob(job.Id, "w:4:1:00000004", JobState.Succeeded, resultJson: "{\"stems\":4}"));
        var done = store.GetJob(job.Id)!;
        Assert.Equal((JobState.Succeeded, 1.0, "{\"stems\":4}"), (done.State, done.Progress, done.Result));
    }

    [Fact]
    public void RequestJobCancel_QueuedIsCancelledAtOnce_RunningIsFlaggedForItsRuntime()
    {
        var lease = TimeSpan.FromMinutes(1);
        var queued = _store.CreateJob("train", null, detached: true);
        var running = _store.CreateJob("train", null, detached: true);
        Assert.Equal(running.Id, _store.ClaimJob("w:1:1:00000001", lease, id: running.Id)!.Id);

        var cancelled = _store.RequestJobCancel(queued.Id);
        Assert.Equal(JobState.Cancelled, cancelled.State);
        Assert.NotNull(cancelled.FinishedAt);
        Assert.True(_store.IsJobCancelRequested(queued.Id));
        Assert.Null(_store.ClaimJob("w:2:1:00000002", lease, ["train"])); // the cancelled one is not claimable, the other is held

        var flagged = _store.RequestJobCancel(running.Id);
        Assert.Equal(JobState.Running, flagged.State); // its runtime stops it at the next heartbeat
        Assert.Equal(new LeaseRenewal(true, true), _store.RenewJobLease(running.Id, "w:1:1:00000001", lease));
        Assert.True(_store.FinishOwnedJob(running.Id, "w:1:1:00000001", JobState.Cancelled, message: "stopped"));
        Assert.Equal((JobState.Cancelled, "stopped"), (_store.GetJob(running.Id)!.State, _store.GetJob(running.Id)!.Message));

        var finished = _store.CreateJob("reindex");
        _store.StartJob(finished.Id);
        _store.FinishJob(finished.Id, JobState.Succeeded);
        Assert.Equal(JobState.Succeeded, _store.RequestJobCancel(finished.Id).State); // finished jobs stay as they are
        Assert.False(_store.IsJobCancelRequested(finished.Id));
        Assert.Throws<NotFoundException>(() => _store.RequestJobCancel(new string('0', 32)));
        Assert.Throws<NotFoundException>(() => _store.RequeueJob(new string('0', 32)));
    }
    [Fact]
    public void JobLog_AppendedPointsAreReadBackInOrder_AfterASequence_AndPerJob()
    {
        var a = _store.CreateJob("train", "{}");
        var b = _store.CreateJob("train", "{}");
        var s1 = _store.AppendJobLog(a.Id, "{\"epoch\":1,\"loss\":0.9}");
        var s2 = _store.AppendJobLog(b.Id, "{\"epoch\":1,\"loss\":0.5}");
        var s3 = _store.AppendJobLog(a.Id, "{\"epoch\":2,\"loss\":0.4}");
        Assert.True(s1 < s2 && s2 < s3);
        Assert.Equal([new JobLogEntry(s1, "{\"epoch\":1,\"loss\":0.9}"), new JobLogEntry(s3, "{\"epoch\":2,\"loss\":0.4}")], _store.GetJobLog(a.Id));
        Assert.Equal([new JobLogEntry(s3, "{\"epoch\":2,\"loss\":0.4}")], _store.GetJobLog(a.Id, after: s1));
        Assert.Single(_store.GetJobLog(a.Id, limit: 1));
        Assert.Empty(_store.GetJobLog(a.Id, after: s3));
        Assert.Equal(s2, Assert.Single(_store.GetJobLog(b.Id)).Sequence);
        Assert.Throws<NotFoundException>(() => _store.AppendJobLog(new string('0', 32), "{}"));
        Assert.Empty(_store.GetJobLog(new string('0', 32)));
    }
}
