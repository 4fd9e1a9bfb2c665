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

    [Fact]
    public void BuildWorker_UnknownLane_SaysWhichLanesThereAre()
    {
        var context = TraumContext.ForLibrary(_dir.File("lib"), Shared());
        var e = Assert.Throws<InvalidInputException>(() => TraumServer.BuildWorker(context, new ServerOptions { Lanes = ["separation"] }));
        Assert.Contains("separate, train, generate, ingest, other", e.Message, StringComparison.Ordinal);
    }
}
