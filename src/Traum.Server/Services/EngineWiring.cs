using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Traum.Audio.Descriptors;
using Traum.Catalog;
using Traum.Engine;
using Traum.Engine.Configuration;
using Traum.Engine.StemGeneration;
using Traum.Engine.Ingest;
using Traum.Engine.Jobs;
using Traum.Engine.Search;
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
        // Catalog, ingest and job records.
        services.TryAddSingleton(_ => Library.Open(context.LibraryPath, context.Catalog, context.Time));
        services.TryAddSingleton(sp => new JobRunner(sp.GetRequiredService<Library>().Catalog, context.Time,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<JobRunner>(), TraumSettings.Bind<JobRuntimeOptions>(context.Configuration, "jobs")));
        services.TryAddSingleton<CatalogLibraryPort>();
        services.TryAddSingleton<ILibraryPort>(sp => sp.GetRequiredService<CatalogLibraryPort>());
        services.TryAddSingleton(sp => new Traum.Engine.Export.StemPackExporter(sp.GetRequiredService<Library>()));
        services.TryAddSingleton(sp => new StemIngester(sp.GetRequiredService<Library>(), Analyzers(sp, context),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<StemIngester>()));

        // Search: CLAP when installed (else text search answers 503 with the install command), the descriptor embedding always.
        services.TryAddSingleton(_ => SearchModels.Load(context));
        services.TryAddSingleton(sp => new SearchService(sp.GetRequiredService<Library>(), sp.GetRequiredService<SearchModels>(),
            TraumSettings.Bind<SearchOptions>(context.Configuration, "search"), sp.GetRequiredService<ILoggerFactory>().CreateLogger<SearchService>()));
        services.TryAddSingleton<ISearchPort>(sp => new EngineSearchPort(sp.GetRequiredService<SearchService>(), sp.GetRequiredService<CatalogLibraryPort>()));

        // Training, generation and the model list.
        services.TryAddSingleton(sp => new TrainingService(sp.GetRequiredService<Library>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<TrainingService>(), context.Time,
            sp.GetRequiredService<SearchModels>().ClapAudio));
        services.TryAddSingleton(sp => new GenerativeService(sp.GetRequiredService<StemIngester>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<GenerativeService>(), context.Time));
        services.TryAddSingleton<IModelsPort>(sp => new EngineModelsPort(context, sp.GetRequiredService<TrainingService>()));

        services.AddSingleton<IJobHandler, IngestJobHandler>();
        services.AddSingleton<IJobHandler>(sp => new SeparateJobHandler(context, sp.GetRequiredService<StemIngester>()));
        services.AddSingleton<IJobHandler>(sp => new TrainJobHandler(sp.GetRequiredService<TrainingService>(),
            TraumSettings.Bind<TrainingDefaults>(context.Configuration, "training")));
        services.AddSingleton<IJobHandler>(sp => new GenerateJobHandler(sp.GetRequiredService<GenerativeService>()));
        services.AddSingleton<IJobHandler>(sp => new ReindexJobHandler(sp.GetRequiredService<SearchService>(), StemAnalyzerRegistry.Descriptors(context)));
    }

    /// <summary>
    /// The analysers ingest runs over each stem: the shared registry's, the descriptors when the registry does not
    /// have them yet, and search's embeddings (CLAP embedding and profile when installed, the descriptor embedding).
    /// </summary>
    private static IReadOnlyList<IStemAnalyzer> Analyzers(IServiceProvider sp, TraumContext context)
    {
        var list = StemAnalyzerRegistry.Create(context).ToList();
        if (list.All(a => a.Name != "descriptors"))
        {
            var describer = new DescriptorAnalyzer();
            list.Insert(0, new DescriptorStemAnalyzer(b => describer.Analyze(b)));
        }
        foreach (var a in EmbeddingStemAnalyzer.For(sp.GetRequiredService<SearchModels>()).Where(a => a.IsAvailable))
        {
            if (list.All(x => x.Name != a.Name)) list.Add(a);
        }
        return list;
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
