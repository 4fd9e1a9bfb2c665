using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traum.Engine.Configuration;

namespace Traum.Engine;

/// <summary>
/// What every engine service is built from: configuration, the library folder, the model cache, logging and time.
/// The command line makes one per invocation; the server one per process.
/// </summary>
public sealed class TraumContext
{
    /// <summary>Reads the library, catalog and model cache locations from <paramref name="configuration"/> (and the <c>TRAUM_*</c> environment).</summary>
    /// <param name="configuration">Settings: flags, <c>traum.json</c> and <c>TRAUM_*</c> variables (see <see cref="TraumSettings.Build"/>).</param>
    /// <param name="loggerFactory">Where the services built from this context log; default nowhere.</param>
    /// <param name="timeProvider">The clock handed to the services built from this context; default the system clock.</param>
    /// <exception cref="ArgumentNullException"><paramref name="configuration"/> is null.</exception>
    public TraumContext(IConfiguration configuration, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        Configuration = configuration ?? throw new ArgumentNullException(nameof(configuration));
        Catalog = string.IsNullOrWhiteSpace(configuration["catalog"]) ? null : configuration["catalog"]!.Trim();
        LibraryPath = TraumSettings.ResolveStore(configuration["store"]) ?? TraumSettings.ResolveLibrary(configuration["library"]);
        ModelsPath = TraumSettings.ResolveModels(configuration);
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        Time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>A context over <paramref name="library"/> with default settings (tests, tools).</summary>
    public static TraumContext ForLibrary(string library, IReadOnlyDictionary<string, string?>? flags = null) =>
        new(TraumSettings.Build(library, flags));

    /// <summary>The settings every service reads its options from.</summary>
    public IConfiguration Configuration { get; }

    /// <summary>
    /// Absolute path of the library folder: the file store (<c>--store</c>/<c>TRAUM_STORE</c>) when one is given, else
    /// <c>--library</c>/<c>TRAUM_LIBRARY</c> or the default.
    /// </summary>
    public string LibraryPath { get; }

    /// <summary>
    /// Where the catalog is (<c>--catalog</c>/<c>TRAUM_CATALOG</c>): a <c>postgresql://</c> URL, a SQLite file, or null
    /// for <c>catalog.db</c> in the library folder.
    /// </summary>
    public string? Catalog { get; }

    /// <summary>Absolute path of the model cache (one folder per model).</summary>
    public string ModelsPath { get; }

    /// <summary>Where services log (a factory that discards everything when none was given).</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The clock services read instead of the wall clock.</summary>
    public TimeProvider Time { get; }
}
