using Traum.Core;

namespace Traum.Server.Services;

/// <summary>A page of stems: the filters of <c>traum stems list</c> (one vocabulary, <see cref="Traum.Catalog.StemFilter"/>), plus a track and paging.</summary>
/// <param name="Filter">The filters and order; when it names no sort, newest first (created, reversed; <c>desc</c> then gives oldest first).</param>
/// <param name="TrackId">Only stems separated from this track.</param>
/// <param name="Limit">At most this many stems.</param>
/// <param name="Offset">Skip this many first.</param>
internal sealed record StemListing(Traum.Catalog.StemFilter Filter, long? TrackId = null, int Limit = 100, int Offset = 0);

/// <summary>Changes to a stem's metadata and marks; null leaves a field as it is. Tags replace the stem's tags when given.</summary>
/// <param name="Rating">1 to 5 stars; 0 removes the rating.</param>
internal sealed record StemChanges(string? Name = null, string? Kind = null, string? Category = null, IReadOnlyList<string>? Tags = null,
    bool? Favourite = null, int? Rating = null);

/// <summary>A stem with what analysis found (either part may be missing when that analysis has not run). Public because UI components take it as a parameter.</summary>
public sealed record StemDetail(Stem Stem, Descriptors? Descriptors, SemanticProfile? Profile);

/// <summary>A track and the stems separated from it.</summary>
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
internal sealed record CategoryCount(string Kind, string Category, int Count);

/// <summary>Search filters (as in <c>traum search</c>).</summary>
/// <param name="MinDuration">Seconds.</param>
/// <param name="MaxDuration">Seconds.</param>
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

/// <summary>One search result: a stem and its cosine similarity (−1…1) to the query.</summary>
internal sealed record SearchHit(StemDetail Stem, double Score);

/// <summary>One stem of a duplicate group: its id, name and the user's own file (or the library's copy).</summary>
internal sealed record DuplicateMember(long Id, string Name, string File, double Likeness);

/// <summary>
/// Stems that are the same: one recording by fingerprint, identical audio, or (embedding method) embeddings closer
/// than the threshold. <see cref="Similarity"/> is the weakest link: 1 − bit error rate, or the cosine.
/// </summary>
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
/// <param name="Kind">clap, demucs, vae.</param>
/// <param name="Installed">Whether its files are present and usable.</param>
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
/// <param name="Evaluation">The generation report made at the end of training, if any.</param>
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
