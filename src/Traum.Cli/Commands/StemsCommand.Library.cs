using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Traum.Catalog;
using Traum.Engine;
using Traum.Engine.Configuration;
using Traum.Engine.Hosting;
using Traum.Engine.Jobs;

namespace Traum.Cli.Commands;

/// <summary>Opens the library named by <c>--library</c> (or the configured default) for the catalog commands.</summary>
internal static class LibraryCommandSupport
{
    public static TraumContext Context(ParseResult pr, GlobalOptions globals) =>
        new(globals.Settings(pr));

    /// <summary>Opens the library (and recovers jobs a dead process left running).</summary>
    /// <param name="context">Settings of this run.</param>
    /// <param name="quiet">No notes on stderr.</param>
    /// <param name="create">Create the library when it does not exist (commands that add audio); otherwise a missing library is an error.</param>
    /// <exception cref="Core.NotFoundException">No library there and <paramref name="create"/> is false.</exception>
    public static Library Open(TraumContext context, bool quiet, bool create = false)
    {
        var library = create ? Library.Open(context.LibraryPath, context.Catalog, context.Time) : Library.OpenExisting(context.LibraryPath, context.Catalog, context.Time);
        var interrupted = new JobRunner(library.Catalog, context.Time).RecoverInterrupted();
        if (!quiet)
        {
            foreach (var j in interrupted)
            {
                Output.Note($"note: job {j.Id} ({j.Kind}) was interrupted; run the same command again to finish it.");
            }
        }
        return library;
    }

    /// <summary>The engine's services over an open library, from the one composition root; dispose it after the run.</summary>
    /// <param name="context">Settings of this run.</param>
    /// <param name="library">The library the command opened (it stays the command's to dispose).</param>
    public static ServiceProvider Engine(TraumContext context, Library library) => EngineServices.Build(context, library);

    /// <summary>
    /// After a command added stems: refreshes the semantic profiles' library percentiles as a <c>reindex</c> job of
    /// its own (listed with the others), so they are never stale. Nothing happens without CLAP or when nothing was added.
    /// </summary>
    /// <param name="engine">The command's engine.</param>
    /// <param name="added">Stems the command added.</param>
    /// <param name="cancellationToken">Stops the refresh (the job is then cancelled; the next one redoes it).</param>
    public static async Task RefreshPercentilesAsync(IServiceProvider engine, int added, CancellationToken cancellationToken)
    {
        var search = engine.GetRequiredService<Engine.Search.SearchService>();
        if (added == 0 || search.Models.ClapAudio is null) return;
        await engine.GetRequiredService<JobRunner>().RunAsync("reindex", new { percentiles = true },
            job => Task.Run(() => new { percentilesUpdated = search.RefreshPercentiles(job.CancellationToken) }, job.CancellationToken),
            null, cancellationToken).ConfigureAwait(false);
    }

    public static string Seconds(double s) => double.IsFinite(s) ? s.ToString("0.00", CultureInfo.InvariantCulture) : "";

    public static string Number(double? v, string format = "0.0") =>
        v is { } x && double.IsFinite(x) ? x.ToString(format, CultureInfo.InvariantCulture) : "";
}
