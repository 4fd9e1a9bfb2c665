using Microsoft.Extensions.DependencyInjection;
using Traum.Catalog;
using Traum.Engine;
using Traum.Engine.Ingest;
using Traum.Engine.Separation;

namespace Traum.Cli.Commands;

/// <summary>Connects separation to the library's ingest pipeline (descriptors, CLAP embedding when installed).</summary>
internal static class SeparationIngest
{
    /// <summary>The library and the engine over it (to dispose after the run, engine first) and the ingestor.</summary>
    /// <param name="context">Settings of this run.</param>
    /// <param name="quiet">No notes on stderr.</param>
    /// <param name="libraryCopy">Also keep a copy of each stem in the store; otherwise the library indexes the written files in place.</param>
    public static (Library Library, ServiceProvider Engine, IStemIngestor Ingestor) Create(TraumContext context, bool quiet, bool libraryCopy)
    {
        ArgumentNullException.ThrowIfNull(context);
        var library = LibraryCommandSupport.Open(context, quiet, create: true);
        try
        {
            var engine = LibraryCommandSupport.Engine(context, library);
            return (library, engine, new LibraryStemIngestor(engine.GetRequiredService<StemIngester>(), new SeparatedStemOptions { InPlace = !libraryCopy }));
        }
        catch
        {
            library.Dispose();
            throw;
        }
    }
}
