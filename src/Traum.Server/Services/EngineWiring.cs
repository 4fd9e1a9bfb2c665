using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Traum.Engine;
using Traum.Server.Jobs;

namespace Traum.Server.Services;

/// <summary>
/// Connects the server's ports to the engine parts in this build. Parts that are missing stay as
/// stand-ins that answer 503 "not available in this build".
/// </summary>
internal static class EngineWiring
{
    public static void Add(IServiceCollection services, TraumContext context)
    {
        services.TryAddSingleton<IJobStore>(_ => new FileJobStore(context.LibraryPath, context.Time));
        services.TryAddSingleton<ILibraryPort, UnavailableLibrary>();
        services.TryAddSingleton<ISearchPort, UnavailableSearch>();
        services.TryAddSingleton<IModelsPort, UnavailableModels>();
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
