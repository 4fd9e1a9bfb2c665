using Traum.Core;

namespace Traum.Server.Services;

/// <summary>Stand-ins for engine parts that are not in this build: every call is a 503 that says so.</summary>
internal sealed class UnavailableLibrary : ILibraryPort
{
    private static FeatureUnavailableException Error() => new("The library catalog");

    public Task<IReadOnlyList<StemDetail>> ListStemsAsync(StemListing listing, CancellationToken cancellationToken) => throw Error();

    public Task<int> CountStemsAsync(StemListing listing, CancellationToken cancellationToken) => throw Error();

    public Task<Stem> UpdateStemAsync(long id, StemChanges changes, CancellationToken cancellationToken) => throw Error();

    public Task<StemDetail> GetStemAsync(long id, CancellationToken cancellationToken) => throw Error();

    public Task<IReadOnlyList<Track>> ListTracksAsync(int limit, int offset, CancellationToken cancellationToken) => throw Error();

    public Task<TrackDetail> GetTrackAsync(long id, CancellationToken cancellationToken) => throw Error();

    public Task<Stem> TagAsync(long id, IReadOnlyList<string> add, IReadOnlyList<string> remove, CancellationToken cancellationToken) => throw Error();

    public Task DeleteStemAsync(long id, CancellationToken cancellationToken) => throw Error();

    public Task<IReadOnlyList<CategoryCount>> ListCategoriesAsync(CancellationToken cancellationToken) => throw Error();
}

/// <inheritdoc cref="UnavailableLibrary"/>
internal sealed class UnavailableSearch : ISearchPort
{
    private static FeatureUnavailableException Error() => new("Search");

    public Task<IReadOnlyList<SearchHit>> ByTextAsync(string text, int k, SearchFilter filter, CancellationToken cancellationToken) => throw Error();

    public Task<IReadOnlyList<SearchHit>> ByAudioAsync(string path, int k, SearchFilter filter, CancellationToken cancellationToken) => throw Error();

    public Task<IReadOnlyList<SearchHit>> ByStemAsync(long id, int k, SearchFilter filter, CancellationToken cancellationToken) => throw Error();

    public Task<IReadOnlyList<DuplicateGroup>> DuplicatesAsync(Traum.Engine.Search.DuplicateRequest request, CancellationToken cancellationToken) => throw Error();
}

/// <inheritdoc cref="UnavailableLibrary"/>
internal sealed class UnavailableModels : IModelsPort
{
    public Task<IReadOnlyList<ModelEntry>> ListAsync(CancellationToken cancellationToken) => throw new FeatureUnavailableException("The model store");

    public Task<IReadOnlyList<TrainedVersion>> ListTrainedAsync(string? name, CancellationToken cancellationToken) => throw new FeatureUnavailableException("Training");

    public Task SetDefaultAsync(string name, string version, CancellationToken cancellationToken) => throw new FeatureUnavailableException("Training");

    public Task DeleteAsync(string name, string version, CancellationToken cancellationToken) => throw new FeatureUnavailableException("Training");
}

/// <summary>Which engine parts this build has; the UI shows what is missing instead of failing.</summary>
internal sealed record Features(bool Library, bool Search, bool Separation, bool Ingest, bool Training, bool Generation, bool Models);
