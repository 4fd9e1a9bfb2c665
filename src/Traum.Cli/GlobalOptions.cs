using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Traum.Engine.Configuration;

namespace Traum.Cli;

/// <summary>Options accepted before or after any subcommand.</summary>
internal sealed class GlobalOptions
{
    public Option<bool> Json { get; } = new("--json") { Description = "Machine-readable JSON output", Recursive = true };

    public Option<string?> Library { get; } = new("--library") { Description = "Library folder (default: $TRAUM_LIBRARY or $XDG_DATA_HOME/traum)", Recursive = true };

    public Option<string?> Catalog { get; } = new("--catalog")
    {
        Description = "Catalog: postgresql://user@host:port/database for one shared by many processes, or a SQLite file (default: $TRAUM_CATALOG, else catalog.db in the library)",
        Recursive = true,
    };

    public Option<string?> Store { get; } = new("--store")
    {
        Description = "Folder of the stems, tracks and models every process sharing the catalog mounts (default: $TRAUM_STORE, else the library folder)",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "More detail, including stack traces of internal errors", Recursive = true };

    public void AddTo(Command root)
    {
        root.Options.Add(Json);
        root.Options.Add(Library);
        root.Options.Add(Catalog);
        root.Options.Add(Store);
        root.Options.Add(Verbose);
    }

    /// <summary>The settings of this run: <c>--library</c>, <c>--catalog</c> and <c>--store</c> layered over the configuration, with <paramref name="flags"/> on top.</summary>
    public IConfiguration Settings(ParseResult pr, IReadOnlyDictionary<string, string?>? flags = null)
    {
        var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (pr.GetValue(Catalog) is { Length: > 0 } catalog) all["catalog"] = catalog;
        if (pr.GetValue(Store) is { Length: > 0 } store) all["store"] = store;
        if (flags is not null)
        {
            foreach (var (k, v) in flags) all[k] = v;
        }
        return TraumSettings.Build(pr.GetValue(Library), all);
    }
}
