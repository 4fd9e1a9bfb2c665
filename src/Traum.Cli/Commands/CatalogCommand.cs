using System.CommandLine;
using System.Globalization;
using Traum.Catalog;
using Traum.Core;
using static Traum.Cli.Commands.LibraryCommandSupport;

namespace Traum.Cli.Commands;

/// <summary>
/// <c>traum catalog migrate</c>: brings the catalog's schema to this build's version (every open does so too), and
/// names vector indexes built otherwise than the catalog now builds them. <c>traum catalog index [--rebuild]</c>: the
/// catalog's own vector indexes (PostgreSQL), and rebuilding them while searches go on.
/// </summary>
internal static class CatalogCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var cmd = new Command("catalog", "The catalog itself: its schema version and migrations");
        var migrate = new Command("migrate",
            "Migrate the catalog (--catalog or $TRAUM_CATALOG, else catalog.db in the library) to this build's schema; on PostgreSQL under a lock, so many processes may start at once");
        migrate.SetAction(pr =>
        {
            var context = Context(pr, globals);
            using var library = Library.Open(context.LibraryPath, context.Catalog, context.Time);
            var version = library.Catalog.SchemaVersion;
            if (pr.GetValue(globals.Json))
            {
                Output.Json(new { catalog = library.CatalogLocation, shared = library.IsSharedCatalog, schemaVersion = version, store = library.Root });
            }
            else
            {
                Output.Line($"The catalog at {library.CatalogLocation} is at schema version {version}; files are in {library.Root}.");
                if (library.Catalog is IVectorIndexMaintenance indexes)
                {
                    foreach (var s in indexes.VectorIndexes().Where(s => s.NeedsRebuild)) Output.Note(StaleNote(s));
                }
            }
            return 0;
        });
        cmd.Subcommands.Add(migrate);
        cmd.Subcommands.Add(IndexCommand(globals));
        return cmd;
    }

    private static Command IndexCommand(GlobalOptions globals)
    {
        var rebuild = new Option<bool>("--rebuild")
        {
            Description = "Build again every index built otherwise than the catalog now builds them (or --model's), beside the one in use: searches and ingest go on meanwhile",
        };
        var model = new Option<string?>("--model") { Description = "Only this embedding model's index (with --rebuild: rebuilt even when current)" };
        var memory = new Option<string?>("--memory")
        {
            Description = "With --rebuild: memory the build may use (PostgreSQL's maintenance_work_mem, e.g. 6GB); a graph that does not fit builds many times slower",
        };
        var cmd = new Command("index", "The catalog's own vector indexes (PostgreSQL's HNSW, one per embedding model): what each was built with, its size, and rebuilding it")
        {
            rebuild, model, memory,
        };
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var json = pr.GetValue(globals.Json);
            if (pr.GetValue(memory) is not null && !pr.GetValue(rebuild)) throw new InvalidInputException("--memory applies to a build: add --rebuild.");
            var context = Context(pr, globals);
            using var library = Open(context, json);
            if (library.Catalog is not IVectorIndexMaintenance maintenance)
            {
                throw new InvalidInputException(
                    $"The catalog at {library.CatalogLocation} keeps no vector index of its own: with SQLite the process that searches builds one in memory " +
                    "(settings search:index:*, docs/search.md). 'traum catalog index' is for PostgreSQL catalogs (--catalog postgresql://…).");
            }
            var only = pr.GetValue(model);
            var states = maintenance.VectorIndexes().Where(s => only is null || s.ModelId == only).ToList();
            if (only is not null && states.Count == 0) throw new NotFoundException($"The catalog has no embeddings of '{only}'; 'traum catalog index' lists the models it has.");
            if (pr.GetValue(rebuild))
            {
                foreach (var s in states.Where(s => s.IndexName is not null && (only is not null || s.NeedsRebuild)))
                {
                    await Output.WithProgressAsync($"indexing {s.ModelId}", json,
                        (progress, token) => Task.Run(() => { maintenance.RebuildVectorIndex(s.ModelId, pr.GetValue(memory), progress, token); return 0; }, token), ct).ConfigureAwait(false);
                    if (!json) Output.Line($"Rebuilt the vector index of {s.ModelId} ({s.Vectors:N0} vectors) with m {s.WantedM}, ef_construction {s.WantedEfConstruction}.");
                }
                states = maintenance.VectorIndexes().Where(s => only is null || s.ModelId == only).ToList();
            }
            if (json)
            {
                Output.Json(states.Select(s => new
                {
                    model = s.ModelId, s.Dimension, s.Vectors, index = s.IndexName, m = s.M, efConstruction = s.EfConstruction, s.Bytes, s.Valid, s.NeedsRebuild,
                    wantedM = s.WantedM, wantedEfConstruction = s.WantedEfConstruction,
                }));
                return CliApp.ExitOk;
            }
            if (states.Count == 0)
            {
                Output.Line("The catalog has no embeddings yet; each embedding model gets its index with its first vector.");
                return CliApp.ExitOk;
            }
            var inv = CultureInfo.InvariantCulture;
            Output.Table(["model", "dimension", "vectors", "m", "ef_construction", "size", "state"], states.Select(s => (IReadOnlyList<string?>)
            [
                s.ModelId, s.Dimension.ToString(inv), s.Vectors.ToString("N0", inv), s.M?.ToString(inv), s.EfConstruction?.ToString(inv),
                s.M is null ? "" : string.Create(inv, $"{s.Bytes / 1048576.0:0.0} MiB"), State(s),
            ]));
            foreach (var s in states.Where(s => s.NeedsRebuild)) Output.Note(StaleNote(s));
            return CliApp.ExitOk;
        });
        return cmd;
    }

    private static string State(VectorIndexState s) => s switch
    {
        { IndexName: null } => "no index: vectors too long for pgvector, searches scan",
        { M: null } => "missing (a rebuild was stopped): rebuild",
        { Valid: false } => "invalid (a build was stopped): rebuild",
        { NeedsRebuild: true } => "built otherwise: rebuild",
        _ => "current",
    };

    /// <summary>What is wrong with an index that needs a rebuild, and the command that fixes it.</summary>
    internal static string StaleNote(VectorIndexState s) => s.M is null || !s.Valid
        ? $"note: the vector index of {s.ModelId} is {(s.M is null ? "missing" : "not valid")}, so its searches scan every vector; build it again with 'traum catalog index --rebuild'."
        : $"note: the vector index of {s.ModelId} was built with m {s.M}, ef_construction {s.EfConstruction}; this catalog builds m {s.WantedM}, ef_construction {s.WantedEfConstruction} " +
          "(at a million vectors pgvector's 16 / 64 found 0.89 of the exact top 10 where 32 / 128 found 0.99). Build it again, while searches go on, with 'traum catalog index --rebuild'.";
}
