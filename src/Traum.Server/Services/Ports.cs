using Traum.Core;

namespace Traum.Server.Services;

/// <summary>A page of stems: the filters of <c>traum stems list</c> (one vocabulary, <see cref="Traum.Catalog.StemFilter"/>), plus a track and paging.</summary>
/// <param name="Filter">The filters and order; when it names no sort, newest first (created, reversed; <c>desc</c> then gives oldest first).</param>
/// <param name="TrackId">Only stems separated from this track.</param>
/// <param name="Limit">At most this many stems.</param>
/// <param name="Offset">Skip this many first.</param>
internal sealed record StemListing(Traum.Catalog.StemFilter Filter, long? TrackId = null, int Limit = 100, int Offset = 0);

/// <summary>Changes to a stem's metadata and marks; null leaves a field as it is. Tags replace the stem's tags when given.</summary>
/// <param name="Name">New display name.</param>
/// <param name="Kind">New kind (drums, bass, …).</param>
/// <param name="Category">New category (kick, pad, …).</param>
/// <param name="Tags">The stem's user tags from now on; empty removes them all.</param>
/// <param name="Favourite">Mark (true) or unmark (false) as a favourite.</param>
/// <param name="Rating">1 to 5 stars; 0 removes the rating.</param>
internal sealed record StemChanges(string? Name = null, string? Kind = null, string? Category = null, IReadOnlyList<string>? Tags = null,
    bool? Favourite = null, int? Rating = null);

// Public because UI components take it as a parameter.
/// <summary>A stem with what analysis found (either part may be missing when that analysis has not run).</summary>
/// <param name="Stem">The stem's catalog record: name, kind, category, file, tags, marks.</param>
/// <param name="Descriptors">Duration, loudness, spectral descriptors, tempo and key; null until analysed.</param>
/// <param name="Profile">How the stem scores against the text prompts of the five families; null without CLAP analysis.</param>
public sealed record StemDetail(Stem Stem, Descriptors? Descriptors, SemanticProfile? Profile);

/// <summary>A track and the stems separated from it.</summary>
/// <param name="Track">The track's catalog record.</param>
/// <param name="Stems">Its stems, ordered by kind.</param>
internal sealed record TrackDetail(Track Track, IReadOnlyList<Stem> Stems);

/// <summary>Stems and tracks of the library: what the catalog offers the server.</summary>
internal interface ILibraryPort
{
    /// <summary>Stems matching <paramref name="listing"/>, with descriptors for display.</summary>
    /// <exception cref="InvalidInputException">A filter value is malformed or unknown (the message says how to write it).</exception>
    Task<IReadOnlyList<StemDetail>> ListStemsAsync(StemListing listing, CancellationToken cancellationToken);

    /// <summary>How many stems match the listing's filters (ignoring limit and offset).</summary>
    Task<int> CountStemsAsync(StemListing listing, CancellationToken cancellationToken);

    /// <summary>Changes name, kind, category and/or tags in one step; returns the stem as it is now.</summary>
    /// <exception cref="NotFoundException">No such stem.</exception>
    /// <exception cref="InvalidInputException">A value is empty or too long.</exception>
    Task<Stem> UpdateStemAsync(long id, StemChanges changes, CancellationToken cancellationToken);

    /// <exception cref="NotFoundException">No such stem.</exception>
    Task<StemDetail> GetStemAsync(long id, CancellationToken cancellationToken);

    Task<IReadOnlyList<Track>> ListTracksAsync(int limit, int offset, CancellationToken cancellationToken);

    /// <exception cref="NotFoundException">No such track.</exception>
    Task<TrackDetail> GetTrackAsync(long id, CancellationToken cancellationToken);

    /// <summary>Adds and removes user tags; returns the stem as it is now.</summary>
    Task<Stem> TagAsync(long id, IReadOnlyList<string> add, IReadOnlyList<string> remove, CancellationToken cancellationToken);

    /// <summary>Removes the stem (and its file when no other stem shares it).</summary>
    Task DeleteStemAsync(long id, CancellationToken cancellationToken);

    /// <summary>Kinds and categories in use, with stem counts, for filter chips and training.</summary>
    Task<IReadOnlyList<CategoryCount>> ListCategoriesAsync(CancellationToken cancellationToken);
}

/// <summary>How many stems a (kind, category) pair has.</summary>
/// <param name="Kind">A kind in use (drums, bass, …).</param>
/// <param name="Category">A category of that kind (kick, 808, …).</param>
/// <param name="Count">Stems with this kind and category.</param>
internal sealed record CategoryCount(string Kind, string Category, int Count);

/// <summary>Search filters (as in <c>traum search</c>).</summary>
/// <param name="Kind">Only stems of this kind.</param>
/// <param name="Category">Only stems of this category.</param>
/// <param name="Origin">Only separated, imported or generated stems.</param>
/// <param name="BpmMin">Lowest tempo in BPM (inclusive).</param>
/// <param name="BpmMax">Highest tempo in BPM (inclusive).</param>
/// <param name="Key">Only stems in this key (Am, C, F#m, 8A).</param>
/// <param name="MinDuration">Shortest length in seconds.</param>
/// <param name="MaxDuration">Longest length in seconds.</param>
/// <param name="Profile">Profile constraints such as "energy:intense&gt;0.8".</param>
/// <param name="Compatible">A key whose Camelot-compatible keys the stems must be in.</param>
/// <param name="HalfDouble">Also match the BPM range halved and doubled.</param>
internal sealed record SearchFilter(
    string? Kind = null,
    string? Category = null,
    StemOrigin? Origin = null,
    double? BpmMin = null,
    double? BpmMax = null,
    string? Key = null,
    double? MinDuration = null,
    double? MaxDuration = null,
    IReadOnlyList<string>? Profile = null,
    string? Compatible = null,
    bool HalfDouble = false);

