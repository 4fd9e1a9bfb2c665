using Traum.Catalog;
using Traum.Core;
using CatalogQuery = Traum.Catalog.StemQuery;

namespace Traum.Server.Services.Catalog;

/// <summary>
/// <see cref="ILibraryPort"/> over the SQLite catalog. Catalog calls are short and synchronous; they run inline.
/// Search results are filled in from a small cache of stem details (stem, descriptors, profile), dropped entry by entry
/// when this process changes a stem and after <see cref="CacheLifetime"/> otherwise (other processes write too).
/// </summary>
internal sealed class CatalogLibraryPort : ILibraryPort
{
    /// <summary>How long a cached stem detail is trusted without a change notice.</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(5);

    private const int CacheLimit = 50_000;

    private readonly Library _library;
    private readonly TimeProvider _time;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, (StemDetail Detail, DateTimeOffset At)> _details = new();

    public CatalogLibraryPort(Library library, TimeProvider time)
    {
        _library = library;
        _time = time;
        library.Catalog.Changed += (_, e) =>
        {
            foreach (var c in e.Changes) _details.TryRemove(c.StemId, out var _);
        };
    }

    public Task<IReadOnlyList<StemDetail>> ListStemsAsync(StemListing listing, CancellationToken cancellationToken)
    {
        var q = Query(listing) with { Limit = listing.Limit, Offset = listing.Offset };
        IReadOnlyList<StemDetail> result = Details(_library.Catalog.ListStems(q));
        return Task.FromResult(result);
    }

    public Task<int> CountStemsAsync(StemListing listing, CancellationToken cancellationToken) =>
        Task.FromResult(_library.Catalog.CountStems(Query(listing)));

    /// <summary>The catalog query of a listing: the shared filter vocabulary; newest first when no sort is named.</summary>
    private CatalogQuery Query(StemListing listing)
    {
        ArgumentNullException.ThrowIfNull(listing);
        var f = listing.Filter;
        var q = StemFilters.ToQuery(f, _library.Catalog.CountByCategory(), StemSort.Created) with { TrackId = listing.TrackId };
        return string.IsNullOrWhiteSpace(f.Sort) ? q with { Descending = !f.Descending } : q;
    }

    public Task<Stem> UpdateStemAsync(long id, StemChanges changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var c = StemEdits.Validate(changes);
        _ = _library.Catalog.GetStem(id) ?? throw NoStem(id);
        return Task.FromResult(_library.Catalog.UpdateStem(id, c.Kind, c.Category, c.Name, c.Tags?.ToList(), c.Favourite, c.Rating));
    }

    public Task<StemDetail> GetStemAsync(long id, CancellationToken cancellationToken)
    {
        var stem = _library.Catalog.GetStem(id) ?? throw NoStem(id);
        return Task.FromResult(Detail(stem));
    }

    public Task<IReadOnlyList<Track>> ListTracksAsync(int limit, int offset, CancellationToken cancellationToken)
    {
        IReadOnlyList<Track> tracks = _library.Catalog.ListTracks().OrderByDescending(t => t.CreatedAt).Skip(offset).Take(limit).ToList();
        return Task.FromResult(tracks);
    }

    public Task<TrackDetail> GetTrackAsync(long id, CancellationToken cancellationToken)
    {
        var track = _library.Catalog.GetTrack(id) ?? throw new NotFoundException($"No track with id {id}. List tracks with GET /api/tracks.");
        var stems = _library.Catalog.ListStems(new CatalogQuery { TrackId = id, Sort = StemSort.Kind });
        return Task.FromResult(new TrackDetail(track, stems));
    }

    public Task<Stem> TagAsync(long id, IReadOnlyList<string> add, IReadOnlyList<string> remove, CancellationToken cancellationToken)
    {
        _ = _library.Catalog.GetStem(id) ?? throw NoStem(id);
        Stem stem = _library.Catalog.GetRequiredStem(id);
        if (add.Count > 0) stem = _library.Catalog.AddTags(id, add);
        if (remove.Count > 0) stem = _library.Catalog.RemoveTags(id, remove);
        return Task.FromResult(stem);
    }

    public Task DeleteStemAsync(long id, CancellationToken cancellationToken)
    {
        _ = _library.Catalog.GetStem(id) ?? throw NoStem(id);
        _library.DeleteStem(id);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<CategoryCount>> ListCategoriesAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<CategoryCount> list = _library.Catalog.CountByCategory().Select(c => new CategoryCount(c.Kind, c.Category, c.Count)).ToList();
        return Task.FromResult(list);
    }

    /// <summary>Details of search hits, from the cache when fresh, the rest with one query per kind of data; gone stems are left out.</summary>
    internal IReadOnlyList<StemDetail> TryDetails(IReadOnlyList<long> ids)
    {
        var now = _time.GetUtcNow();
        var found = new Dictionary<long, StemDetail>();
        var missing = new List<long>();
        foreach (var id in ids)
        {
            if (_details.TryGetValue(id, out var hit) && now - hit.At < CacheLifetime) found[id] = hit.Detail;
            else missing.Add(id);
        }
        if (missing.Count > 0)
        {
            var stems = _library.Catalog.GetStems(missing);
            if (_details.Count + missing.Count >= CacheLimit) _details.Clear();
            foreach (var d in Details([.. missing.Where(stems.ContainsKey).Select(id => stems[id])]))
            {
                found[d.Stem.Id] = d;
                _details[d.Stem.Id] = (d, now);
            }
            foreach (var id in missing.Where(id => !stems.ContainsKey(id))) _details.TryRemove(id, out _);
        }
        return [.. ids.Where(found.ContainsKey).Select(id => found[id])];
    }

    private StemDetail Detail(Stem stem) =>
        new(stem, _library.Catalog.GetDescriptors(stem.Id), _library.Catalog.GetLatestProfile(stem.Id));

    /// <summary>Details of many stems with one query per kind of data (descriptors, profiles), in the stems' order.</summary>
    private List<StemDetail> Details(IReadOnlyList<Stem> stems)
    {
        var ids = stems.Select(s => s.Id).ToList();
        var descriptors = _library.Catalog.GetDescriptors(ids);
        var profiles = _library.Catalog.GetLatestProfiles(ids);
        return [.. stems.Select(s => new StemDetail(s, descriptors.GetValueOrDefault(s.Id), profiles.GetValueOrDefault(s.Id)))];
    }

    private static NotFoundException NoStem(long id) => new($"No stem with id {id}. List stems with GET /api/stems.");
}
