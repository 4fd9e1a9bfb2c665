using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Traum.Catalog;
using Traum.Engine;
using Traum.Engine.Ingest;
using Traum.Server.Jobs;
using Traum.Server.Services.Catalog;

namespace Traum.Server.Services;

/// <summary>
/// Connects the server's ports to the engine parts in this build. Parts that are missing stay as
/// stand-ins that answer 503 "not available in this build".
/// </summary>
internal static class EngineWiring
{
    public static void Add(IServiceCollection services, TraumContext context)
    {
        // Catalog, ingest and job records.
        services.TryAddSingleton(_ => Library.Open(context.LibraryPath, context.Time));
        services.TryAddSingleton<IJobStore>(sp => new CatalogJobStore(sp.GetRequiredService<Library>()));
        services.TryAddSingleton<CatalogLibraryPort>();
        services.TryAddSingleton<ILibraryPort>(sp => sp.GetRequiredService<CatalogLibraryPort>());
        services.TryAddSingleton(sp => new StemIngester(sp.GetRequiredService<Library>(), Analyzers(sp, context),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<StemIngester>()));
        services.AddSingleton<IJobHandler, IngestJobHandler>();

        // Not in this build yet: search, models, separation, training, generation.
        services.TryAddSingleton<ISearchPort, UnavailableSearch>();
        services.TryAddSingleton<IModelsPort, UnavailableModels>();
    }

    /// <summary>The analysers ingest runs over each stem (descriptors, CLAP embedding, semantic profile) in this build.</summary>
    private static IReadOnlyList<IStemAnalyzer> Analyzers(IServiceProvider sp, TraumContext context)
    {
        _ = sp;
        _ = context;
        return [];
    }

    /// <summary>What this build (after any test overrides) can do.</summary>
    public static Features FeaturesOf(IServiceProvider sp)
    {
        var jobs = sp.GetRequiredService<JobManager>();
        return new Features(
            Library: sp.GetRequiredService<ILibraryPort>() is not UnavailableLibrary,
            Search: sp.GetRequiredService<ISearchPort>() is not UnavailableSearch,
            Separation: jobs.Supports(JobKinds.Separate),
            Ingest: jobs.Supports(JobKinds.Ingest),
            Training: jobs.Supports(JobKinds.Train),
            Generation: jobs.Supports(JobKinds.Generate),
            Models: sp.GetRequiredService<IModelsPort>() is not UnavailableModels);
    }
}
