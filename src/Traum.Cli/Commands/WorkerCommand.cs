using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Traum.Catalog;
using Traum.Engine;
using Traum.Server;

namespace Traum.Cli.Commands;

/// <summary>
/// <c>traum worker [--lanes separate,ingest] [--concurrency N]</c>: runs the job runtime's workers without HTTP,
/// claiming jobs from the catalog (on PostgreSQL, shared by any number of workers and servers on any machines).
/// </summary>
internal static class WorkerCommand
{
    /// <summary>The server settings that <c>--concurrency</c> sets, one per lane.</summary>
    private static readonly string[] WorkerCounts = ["separationWorkers", "trainingWorkers", "generationWorkers", "ingestWorkers", "otherWorkers"];

    public static Command Create(GlobalOptions globals)
    {
        var lanes = new Option<string?>("--lanes") { Description = $"Comma-separated lanes to run: {string.Join(", ", ServerOptions.LaneNames)} (default: all)" };
        var concurrency = new Option<int?>("--concurrency") { Description = "Jobs at once per lane (default: the server's, e.g. 1 separation, 2 ingests)" };
        var cmd = new Command("worker", "Run queued jobs (separation, ingest, training, generation, reindex) from the catalog, without the HTTP server") { lanes, concurrency };
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var flags = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            var chosen = (pr.GetValue(lanes) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            for (var i = 0; i < chosen.Length; i++) flags[$"server:lanes:{i}"] = chosen[i].ToLowerInvariant();
            if (pr.GetValue(concurrency) is { } n)
            {
                if (n < 1) throw new Core.InvalidInputException($"--concurrency must be at least 1 (it is {n}).");
                var v = n.ToString(CultureInfo.InvariantCulture);
                foreach (var key in WorkerCounts) flags[$"server:{key}"] = v;
            }
            var context = new TraumContext(globals.Settings(pr, flags));
            var options = TraumServer.ReadOptions(context);
            using var host = TraumServer.BuildWorker(context, options);
            // Opened before the workers start, so a catalog that cannot be opened is one clear error, not a log line per poll.
            var library = host.Services.GetRequiredService<Library>();
            await host.StartAsync(ct).ConfigureAwait(false);
            Output.Note($"traum: worker for {library.CatalogLocation} (files in {library.Root}) running {(chosen.Length == 0 ? "every lane" : "lanes " + string.Join(", ", chosen))}; press Ctrl-C to stop");
            try
            {
                await host.WaitForShutdownAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C: stop below.
            }
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return 0;
        });
        return cmd;
    }
}
