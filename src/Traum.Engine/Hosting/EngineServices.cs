using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Traum.Catalog;
using Traum.Engine.Configuration;
using Traum.Engine.Export;
using Traum.Engine.Ingest;
using Traum.Engine.Jobs;
using Traum.Engine.Search;
using Traum.Engine.StemGeneration;
using Traum.Engine.Training;

namespace Traum.Engine.Hosting;

/// <summary>
/// The one composition root of the engine: the command line, the server, the worker, the demo and the end-to-end
/// benchmarks all build their services here, so every capability is composed once (the same analysers, the same
/// settings, one model load per process). Settings sections are bound once and validated when the first service that
/// needs them is built. Anything registered before <see cref="AddTraumEngine"/> wins (TryAdd), which is how the
/// command line hands over a library it opened itself and how tests swap a part.
/// </summary>
public static class EngineServices
{
    /// <summary>Registers the engine's services over <paramref name="context"/>.</summary>
    /// <param name="services">The collection to add to.</param>
    /// <param name="context">Settings, library location, logging and time of this process.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddTraumEngine(this IServiceCollection services, TraumContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(context);
        services.TryAddSingleton(context);

        // Settings, each bound from its own section once.
        services.TryAddSingleton(_ => Validated(TraumSettings.Bind<JobRuntimeOptions>(context.Configuration, "jobs")));
        services.TryAddSingleton(_ => TraumSettings.Bind<SearchOptions>(context.Configuration, "search"));
        services.TryAddSingleton(_ => TraumSettings.Bind<TrainingDefaults>(context.Configuration, "training"));

        // Catalog and jobs.
        services.TryAddSingleton(_ => Library.Open(context.LibraryPath, context.Catalog, context.Time));
        services.TryAddSingleton(sp => new JobRunner(sp.GetRequiredService<Library>().Catalog, context.Time, Logger<JobRunner>(sp), sp.GetRequiredService<JobRuntimeOptions>()));

        // Models: loaded once per process (CLAP when installed, the descriptor embedding always).
        services.TryAddSingleton(_ => SearchModels.Load(context));

        // Ingest: one analyser list for every path that adds stems (files, separations, generations).
        services.TryAddSingleton<IReadOnlyList<IStemAnalyzer>>(sp => StemAnalyzerRegistry.Create(context, sp.GetRequiredService<SearchModels>()));
        services.TryAddSingleton(sp => new StemIngester(sp.GetRequiredService<Library>(), sp.GetRequiredService<IReadOnlyList<IStemAnalyzer>>(), Logger<StemIngester>(sp)));
        services.TryAddSingleton(sp => new IngestService(sp.GetRequiredService<StemIngester>()));
        services.TryAddSingleton(sp => new StemRelinker(sp.GetRequiredService<Library>()));
        services.TryAddSingleton(sp => new StemPackExporter(sp.GetRequiredService<Library>()));

        // Search, training and generation.
        services.TryAddSingleton(sp => new SearchService(sp.GetRequiredService<Library>(), sp.GetRequiredService<SearchModels>(),
            sp.GetRequiredService<SearchOptions>(), Logger<SearchService>(sp)));
        services.TryAddSingleton(sp => new TrainingService(sp.GetRequiredService<Library>(), Logger<TrainingService>(sp), context.Time,
            () => sp.GetRequiredService<SearchModels>().ClapAudio));
        services.TryAddSingleton(sp => new GenerativeService(sp.GetRequiredService<StemIngester>(), Logger<GenerativeService>(sp), context.Time));
        return services;
    }

    /// <summary>
    /// A service provider of the engine alone (the command line, tools and benchmarks), over <paramref name="library"/>
    /// when the caller opened one (it stays the caller's to dispose).
    /// </summary>
    /// <param name="context">Settings of this run.</param>
    /// <param name="library">An open library, or null to open the context's (created when missing).</param>
    /// <param name="configure">Registrations that take the place of the engine's own (called first).</param>
    /// <returns>A provider to dispose after the run; it disposes what it built (models, a library it opened).</returns>
    public static ServiceProvider Build(TraumContext context, Library? library = null, Action<IServiceCollection>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var services = new ServiceCollection();
        if (library is not null) services.AddSingleton(library);
        configure?.Invoke(services);
        services.AddTraumEngine(context);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    private static ILogger<T> Logger<T>(IServiceProvider sp)
    {
        var factory = sp.GetService<ILoggerFactory>() ?? sp.GetRequiredService<TraumContext>().LoggerFactory;
        return factory.CreateLogger<T>();
    }

    private static JobRuntimeOptions Validated(JobRuntimeOptions options)
    {
        options.Validate();
        return options;
    }
}
