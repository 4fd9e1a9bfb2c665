using System.CommandLine;
using Traum.Catalog;
using static Traum.Cli.Commands.LibraryCommandSupport;

namespace Traum.Cli.Commands;

/// <summary><c>traum catalog migrate</c>: brings the catalog's schema to this build's version (every open does so too).</summary>
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
            }
            return 0;
        });
        cmd.Subcommands.Add(migrate);
        return cmd;
    }
}
