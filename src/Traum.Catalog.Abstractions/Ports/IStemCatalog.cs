using Traum.Core;

namespace Traum.Catalog;

/// <summary>Stems: their rows, tags and listings. Ids are assigned by the catalog.</summary>
public interface IStemCatalog
{
    /// <summary>
    /// Adds a stem (with its tags) and logs <see cref="CatalogChangeKind.StemAdded"/>. One row per sound, origin and
    /// track or generation: of two concurrent adds of the same stem one wins and the other gets <see cref="StemExistsException"/>.
    /// </summary>
    /// <exception cref="StemExistsException">The same sound is already this stem (same origin, track and generation).</exception>
    /// <exception cref="InvalidInputException">A field is out of range or a referenced track/generation does not exist.</exception>
    Stem AddStem(NewStem stem);

    /// <summary>The stem with this id, or null.</summary>
    Stem? GetStem(long id);

    /// <summary>The stem with this id.</summary>
    /// <exception cref="NotFoundException">No such stem.</exception>
    Stem GetRequiredStem(long id);

    /// <summary>The stems with these ids that exist, by id (one round trip).</summary>
    IReadOnlyDictionary<long, Stem> GetStems(IReadOnlyCollection<long> ids);

    /// <summary>Stems with this content hash (the same sound), oldest first.</summary>
    IReadOnlyList<Stem> FindStemsByHash(string contentHash);

    /// <summary>The stem imported from this source file when its size (bytes) and modification time still match, if any.</summary>
    Stem? FindStemBySource(string sourcePath, long size, DateTimeOffset modified);

    /// <summary>Stems matching <paramref name="query"/>, ordered and paged as it says.</summary>
    IReadOnlyList<Stem> ListStems(StemQuery? query = null);

    /// <summary>How many stems match (ignoring limit and offset).</summary>
    int CountStems(StemQuery? query = null);

    /// <summary>Stem counts per kind and category, largest first.</summary>
    IReadOnlyList<CategoryCount> CountByCategory();

    /// <summary>
    /// Changes a stem's kind, category, name, tags (replaced as a whole), favourite mark and rating (1–5; 0 removes it);
    /// null leaves a field as it is. One transaction, one change-log entry.
    /// </summary>
    /// <exception cref="NotFoundException">No such stem.</exception>
    /// <exception cref="InvalidInputException">An empty kind, category or name, or a rating outside 0–5.</exception>
    Stem UpdateStem(long id, string? kind = null, string? category = null, string? name = null, IReadOnlyCollection<string>? tags = null,
        bool? favourite = null, int? rating = null);

    /// <summary>
    /// Points a stem at another file of the same sound (an in-place stem whose file the user moved): sets its file path
    /// and logs <see cref="CatalogChangeKind.StemUpdated"/>. The caller checks that the file holds the stem's sound.
    /// </summary>
    /// <exception cref="NotFoundException">No such stem.</exception>
    /// <exception cref="InvalidInputException">An empty path.</exception>
    Stem RelinkStem(long id, string filePath);

    /// <summary>Adds user tags (trimmed; case-insensitive; duplicates ignored).</summary>
    Stem AddTags(long id, IEnumerable<string> tags);

    /// <summary>Removes user tags (case-insensitive).</summary>
    Stem RemoveTags(long id, IEnumerable<string> tags);

    /// <summary>Deletes a stem row with its tags and analysis; the file is not touched.</summary>
    /// <exception cref="NotFoundException">No such stem.</exception>
    StemDeletion DeleteStem(long id);

    /// <summary>Every file path (relative to the library) that a stem or track row refers to.</summary>
    IReadOnlySet<string> ListReferencedFiles();

    /// <summary>True when a stem or track row refers to this file (relative to the library).</summary>
    bool IsFileReferenced(string relativePath);
}

/// <summary>Tracks: the full mixes stems were separated from.</summary>
public interface ITrackCatalog
{
    /// <summary>Adds a track, or returns the existing one with the same content hash.</summary>
    Track AddTrack(NewTrack track);

    /// <summary>The track with this id, or null.</summary>
    Track? GetTrack(long id);

    /// <summary>The track with this content hash, or null.</summary>
    Track? FindTrackByHash(string contentHash);

    /// <summary>All tracks in id order.</summary>
    IReadOnlyList<Track> ListTracks();

    /// <summary>Deletes a track row; its stems stay (their track id becomes null). Returns false when it did not exist.</summary>
    bool DeleteTrack(long id);

    /// <summary>Forgets a track's stored file (it is gone); the track record stays.</summary>
    void ClearTrackFile(long trackId);
}
