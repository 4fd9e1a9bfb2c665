using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Traum.Audio.Descriptors;
using Traum.Catalog;
using Traum.Engine;
using Traum.Engine.Configuration;
using Traum.Engine.Hosting;
using Traum.Engine.Ingest;
using Traum.Engine.Jobs;
using Traum.Engine.Search;
using Traum.Engine.StemGeneration;
using Traum.Engine.Training;
using Traum.Server.Jobs;
using Traum.Server.Services.Catalog;
using Traum.Server.Services.Engine;

namespace Traum.Server.Services;

/// <summary>
/// Connects the server's ports to the engine: the catalog (stems, tracks, job records), ingest with every analyser
/// of this build, search, separation, training and generation. Anything a test registers first wins (TryAdd).
/// </summary>
internal static class EngineWiring
{
    public static void Add(IServiceCollection services, TraumContext context)
    {
        // A long-lived process: unless the settings say otherwise, large libraries are searched through the approximate
        // graph (built in the background, saved in the library, kept in step with every change).
        services.TryAddSingleton(_ =>
        {
            var search = TraumSettings.Bind<SearchOptions>(context.Configuration, "search");
            return context.Configuration["search:index:graph"] is null ? search with { Index = search.Index with { Graph = true } } : search;
        });

        // The engine's services (catalog, jobs, models, ingest, search, training, generation), composed once.
        services.AddTraumEngine(context);

        // The server's ports over them.
        services.TryAddSingleton<CatalogLibraryPort>();
        services.TryAddSingleton<ILibraryPort>(sp => sp.GetRequiredService<CatalogLibraryPort>());
        services.TryAddSingleton<ISearchPort>(sp => new EngineSearchPort(sp.GetRequiredService<SearchService>(), sp.GetRequiredService<CatalogLibraryPort>()));
        services.TryAddSingleton<IModelsPort>(sp => new EngineModelsPort(context, sp.GetRequiredService<TrainingService>()));

        services.AddSingleton<IJobHandler, IngestJobHandler>();
        services.AddSingleton<IJobHandler>(sp => new SeparateJobHandler(context, sp.GetRequiredService<StemIngester>()));
        services.AddSingleton<IJobHandler>(sp => new TrainJobHandler(sp.GetRequiredService<TrainingService>(), sp.GetRequiredService<TrainingDefaults>()));
        services.AddSingleton<IJobHandler>(sp => new GenerateJobHandler(sp.GetRequiredService<GenerativeService>()));
        services.AddSingleton<IJobHandler>(sp => new ReindexJobHandler(sp.GetRequiredService<SearchService>(), StemAnalyzerRegistry.Descriptors(context)));
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
