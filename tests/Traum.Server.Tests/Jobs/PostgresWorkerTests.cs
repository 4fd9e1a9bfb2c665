using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine;
using Traum.Server.Jobs;
using Traum.TestKit;
using Traum.TestKit.Postgres;

[assembly: AssemblyFixture(typeof(PostgresCluster))]

namespace Traum.Server.Tests.Jobs;

/// <summary><c>traum serve --no-worker</c> and <c>traum worker</c> sharing one PostgreSQL catalog and store.</summary>
public sealed class PostgresWorkerTests(PostgresCluster cluster) : IDisposable
{
    private readonly TempDir _dir = new("pg-worker");
    private readonly string _url = cluster.CreateCatalogDatabase();

    public void Dispose()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        cluster.DropDatabase(_url);
        _dir.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Dictionary<string, string?> Shared() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["catalog"] = _url, ["store"] = _dir.File("store"), ["models:root"] = _dir.File("models"),
    };

    private static async Task<JobState> StateAfter(ICatalog catalog, string id, TimeSpan wait, Func<JobState, bool> done)
    {
        var until = DateTime.UtcNow + wait;
        var state = catalog.GetJob(id)!.State;
        while (!done(state) && DateTime.UtcNow < until)
        {
            await Task.Delay(50, Ct);
            state = catalog.GetJob(id)!.State;
        }
        return state;
    }

    [Fact]
    public async Task ServeWithoutWorker_QueuesJobs_AWorkerOfTheRightLaneOnTheSameCatalogRunsThem()
    {
        await using var server = await TestServerHost.StartAsync(options: (_, o) => o with { RunJobs = false }, settings: Shared());
        var catalog = server.App.Services.GetRequiredService<Library>().Catalog;
        var job = await server.App.Services.GetRequiredService<JobManager>().SubmitAsync(JobKinds.Reindex, null, Ct);
        // The server runs no workers, so nothing in it can claim the job.
        Assert.Equal(JobState.Queued, await StateAfter(catalog, job.Id, TimeSpan.FromSeconds(1), s => s != JobState.Queued));

        // A worker in another "process" (its own context and catalog connection) running only the ingest lane leaves it.
        var context = TraumContext.ForLibrary(_dir.File("elsewhere"), Shared());
        using (var ingestOnly = TraumServer.BuildWorker(context, new ServerOptions { Lanes = ["ingest"] }))
        {
            await ingestOnly.StartAsync(Ct);
            Assert.Equal(JobState.Queued, await StateAfter(catalog, job.Id, TimeSpan.FromSeconds(1.5), s => s != JobState.Queued));
            await ingestOnly.StopAsync(Ct);
        }
        using var worker = TraumServer.BuildWorker(context, new ServerOptions { Lanes = ["other"] });
        await worker.StartAsync(Ct);
        Assert.Equal(JobState.Succeeded, await StateAfter(catalog, job.Id, TimeSpan.FromSeconds(60), s => s is JobState.Succeeded or JobState.Failed));
        await worker.StopAsync(Ct);
    }

    /// <summary>Whether a session of this test's database is listening on the job channel (its last statement was the LISTEN).</summary>
    private bool Listening(int sessions)
    {
        var db = _url[(_url.LastIndexOf('/') + 1)..];
        using var c = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = cluster.Port, Username = "postgres", Password = PostgresCluster.Password, Database = db, Pooling = false,
        }.ConnectionString);
        c.Open();
        using var cmd = new Npgsql.NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = @d AND query LIKE 'LISTEN traum_jobs%';", c);
        cmd.Parameters.AddWithValue("d", db);
        return Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) >= sessions;
    }

    private static async Task Until(Func<bool> condition)
    {
        for (var i = 0; i < 600 && !condition(); i++) await Task.Delay(50, Ct);
        Assert.True(condition());
    }

    [Fact]
    public async Task JobRunByAWorkerProcess_StreamsItsEventsFromAServerThatDoesNotRunIt()
    {
        // Server A runs no workers; worker B (its own context, catalog connection and runtime) runs the job.
        await using var server = await TestServerHost.StartAsync(options: (_, o) => o with { RunJobs = false }, settings: Shared());
        var events = server.App.Services.GetRequiredService<JobEvents>();
        using var producer = Library.Open(_dir.File("producer"), _url);
        var job = producer.Catalog.CreateJob(JobKinds.Train, "{}", detached: true);
        await Until(() => Listening(1));

        using var response = await server.Client.GetAsync($"/api/jobs/{job.Id}/events", HttpCompletionOption.ResponseHeadersRead, Ct);
        await Until(() => events.SubscriberCount > 0);

        var handler = new ScriptedHandler(JobKinds.Train, async (run, ct) =>
        {
            for (var e = 1; e <= 4; e++)
            {
                run.Log(new { epoch = e, loss = 1.0 / e });
                run.Progress.Report(new ProgressInfo(e, 4, "epochs", $"epoch {e}"));
                await Task.Delay(700, ct); // longer than the runtime's progress interval, so each report is saved (and announced)
            }
            return "{\"model\":\"remote\"}";
        });
        var context = TraumContext.ForLibrary(_dir.File("worker-b"), Shared());
        using var worker = TraumServer.BuildWorker(context, new ServerOptions { Lanes = ["train"] }, s => s.AddSingleton<IJobHandler>(handler));
        await worker.StartAsync(Ct);
        try
        {
            var received = new List<(string Event, System.Text.Json.JsonElement Data)>();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
            string? type = null;
            while (await reader.ReadLineAsync(Ct) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal)) received.Add((type ?? "message", System.Text.Json.JsonDocument.Parse(line[6..]).RootElement.Clone()));
            }
            // The stream ended by itself at the final state, which server A learnt from the catalog's notifications.
            var states = received.Where(e => e.Event == "state").Select(e => e.Data.GetProperty("state").GetString()).ToList();
            Assert.Equal("queued", states[0]);
            Assert.Contains("running", states);
            Assert.Equal("succeeded", states[^1]);
            Assert.Equal("{\"model\":\"remote\"}", received[^1].Data.GetProperty("result").GetString());
            var progress = received.Where(e => e.Event == "progress").Select(e => e.Data.GetProperty("progress").GetDouble()).ToList();
            Assert.Contains(0.5, progress.Select(p => Math.Round(p, 6)));
            Assert.Equal(progress.Order().ToList(), progress);
            // The training curve too, every point once, in order, before the final state (read from the catalog's job log).
            var losses = received.Where(e => e.Event == "log").Select(e => e.Data.GetProperty("loss").GetDouble()).ToList();
            Assert.Equal([1.0, 0.5, 1.0 / 3, 0.25], losses);
            Assert.True(received.FindLastIndex(e => e.Event == "log") < received.Count - 1);
            // A stream opened after the job finished starts with the same curve.
            var again = await server.Client.GetStringAsync($"/api/jobs/{job.Id}/events", Ct);
            Assert.Equal(4, again.Split('\n').Count(l => l == "event: log"));
            Assert.Equal(1, handler.Runs);
            Assert.Equal(JobState.Succeeded, producer.Catalog.GetJob(job.Id)!.State);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task IdleWorker_WakesForAJobQueuedByAnotherProcess_LongBeforeItsNextPoll()
    {
        // The worker polls once an hour, far beyond this test's wait: only the notification can start the job.
        var settings = Shared();
        settings["jobs:pollInterval"] = "01:00:00";
        var context = TraumContext.ForLibrary(_dir.File("worker"), settings);
        var handler = new ScriptedHandler(JobKinds.Train, (_, _) => Task.FromResult<string?>("{}"));
        using var worker = TraumServer.BuildWorker(context, new ServerOptions { Lanes = ["train"] }, s => s.AddSingleton<IJobHandler>(handler));
        await worker.StartAsync(Ct);
        try
        {
            await Until(() => Listening(1));
            await Task.Delay(300, Ct); // past the wake that follows connecting, so the lane is idle in its hour-long wait
            using var producer = Library.Open(_dir.File("producer"), _url);
            var job = producer.Catalog.CreateJob(JobKinds.Train, "{}", detached: true);
            Assert.Equal(JobState.Succeeded, await StateAfter(producer.Catalog, job.Id, TimeSpan.FromSeconds(30), s => s is JobState.Succeeded or JobState.Failed));
            Assert.Equal(1, handler.Runs);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task CancelFromAnotherProcess_StopsTheRunningJobLongBeforeTheWorkersNextHeartbeat()
    {
        // Heartbeats every 10 minutes, far beyond this test's wait: only the notification can carry the cancel.
        var settings = Shared();
        settings["jobs:heartbeat"] = "00:10:00";
        settings["jobs:lease"] = "00:20:00";
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ScriptedHandler(JobKinds.Train, async (_, ct) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return null;
        });
        var context = TraumContext.ForLibrary(_dir.File("worker"), settings);
        using var worker = TraumServer.BuildWorker(context, new ServerOptions { Lanes = ["train"] }, s => s.AddSingleton<IJobHandler>(handler));
        await worker.StartAsync(Ct);
        try
        {
            await Until(() => Listening(1));
            using var other = Library.Open(_dir.File("other"), _url);
            var job = other.Catalog.CreateJob(JobKinds.Train, "{}", detached: true);
            await started.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
            other.Catalog.RequestJobCancel(job.Id);
            Assert.Equal(JobState.Cancelled, await StateAfter(other.Catalog, job.Id, TimeSpan.FromSeconds(30), s => s != JobState.Running));
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void BuildWorker_UnknownLane_SaysWhichLanesThereAre()
    {
        var context = TraumContext.ForLibrary(_dir.File("lib"), Shared());
        var e = Assert.Throws<InvalidInputException>(() => TraumServer.BuildWorker(context, new ServerOptions { Lanes = ["separation"] }));
        Assert.Contains("separate, train, generate, ingest, other", e.Message, StringComparison.Ordinal);
    }
}
