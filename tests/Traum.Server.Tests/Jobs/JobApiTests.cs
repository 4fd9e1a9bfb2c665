using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Traum.Core;
using Traum.Server.Jobs;
using Traum.Server.Services;
using Traum.TestKit;

namespace Traum.Server.Tests.Jobs;

public sealed class JobApiTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JobInfo> TrainAsync(TestServerHost host)
    {
        using var r = await host.Client.PostAsync("/api/train", Json("{\"category\":\"bass\",\"epochs\":5}"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        return await TestServerHost.ReadAsync<JobInfo>(r);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 600 && !condition(); i++) await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.True(condition());
    }

    [Fact]
    public async Task Events_RunningJob_StreamsProgressLogAndFinalState()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ScriptedHandler(JobKinds.Train, async (run, ct) =>
        {
            await gate.Task.WaitAsync(ct);
            for (var e = 1; e <= 5; e++)
            {
                run.Progress.Report(new ProgressInfo(e, 5, "epochs", $"epoch {e}"));
                run.Log(new { epoch = e, loss = 1.0 / e });
            }
            return "{\"model\":\"m1\"}";
        });
        await using var host = await TestServerHost.StartAsync(services: s => s.AddSingleton<IJobHandler>(handler));
        var job = await TrainAsync(host);
        var events = host.App.Services.GetRequiredService<JobEvents>();

        using var response = await host.Client.GetAsync($"/api/jobs/{job.Id}/events", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await WaitUntilAsync(() => events.SubscriberCount > 0);
        gate.SetResult();

        var received = new List<(string Event, JsonElement Data)>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
        string? type = null;
        while (await reader.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) received.Add((type ?? "message", JsonDocument.Parse(line[6..]).RootElement.Clone()));
        }
        // The stream ends by itself after the final state.
        var progress = received.Where(e => e.Event == "progress").Select(e => e.Data.GetProperty("progress").GetDouble()).ToList();
        Assert.Equal([0.2, 0.4, 0.6, 0.8, 1.0], progress.Select(p => Math.Round(p, 6)));
        var losses = received.Where(e => e.Event == "log").Select(e => e.Data.GetProperty("loss").GetDouble()).ToList();
        Assert.Equal([1.0, 0.5, 1.0 / 3, 0.25, 0.2], losses);
        var last = received[^1];
        Assert.Equal("state", last.Event);
        Assert.Equal("succeeded", last.Data.GetProperty("state").GetString());
        Assert.Equal("{\"model\":\"m1\"}", last.Data.GetProperty("result").GetString());
    }

    [Fact]
    public async Task Events_QuietStream_SendsPingsUnbufferedAndThenTheJobsEvents()
    {
        // A job that reports nothing for a while: behind a proxy the stream must neither be buffered nor look dead.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ScriptedHandler(JobKinds.Train, async (_, ct) =>
        {
            await gate.Task.WaitAsync(ct);
            return null;
        });
        await using var host = await TestServerHost.StartAsync(
            options: (_, o) => o with { EventKeepAlive = TimeSpan.FromMilliseconds(100) },
            services: s => s.AddSingleton<IJobHandler>(handler));
        var job = await TrainAsync(host);
        var ct = TestContext.Current.CancellationToken;

        using var one = await host.Client.GetAsync($"/api/jobs/{job.Id}/events", HttpCompletionOption.ResponseHeadersRead, ct);
        using var all = await host.Client.GetAsync("/api/jobs/events", HttpCompletionOption.ResponseHeadersRead, ct);
        foreach (var r in new[] { one, all })
        {
            Assert.Equal("text/event-stream", r.Content.Headers.ContentType?.MediaType);
            Assert.Equal("no", Assert.Single(r.Headers.GetValues("X-Accel-Buffering")));
        }
        using var oneReader = new StreamReader(await one.Content.ReadAsStreamAsync(ct));
        using var allReader = new StreamReader(await all.Content.ReadAsStreamAsync(ct));
        async Task<List<string>> EventsUntilAsync(StreamReader reader, Func<List<string>, bool> done)
        {
            var seen = new List<string>();
            while (!done(seen) && await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) seen.Add(line[7..]);
            }
            return seen;
        }
        // Two pings on each stream while the job is silent (the first event of one job's stream is its state).
        var oneSeen = await EventsUntilAsync(oneReader, s => s.Count(e => e == "ping") >= 2);
        Assert.Equal("state", oneSeen[0]);
        Assert.Equal(2, (await EventsUntilAsync(allReader, s => s.Count(e => e == "ping") >= 2)).Count(e => e == "ping"));

        gate.SetResult();
        // Then the job's own events arrive on both, and the job's stream ends after the final state.
        var rest = await EventsUntilAsync(oneReader, _ => false);
        Assert.Equal("state", rest.Last(e => e != "ping"));
        Assert.Contains("state", await EventsUntilAsync(allReader, s => s.Contains("state")));
        Assert.Equal(JobState.Succeeded, (await host.WaitForJobAsync(job.Id)).State);
    }

    [Fact]
    public async Task Events_JobTheCommandLineRan_StartWithItsTrainingCurve()
    {
        // The command line's own runtime, on the library the server shows, runs a training and logs its curve.
        await using var host = await TestServerHost.StartAsync();
        using (var cli = Traum.Catalog.Library.Open(host.Library))
        {
            var runner = new Traum.Engine.Jobs.JobRunner(cli.Catalog);
            await runner.RunAsync<string?>(JobKinds.Train, new { category = "bass" }, context =>
            {
                for (var e = 1; e <= 3; e++) context.Log(new { epoch = e, loss = 1.0 / e });
                return Task.FromResult<string?>(null);
            }, null, TestContext.Current.CancellationToken);
        }
        var job = (await host.GetJsonAsync<List<JobInfo>>("/api/jobs")).Single(j => j.Kind == JobKinds.Train);

        var text = await host.Client.GetStringAsync($"/api/jobs/{job.Id}/events", TestContext.Current.CancellationToken);
        var losses = text.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[6..]).RootElement).Where(e => e.TryGetProperty("loss", out _)).Select(e => e.GetProperty("loss").GetDouble()).ToList();
        Assert.Equal([1.0, 0.5, 1.0 / 3], losses);
        // Opened again: the same three points, not six.
        var again = await host.Client.GetStringAsync($"/api/jobs/{job.Id}/events", TestContext.Current.CancellationToken);
        Assert.Equal(3, again.Split('\n').Count(l => l == "event: log"));
    }

    [Fact]
    public async Task Events_FinishedJob_SendsItsStateAndEnds()
    {
        var handler = new ScriptedHandler(JobKinds.Train, (_, _) => Task.FromResult<string?>(null));
        await using var host = await TestServerHost.StartAsync(services: s => s.AddSingleton<IJobHandler>(handler));
        var job = await host.WaitForJobAsync((await TrainAsync(host)).Id);
        var text = await host.Client.GetStringAsync($"/api/jobs/{job.Id}/events", TestContext.Current.CancellationToken);
        Assert.Contains("event: state", text, StringComparison.Ordinal);
        Assert.Contains("\"succeeded\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_RunningJob_EndsCancelled()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ScriptedHandler(JobKinds.Train, async (_, ct) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return null;
        });
        await using var host = await TestServerHost.StartAsync(services: s => s.AddSingleton<IJobHandler>(handler));
        var job = await TrainAsync(host);
        await started.Task.WaitAsync(TestContext.Current.CancellationToken);
        using var r = await host.Client.PostAsync($"/api/jobs/{job.Id}/cancel", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(JobState.Cancelled, (await host.WaitForJobAsync(job.Id)).State);
    }

    [Fact]
    public async Task Cancel_QueuedJob_NeverRuns()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ScriptedHandler(JobKinds.Train, async (_, ct) =>
        {
            await release.Task.WaitAsync(ct);
            return null;
        });
        await using var host = await TestServerHost.StartAsync(services: s => s.AddSingleton<IJobHandler>(handler));
        var first = await TrainAsync(host);
        var second = await TrainAsync(host);
        await WaitUntilAsync(() => handler.Runs == 1);
        using var r = await host.Client.PostAsync($"/api/jobs/{second.Id}/cancel", null, TestContext.Current.CancellationToken);
        Assert.Equal(JobState.Cancelled, (await TestServerHost.ReadAsync<JobInfo>(r)).State);
        release.SetResult();
        Assert.Equal(JobState.Succeeded, (await host.WaitForJobAsync(first.Id)).State);
        Assert.Equal(JobState.Cancelled, (await host.WaitForJobAsync(second.Id)).State);
        Assert.Equal(1, handler.Runs);
    }

    [Fact]
    public async Task Retry_FailedJob_RunsAgainWithTheSameParameters()
    {
        var seen = new List<string?>();
        var handler = new ScriptedHandler(JobKinds.Train, (run, _) =>
        {
            lock (seen) seen.Add(run.Job.Parameters);
            if (seen.Count == 1) throw new TraumException("no bass stems yet");
            return Task.FromResult<string?>("{}");
        });
        await using var host = await TestServerHost.StartAsync(services: s => s.AddSingleton<IJobHandler>(handler));
        var job = await host.WaitForJobAsync((await TrainAsync(host)).Id);
        Assert.Equal(JobState.Failed, job.State);
        Assert.Equal("no bass stems yet", job.Error);
        using var r = await host.Client.PostAsync($"/api/jobs/{job.Id}/retry", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        Assert.Equal(JobState.Succeeded, (await host.WaitForJobAsync(job.Id)).State);
        Assert.Equal(2, seen.Count);
        Assert.Equal(seen[0], seen[1]);
        using var again = await host.Client.PostAsync($"/api/jobs/{job.Id}/retry", null, TestContext.Current.CancellationToken);
        await ProblemAssert.IsProblemAsync(again, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task InternalErrorInJob_RecordSaysSoWithoutDetails()
    {
        var handler = new ScriptedHandler(JobKinds.Train, (_, _) => throw new InvalidOperationException("secret internals"));
        await using var host = await TestServerHost.StartAsync(services: s => s.AddSingleton<IJobHandler>(handler));
        var job = await host.WaitForJobAsync((await TrainAsync(host)).Id);
        Assert.Equal(JobState.Failed, job.State);
        Assert.DoesNotContain("secret", job.Error, StringComparison.Ordinal);
        Assert.Contains("internal error", job.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_JobRunningAtShutdown_IsInterruptedThenRetriedToSuccess()
    {
        using var dir = new TempDir("restart");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocking = new ScriptedHandler(JobKinds.Train, async (_, ct) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return null;
        });
        string id;
        var first = await TestServerHost.StartAsync(services: s => s.AddSingleton<IJobHandler>(blocking), root: dir.Path);
        id = (await TrainAsync(first)).Id;
        await started.Task.WaitAsync(TestContext.Current.CancellationToken);
        await first.DisposeAsync();

        var quick = new ScriptedHandler(JobKinds.Train, (_, _) => Task.FromResult<string?>("{}"));
        await using var second = await TestServerHost.StartAsync(services: s => s.AddSingleton<IJobHandler>(quick), root: dir.Path);
        var job = await second.GetJsonAsync<JobInfo>($"/api/jobs/{id}");
        Assert.Equal(JobState.Interrupted, job.State);
        using var r = await second.Client.PostAsync($"/api/jobs/{id}/retry", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        Assert.Equal(JobState.Succeeded, (await second.WaitForJobAsync(id)).State);
    }

    [Fact]
    public async Task Search_WhileHeavyJobsRun_IsAnsweredAtOnce()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        var heavy = new ScriptedHandler(JobKinds.Train, async (_, ct) =>
        {
            Interlocked.Increment(ref started);
            await release.Task.WaitAsync(ct);
            return null;
        });
        await using var host = await TestServerHost.StartAsync(services: s =>
        {
            s.AddSingleton<IJobHandler>(heavy);
            s.AddSingleton<ISearchPort>(new FixedSearch());
        });
        var a = await TrainAsync(host);
        await TrainAsync(host);
        await WaitUntilAsync(() => Volatile.Read(ref started) == 1);
        using var r = await host.Client.GetAsync("/api/search?q=warm+pad", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        // The training lane is still busy (one running, one queued) when the search has been answered.
        Assert.Equal(JobState.Running, (await host.GetJsonAsync<JobInfo>($"/api/jobs/{a.Id}")).State);
        release.SetResult();
    }

    [Fact]
    public async Task List_Jobs_NewestFirst()
    {
        var handler = new ScriptedHandler(JobKinds.Train, (_, _) => Task.FromResult<string?>(null));
        await using var host = await TestServerHost.StartAsync(services: s => s.AddSingleton<IJobHandler>(handler));
        var a = await TrainAsync(host);
        var b = await TrainAsync(host);
        var list = await host.GetJsonAsync<List<JobInfo>>("/api/jobs");
        Assert.Equal([b.Id, a.Id], list.Select(j => j.Id).Take(2));
    }

    [Theory]
    [InlineData("/api/train", "{\"category\":\"bass\"}")]
    [InlineData("/api/generate", "{\"model\":\"bass-v1\"}")]
    public async Task Submit_FeatureNotInBuild_Returns503(string url, string body)
    {
        await using var host = await TestServerHost.StartAsync(services: s => s.RemoveAll<IJobHandler>());
        using var r = await host.Client.PostAsync(url, Json(body), TestContext.Current.CancellationToken);
        var p = await ProblemAssert.IsProblemAsync(r, HttpStatusCode.ServiceUnavailable);
        Assert.Contains("not available in this build", p.Detail ?? "", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/train", "{}")]
    [InlineData("/api/train", "{\"category\":\"bass\",\"epochs\":0}")]
    [InlineData("/api/generate", "{\"model\":\"\"}")]
    [InlineData("/api/generate", "{\"model\":\"m\",\"mode\":\"chaos\"}")]
    [InlineData("/api/generate", "{\"model\":\"m\",\"count\":100000}")]
    [InlineData("/api/generate", "[1,2,3]")]
    public async Task Submit_BadBody_Returns400(string url, string body)
    {
        await using var host = await TestServerHost.StartAsync();
        using var r = await host.Client.PostAsync(url, Json(body), TestContext.Current.CancellationToken);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.BadRequest);
    }

    /// <summary>Answers every search with no hits, at once.</summary>
    private sealed class FixedSearch : ISearchPort
    {
        public Task<IReadOnlyList<SearchHit>> ByTextAsync(string text, int k, SearchFilter filter, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<SearchHit>>([]);

        public Task<IReadOnlyList<SearchHit>> ByAudioAsync(string path, int k, SearchFilter filter, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<SearchHit>>([]);

        public Task<IReadOnlyList<SearchHit>> ByStemAsync(long id, int k, SearchFilter filter, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<SearchHit>>([]);

        public Task<IReadOnlyList<DuplicateGroup>> DuplicatesAsync(Traum.Engine.Search.DuplicateRequest request, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<DuplicateGroup>>([]);
    }
}
