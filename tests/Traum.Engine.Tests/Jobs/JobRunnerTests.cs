using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Jobs;
using Traum.TestKit;

namespace Traum.Engine.Tests.Jobs;

public sealed class JobRunnerTests : IDisposable
{
    private readonly TempDir _dir = new("jobs");
    private readonly CatalogStore _catalog;

    public JobRunnerTests() => _catalog = CatalogStore.Open(_dir.File("catalog.db"));

    public void Dispose()
    {
        _catalog.Dispose();
        _dir.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task RunAsync_Success_SavesResultAndSucceeded()
    {
        var runner = new JobRunner(_catalog);
        var r = await runner.RunAsync("train", new { category = "bass" }, ctx => Task.FromResult(new { epochs = 3 }), null, Ct);
        Assert.Equal(3, r.epochs);
        var job = _catalog.ListJobs().Single();
        Assert.Equal((JobState.Succeeded, "train"), (job.State, job.Kind));
        Assert.Equal("{\"category\":\"bass\"}", job.Parameters);
        Assert.Equal("{\"epochs\":3}", job.Result);
        Assert.NotNull(job.StartedAt);
        Assert.NotNull(job.FinishedAt);
    }

    [Fact]
    public async Task RunAsync_Throws_MarksFailedWithMessageAndRethrows()
    {
        var runner = new JobRunner(_catalog);
        var e = await Assert.ThrowsAsync<InvalidInputException>(() =>
            runner.RunAsync<int>("train", null, _ => throw new InvalidInputException("too little audio"), null, Ct));
        var job = _catalog.ListJobs().Single();
        Assert.Equal(JobState.Failed, job.State);
        Assert.Equal(e.Message, job.Error);
    }

    [Fact]
    public async Task Cancel_RunningJob_MarksCancelled()
    {
        var runner = new JobRunner(_catalog);
        var started = new TaskCompletionSource();
        var job = runner.Create("generate");
        var run = runner.RunAsync(job, async ctx =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            return 0;
        }, null, Ct);
        await started.Task;
        Assert.Equal(JobState.Running, _catalog.GetJob(job.Id)!.State);
        Assert.Contains(job.Id, runner.RunningJobIds);
        Assert.True(runner.Cancel(job.Id));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(JobState.Cancelled, _catalog.GetJob(job.Id)!.State);
        Assert.False(runner.Cancel(job.Id));
    }

    [Fact]
    public async Task Progress_IsThrottledAndTheLastValueIsSaved()
    {
        var time = new ManualTime();
        var runner = new JobRunner(_catalog, time) { ProgressInterval = TimeSpan.FromSeconds(1) };
        var seen = new List<ProgressInfo>();
        var observer = new Observer(seen);
        var saves = 0;
        runner.JobUpdated += (_, j) => { if (j.State == JobState.Running && j.Message is not null) saves++; };
        string? id = null;
        double? midway = null;
        await runner.RunAsync("ingest", null, ctx =>
        {
            id = ctx.JobId;
            ctx.Progress.Report(new ProgressInfo(1, 10, "files", "one"));   // saved (first)
            ctx.Progress.Report(new ProgressInfo(2, 10, "files", "two"));   // same instant: held back
            time.Now += TimeSpan.FromMilliseconds(500);
            ctx.Progress.Report(new ProgressInfo(3, 10, "files", "three")); // still inside the interval
            midway = _catalog.GetJob(ctx.JobId)!.Progress;
            time.Now += TimeSpan.FromSeconds(1);
            ctx.Progress.Report(new ProgressInfo(4, 10, "files", "four"));  // saved
            ctx.Progress.Report(new ProgressInfo(5, 10, "files", "five"));  // held back, flushed at the end
            return Task.FromResult(0);
        }, observer, Ct);
        Assert.Equal(5, seen.Count); // the observer sees every report
        Assert.Equal(0.1, midway);
        Assert.Equal(3, saves); // "one", "four", and the final flush of "five"
        var job = _catalog.GetJob(id!)!;
        Assert.Equal("five", job.Message);
        Assert.Equal(1.0, job.Progress); // succeeded
    }

    [Fact]
    public void RecoverInterrupted_JobOfDeadProcess_IsMarkedInterrupted()
    {
        var job = _catalog.CreateJob("ingest");
        _catalog.StartJob(job.Id);
        // As if the process that started it had died: no live owner.
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_catalog.DatabasePath}"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "UPDATE jobs SET owner = NULL WHERE id = $id;";
            cmd.Parameters.AddWithValue("$id", job.Id);
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }
        var marked = new JobRunner(_catalog).RecoverInterrupted();
        Assert.Equal(new[] { job.Id }, marked.Select(j => j.Id));
        Assert.Equal(JobState.Interrupted, _catalog.GetJob(job.Id)!.State);
    }

    private sealed class Observer(List<ProgressInfo> sink) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => sink.Add(value);
    }
}
