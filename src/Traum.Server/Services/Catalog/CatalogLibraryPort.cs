using Traum.Catalog;
using Traum.Core;
using CatalogQuery = Traum.Catalog.StemQuery;

namespace Traum.Server.Services.Catalog;

/// <summary><see cref="ILibraryPort"/> over the SQLite catalog. Catalog calls are short and synchronous; they run inline.</summary>
internal sealed class CatalogLibraryPort(Library library) : ILibraryPort
{
    public Task<IReadOnlyList<StemDetail>> ListStemsAsync(StemQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        MusicalKey? key = null;
        if (query.Key is { } k && !MusicalKey.TryParse(k, out key))
        {
            throw new InvalidInputException($"'{k}' is not a key; write it like Am, F#, Bb minor or C major.");
        }
        var (sort, desc) = query.Sort switch
        {
            "name" => (StemSort.Name, false),
            "duration" => (StemSort.Duration, false),
            "bpm" => (StemSort.Bpm, false),
            "kind" => (StemSort.Kind, false),
            _ => (StemSort.Created, true),
        };
        var q = new CatalogQuery
        {
            Kind = query.Kind,
            Category = query.Category,
            Origin = query.Origin,
            TrackId = query.TrackId,
            MinBpm = query.BpmMin,
            MaxBpm = query.BpmMax,
            Key = key,
            Tag = query.Tag,
            NameContains = query.Name,
            Sort = sort,
            Descending = desc,
            Limit = query.Limit,
            Offset = query.Offset,
        };
        var stems = library.Catalog.ListStems(q);
        IReadOnlyList<StemDetail> result = stems.Select(Detail).ToList();
        return Task.FromResult(result);
    }

    public Task<StemDetail> GetStemAsync(long id, CancellationToken cancellationToken)
    {
        var stem = library.Catalog.GetStem(id) ?? throw NoStem(id);
        return Task.FromResult(Detail(stem));
    }

    /// <summary>Details of many stems at once (search results).</summary>
    internal StemDetail? TryDetail(long id) => library.Catalog.GetStem(id) is { } s ? Detail(s) : null;

    public Task<IReadOnlyList<Track>> ListTracksAsync(int limit, int offset, CancellationToken cancellationToken)
    {
        IReadOnlyList<Track> tracks = library.Catalog.ListTracks().OrderByDescending(t => t.CreatedAt).Skip(offset).Take(limit).ToList();
        return Task.FromResult(tracks);
    }

    public Task<TrackDetail> GetTrackAsync(long id, CancellationToken cancellationToken)
    {
        var track = library.Catalog.GetTrack(id) ?? throw new NotFoundException($"No track with id {id}. List tracks with GET /api/tracks.");
        var stems = library.Catalog.ListStems(new CatalogQuery { TrackId = id, Sort = StemSort.Kind });
        return Task.FromResult(new TrackDetail(track, stems));
    }

    public Task<Stem> TagAsync(long id, IReadOnlyList<string> add, IReadOnlyList<string> remove, CancellationToken cancellationToken)
    {
        _ = library.Catalog.GetStem(id) ?? throw NoStem(id);
        Stem stem = library.Catalog.GetRequiredStem(id);
        if (add.Count > 0) stem = library.Catalog.AddTags(id, add);
        if (remove.Count > 0) stem = library.Catalog.RemoveTags(id, remove);
        return Task.FromResult(stem);
    }

    public Task DeleteStemAsync(long id, CancellationToken cancellationToken)
    {
        _ = library.Catalog.GetStem(id) ?? throw NoStem(id);
        library.DeleteStem(id);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<CategoryCount>> ListCategoriesAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<CategoryCount> list = library.Catalog.CountByCategory().Select(c => new CategoryCount(c.Kind, c.Category, c.Count)).ToList();
        return Task.FromResult(list);
    }

    private StemDetail Detail(Stem stem) =>
        new(stem, library.Catalog.GetDescriptors(stem.Id), library.Catalog.GetLatestProfile(stem.Id));

    private static NotFoundException NoStem(long id) => new($"No stem with id {id}. List stems with GET /api/stems.");
}