/// <summary>One search result: a stem and its similarity to the query.</summary>
/// <param name="Stem">The stem with its descriptors and profile.</param>
/// <param name="Score">Cosine similarity of the stem's embedding to the query's, −1…1 (higher is closer).</param>
internal sealed record SearchHit(StemDetail Stem, double Score);

/// <summary>One stem of a duplicate group: its id, name and the user's own file (or the library's copy).</summary>
/// <param name="Id">The stem's id.</param>
/// <param name="Name">Its display name.</param>
/// <param name="File">The user's own file it was imported from, else the library's copy (absolute path on the server).</param>
/// <param name="Likeness">Its closest likeness to another member: 1 − bit error rate (fingerprint) or the cosine (embedding), 0…1.</param>
internal sealed record DuplicateMember(long Id, string Name, string File, double Likeness);

/// <summary>
/// Stems that are the same: one recording by fingerprint, identical audio, or (embedding method) embeddings closer
/// than the threshold.
/// </summary>
/// <param name="StemIds">The members' ids.</param>
/// <param name="Similarity">The weakest link between members: 1 − bit error rate (fingerprint) or the cosine (embedding); 1 for identical audio.</param>
/// <param name="Reason">"same content" (identical audio), "fingerprint" or "embedding".</param>
/// <param name="Members">The members with their names, files and likeness.</param>
internal sealed record DuplicateGroup(IReadOnlyList<long> StemIds, double Similarity, string Reason, IReadOnlyList<DuplicateMember> Members);

/// <summary>Search by text, example or stem, and near-duplicates.</summary>
internal interface ISearchPort
{
    Task<IReadOnlyList<SearchHit>> ByTextAsync(string text, int k, SearchFilter filter, CancellationToken cancellationToken);

    /// <summary>Search by an audio file already on disk (an upload).</summary>
    Task<IReadOnlyList<SearchHit>> ByAudioAsync(string path, int k, SearchFilter filter, CancellationToken cancellationToken);

    Task<IReadOnlyList<SearchHit>> ByStemAsync(long id, int k, SearchFilter filter, CancellationToken cancellationToken);

    Task<IReadOnlyList<DuplicateGroup>> DuplicatesAsync(Traum.Engine.Search.DuplicateRequest request, CancellationToken cancellationToken);
}

/// <summary>A model the server knows of: pretrained (CLAP, Demucs) or trained here (VAE).</summary>
/// <param name="Id">The name to use it by: a pretrained model's (as in <c>traum models pull</c>), or a trained model's (its category).</param>
/// <param name="Kind">clap, demucs, vae.</param>
/// <param name="Name">Display name.</param>
/// <param name="Installed">Whether its files are present and usable.</param>
/// <param name="Category">The stem category a trained model learned.</param>
/// <param name="CreatedAt">When the trained model's version was recorded.</param>
/// <param name="Detail">How to install it, or what it was trained on.</param>
/// <param name="Losses">Per-epoch losses of a trained model, if known.</param>
internal sealed record ModelEntry(
    string Id,
    string Kind,
    string Name,
    bool Installed,
    string? Category = null,
    DateTimeOffset? CreatedAt = null,
    string? Detail = null,
    IReadOnlyList<double>? Losses = null);

/// <summary>One version of a trained VAE, with its state.</summary>
/// <param name="Name">Model name (category).</param>
/// <param name="Version">"v1", "v2", …</param>
/// <param name="Status">"ok", "failed" or "unreadable".</param>
/// <param name="Failure">Why a failed run failed (one line with what to try).</param>
/// <param name="IsDefault">Whether generation uses this version when none is named.</param>
/// <param name="Architecture">conv or mlp.</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="TrainLosses">Training loss per epoch (null where non-finite).</param>
/// <param name="ValidationLosses">Validation loss per epoch (null where non-finite).</param>
/// <param name="CreatedAt">When the version was recorded.</param>
/// <param name="Evaluation">The generation report made at the end of training, if any.</param>
/// <param name="ActiveLatents">Latent dimensions whose posterior mean varies over the training excerpts (variance above 0.01); few means posterior collapse. Null when unreadable.</param>
/// <param name="Material">What the training stems were like (rate, channels, length, tempo, loudness); generation follows it. Null when not recorded.</param>
internal sealed record TrainedVersion(string Name, string Version, string Status, string? Failure, bool IsDefault, DateTimeOffset CreatedAt,
    string? Architecture, long? Parameters, IReadOnlyList<double?> TrainLosses, IReadOnlyList<double?> ValidationLosses,
    Generative.GenerationEvaluation? Evaluation, int? ActiveLatents, Generative.MaterialProfile? Material);

/// <summary>Lists models of every kind; manages trained VAE versions.</summary>
internal interface IModelsPort
{
    Task<IReadOnlyList<ModelEntry>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Every trained version, newest first, failed ones included.</summary>
    Task<IReadOnlyList<TrainedVersion>> ListTrainedAsync(string? name, CancellationToken cancellationToken);

    /// <summary>Makes a version the default of its name. Throws NotFoundException or InvalidInputException (a failed run).</summary>
    Task SetDefaultAsync(string name, string version, CancellationToken cancellationToken);

    /// <summary>Deletes a version. Throws NotFoundException.</summary>
    Task DeleteAsync(string name, string version, CancellationToken cancellationToken);
}
