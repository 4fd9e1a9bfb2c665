using Microsoft.Extensions.Logging;
using Traum.Catalog;
using Traum.Engine;
using Traum.Engine.Ingest;
using Traum.Engine.Separation;

namespace Traum.Cli.Commands;

/// <summary>Connects separation to the library's ingest pipeline (descriptors, CLAP embedding when installed).</summary>
internal static class SeparationIngest
{
    /// <summary>The library (to dispose after the run) and the ingestor over it.</summary>
    public static (Library Library, IStemIngestor Ingestor) Create(TraumContext context, bool quiet)
    {
        ArgumentNullException.ThrowIfNull(context);
        var library = LibraryCommandSupport.Open(context, quiet, create: true);
        var ingester = new StemIngester(library, StemAnalyzerRegistry.Create(context), context.LoggerFactory.CreateLogger<StemIngester>());
        return (library, new LibraryStemIngestor(ingester));
    }
}
