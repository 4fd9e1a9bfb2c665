using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Search;
using Traum.Engine.Semantic;
using Traum.Server.Services.Catalog;

namespace Traum.Server.Services.Engine;

/// <summary>
/// <see cref="ISearchPort"/> over the engine's <see cref="SearchService"/> (vector index kept in step with the
/// catalog). Searches are CPU work of a few milliseconds; they run on the request's thread, never behind jobs.
/// </summary>
internal sealed class EngineSearchPort(SearchService search, CatalogLibraryPort library) : ISearchPort
{
    public Task<IReadOnlyList<SearchHit>> ByTextAsync(string text, int k, SearchFilter filter, CancellationToken cancellationToken) =>
        Task.FromResult(Hydrate(search.MatchText(text, k, Filters(filter), cancellationToken).Matches.Select(m => (m.StemId, (double)m.Score))));

    public Task<IReadOnlyList<SearchHit>> ByAudioAsync(string path, int k, SearchFilter filter, CancellationToken cancellationToken) =>
        Task.FromResult(Hydrate(search.SimilarToFile(path, k, Filters(filter), cancellationToken).Hits.Select(h => (h.StemId, h.Score))));

    public Task<IReadOnlyList<SearchHit>> ByStemAsync(long id, int k, SearchFilter filter, CancellationToken cancellationToken) =>
        Task.FromResult(Hydrate(search.SimilarToStem(id, k, Filters(filter), cancellationToken).Hits.Select(h => (h.StemId, h.Score))));

    public Task<IReadOnlyList<DuplicateGroup>> DuplicatesAsync(DuplicateRequest request, CancellationToken cancellationToken)
    {
        var report = search.FindDuplicates(request, null, cancellationToken);
        var fingerprint = report.Method == DuplicateMethod.Fingerprint;
        IReadOnlyList<DuplicateGroup> groups = report.Groups.Select(g => new DuplicateGroup(
            g.Stems.Select(s => s.StemId).ToList(),
            g.Pairs.Select(p => p.SameContent ? 1.0 : fingerprint ? 1.0 - (p.BitErrorRate ?? 0) : p.Cosine ?? 1.0).DefaultIfEmpty(1.0).Min(),
            g.Pairs.All(p => p.SameContent) ? "same content" : fingerprint ? "fingerprint" : "embedding",
            g.Stems.Select(s => new DuplicateMember(s.StemId, s.Name, s.SourcePath ?? s.Path, s.Score)).ToList())).ToList();
        return Task.FromResult(groups);
    }

    private SearchFilters Filters(SearchFilter f)
    {
        MusicalKey? key = null;
        if (f.Key is { } k && !MusicalKey.TryParse(k, out key)) throw new InvalidInputException($"'{k}' is not a key; write it like Am, F#, Bb minor or C major.");
        MusicalKey? compatible = null;
        if (f.Compatible is { } ck && !MusicalKey.TryParse(ck, out compatible)) throw new InvalidInputException($"'{ck}' is not a key; write it like Am, F#, Bb minor, C major or 8A.");
        return new SearchFilters
        {
            Kind = f.Kind,
            Category = f.Category,
            Origin = f.Origin,
            MinBpm = f.BpmMin,
            MaxBpm = f.BpmMax,
            BpmHalfDouble = f.HalfDouble,
            Key = key,
            CompatibleWith = compatible,
            MinDuration = f.MinDuration,
            MaxDuration = f.MaxDuration,
            Profile = (f.Profile ?? []).Select(p => ProfileConstraint.Parse(p, search.Models.Prompts)).ToList(),
        };
    }

    /// <summary>The hits with their stems' details (cached by the library port), best first; stems gone meanwhile are left out.</summary>
    private IReadOnlyList<SearchHit> Hydrate(IEnumerable<(long StemId, double Score)> found)
    {
        var hits = found.ToList();
        var details = library.TryDetails([.. hits.Select(h => h.StemId)]).ToDictionary(d => d.Stem.Id);
        return [.. hits.Where(h => details.ContainsKey(h.StemId)).Select(h => new SearchHit(details[h.StemId], h.Score))];
    }
}
