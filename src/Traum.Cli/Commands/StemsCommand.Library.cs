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

    public static string Seconds(double s) => double.IsFinite(s) ? s.ToString("0.00", CultureInfo.InvariantCulture) : "";

    public static string Number(double? v, string format = "0.0") =>
        v is { } x && double.IsFinite(x) ? x.ToString(format, CultureInfo.InvariantCulture) : "";
}
