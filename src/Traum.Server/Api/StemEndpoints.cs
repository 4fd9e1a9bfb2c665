using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Traum.Audio.IO;
using Traum.Core;
using Traum.Server.Hosting;
using Traum.Server.Services;

namespace Traum.Server.Api;

/// <summary>Tag changes: tags to add and tags to remove.</summary>
/// <param name="Add">User tags to add (each 1 to 64 printable characters).</param>
/// <param name="Remove">User tags to remove.</param>
internal sealed record TagRequest(IReadOnlyList<string>? Add, IReadOnlyList<string>? Remove);

/// <summary>Metadata changes: each field given replaces the stem's; <c>tags</c> replaces all its tags.</summary>
/// <param name="Name">New display name (1 to 200 characters).</param>
/// <param name="Kind">New kind, such as drums, bass, other, vocals, guitar or piano (1 to 64 characters, stored lower-case).</param>
/// <param name="Category">New category, such as kick, 808 or pad (1 to 64 characters, stored lower-case).</param>
/// <param name="Tags">The stem's user tags from now on (at most 64, each 1 to 64 characters); an empty list removes them all.</param>
/// <param name="Favourite">Mark or unmark the stem as a favourite.</param>
/// <param name="Rating">1 to 5 stars; 0 removes the rating.</param>
internal sealed record StemPatch(string? Name, string? Kind, string? Category, IReadOnlyList<string>? Tags, bool? Favourite, int? Rating);

/// <summary>/api/stems and /api/tracks: list, show, stream, peaks, download, tag, delete.</summary>
internal static class StemEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var stems = app.MapGroup("/api/stems").WithTags("Stems");
        stems.MapGet("/", ListAsync).WithSummary("List and filter stems (the filters of `traum stems list`)").Problems(400, 503);
        stems.MapGet("/{id:long}", GetAsync).WithSummary("One stem with its descriptors and semantic profile").Problems(404, 503);
        stems.MapGet("/{id:long}/audio", AudioAsync)
            .WithSummary("The stem's audio; supports HTTP range requests")
            .WithDescription("With `tempo` (project BPM, 20–300) the stem is time-stretched to it (between 0.5× and 2× its own tempo; a stem without a tempo plays unstretched); " +
                "with `key` (Am, F#, 8A …) it is pitch-shifted by the shortest interval to that key or its relative (a stem without a key keeps its pitch). " +
                "`from` and `fromKey` replace the stem's own tempo and key (a track's stems all moved by the track's, so they stay together). Stretched audio is 16-bit WAV; the headers `X-Traum-Tempo-Ratio`, `X-Traum-Semitones` and, when something was not applied, `X-Traum-Audition-Note` say what was done.")
            .Produces<Stream>(StatusCodes.Status200OK, contentType: OpenApiContract.AudioTypes[0], additionalContentTypes: OpenApiContract.AudioTypes[1..])
            .Produces<Stream>(StatusCodes.Status206PartialContent, contentType: OpenApiContract.AudioTypes[0], additionalContentTypes: OpenApiContract.AudioTypes[1..])
            .Produces(StatusCodes.Status416RangeNotSatisfiable)
            .Problems(400, 404, 422, 503);
        stems.MapGet("/{id:long}/peaks", PeaksAsync).WithSummary("Min/max envelope for drawing a waveform").Problems(400, 404, 503);
        stems.MapGet("/{id:long}/download", DownloadAsync).WithSummary("Download as WAV or FLAC")
            .Produces<Stream>(StatusCodes.Status200OK, contentType: "audio/wav", additionalContentTypes: "audio/flac")
            .Produces<Stream>(StatusCodes.Status206PartialContent, contentType: "audio/wav", additionalContentTypes: "audio/flac")
            .Produces(StatusCodes.Status416RangeNotSatisfiable)
            .Problems(400, 404, 503);
        stems.MapPatch("/{id:long}", PatchAsync).WithSummary("Change name, kind, category, tags (they replace the stem's), favourite and rating").Problems(400, 404, 415, 503);
        stems.MapPost("/{id:long}/tags", TagAsync).WithSummary("Add and remove user tags").Problems(400, 404, 415, 503);
        stems.MapDelete("/{id:long}", DeleteAsync).WithSummary("Remove a stem (its file too, when no other stem shares it)").Problems(404, 503);
        stems.MapGet("/categories", CategoriesAsync).WithSummary("Kinds and categories in use, with counts").Problems(503);

        var tracks = app.MapGroup("/api/tracks").WithTags("Tracks");
        tracks.MapGet("/", async (ILibraryPort library, int? limit, int? offset, CancellationToken ct) =>
            TypedResults.Ok(await library.ListTracksAsync(QueryParsing.Clamp(limit, 100, 1, 1000, "limit"), QueryParsing.Clamp(offset, 0, 0, int.MaxValue, "offset"), ct).ConfigureAwait(false)))
            .WithSummary("List tracks").Problems(400, 503);
        tracks.MapGet("/{id:long}", async (ILibraryPort library, long id, CancellationToken ct) =>
            TypedResults.Ok(await library.GetTrackAsync(id, ct).ConfigureAwait(false)))
            .WithSummary("A track and its stems").Problems(404, 503);
        tracks.MapGet("/{id:long}/audio", TrackAudioAsync)
            .WithSummary("The track's original mix, when the library kept it (tracks separated on the server); supports HTTP range requests")
            .Produces<Stream>(StatusCodes.Status200OK, contentType: OpenApiContract.AudioTypes[0], additionalContentTypes: OpenApiContract.AudioTypes[1..])
            .Produces<Stream>(StatusCodes.Status206PartialContent, contentType: OpenApiContract.AudioTypes[0], additionalContentTypes: OpenApiContract.AudioTypes[1..])
            .Produces(StatusCodes.Status416RangeNotSatisfiable)
            .Problems(404, 503);
    }

    private static async Task<IResult> TrackAudioAsync(ILibraryPort library, LibraryFiles files, long id, CancellationToken ct)
    {
        var detail = await library.GetTrackAsync(id, ct).ConfigureAwait(false);
        var path = files.TrackFile(detail.Track);
        return Results.File(path, LibraryFiles.ContentType(path), enableRangeProcessing: true);
    }

    private static async Task<Ok<IReadOnlyList<StemDetail>>> ListAsync(ILibraryPort library, HttpResponse response,
        string? name, string? kind, string? category, string? tag, string? bpm, bool? halfDouble, string? key, string? compatible,
        double? minDuration, double? maxDuration, string? shape, string? origin, bool? favourite, int? minRating, string? sort, bool? desc,
        long? track, int? limit, int? offset, CancellationToken ct)
    {
        var filter = new Traum.Catalog.StemFilter
        {
            Name = name, Kind = kind, Category = category, Tag = tag, Bpm = bpm, HalfDouble = halfDouble ?? false, Key = key, Compatible = compatible,
            MinDuration = minDuration, MaxDuration = maxDuration, Shape = shape, Origin = origin,
            Favourites = favourite ?? false, MinRating = minRating, Sort = sort, Descending = desc ?? false,
        };
        var listing = new StemListing(filter, track, QueryParsing.Clamp(limit, 100, 1, 1000, "limit"), QueryParsing.Clamp(offset, 0, 0, int.MaxValue, "offset"));
        var page = await library.ListStemsAsync(listing, ct).ConfigureAwait(false);
        response.Headers["X-Total-Count"] = (await library.CountStemsAsync(listing, ct).ConfigureAwait(false)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Ok(page);
    }

    private static async Task<Ok<Stem>> PatchAsync(ILibraryPort library, long id, [FromBody] StemPatch? body, CancellationToken ct)
    {
        if (body is null) throw new InvalidInputException("Send the changes as JSON: {\"name\": \"Kick 01\", \"kind\": \"drums\", \"category\": \"kick\", \"tags\": [\"dusty\"]}.");
        return TypedResults.Ok(await library.UpdateStemAsync(id, new StemChanges(body.Name, body.Kind, body.Category, body.Tags, body.Favourite, body.Rating), ct).ConfigureAwait(false));
    }

    private static async Task<Ok<StemDetail>> GetAsync(ILibraryPort library, long id, CancellationToken ct) =>
        TypedResults.Ok(await library.GetStemAsync(id, ct).ConfigureAwait(false));

    /// <param name="library">The stems of the library.</param>
    /// <param name="files">The library's files and audition renders.</param>
    /// <param name="response">Carries the headers that say what was done.</param>
    /// <param name="id">The stem.</param>
    /// <param name="tempo">Project tempo in BPM to stretch to.</param>
    /// <param name="key">Project key to shift to.</param>
    /// <param name="from">The stem's tempo to stretch from, BPM, instead of its own.</param>
    /// <param name="fromKey">The stem's key to shift from, instead of its own.</param>
    /// <param name="ct">Stops the request.</param>
    private static async Task<IResult> AudioAsync(ILibraryPort library, LibraryFiles files, HttpResponse response, long id, double? tempo, string? key,
        double? from, string? fromKey, CancellationToken ct)
    {
        var detail = await library.GetStemAsync(id, ct).ConfigureAwait(false);
        var path = files.StemFile(detail.Stem);
        if (tempo is null && QueryParsing.Trimmed(key) is null) return Results.File(path, LibraryFiles.ContentType(path), enableRangeProcessing: true);
        var plan = Audition.Plan(detail.Descriptors, tempo, key, from, fromKey);
        response.Headers["X-Traum-Tempo-Ratio"] = plan.TempoRatio.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["X-Traum-Semitones"] = plan.Semitones.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (plan.Note is { } note) response.Headers["X-Traum-Audition-Note"] = note;
        if (plan.IsIdentity) return Results.File(path, LibraryFiles.ContentType(path), enableRangeProcessing: true);
        var stretched = await files.AuditionAsync(detail.Stem, plan.TempoRatio, plan.Semitones, ct).ConfigureAwait(false);
        return Results.File(stretched, "audio/wav", enableRangeProcessing: true);
    }

    private static async Task<Ok<Peaks>> PeaksAsync(ILibraryPort library, LibraryFiles files, Waveforms waveforms, long id, int? buckets, CancellationToken ct)
    {
        var n = QueryParsing.Clamp(buckets, 800, 1, Waveforms.MaxBuckets, "buckets");
        var stem = (await library.GetStemAsync(id, ct).ConfigureAwait(false)).Stem;
        return TypedResults.Ok(await waveforms.GetAsync(files.StemFile(stem), stem.ContentHash, n, ct).ConfigureAwait(false));
    }

    private static async Task<IResult> DownloadAsync(ILibraryPort library, LibraryFiles files, long id, string? format, CancellationToken ct)
    {
        var fmt = (QueryParsing.Trimmed(format) ?? "wav").ToLowerInvariant();
        if (fmt is not ("wav" or "flac")) throw new InvalidInputException($"Cannot download as '{fmt}'; use wav or flac.");
        var stem = (await library.GetStemAsync(id, ct).ConfigureAwait(false)).Stem;
        var path = await files.InFormatAsync(stem, fmt, ct).ConfigureAwait(false);
        return Results.File(path, LibraryFiles.ContentType(path), LibraryFiles.DownloadName(stem.Name, fmt), enableRangeProcessing: true);
    }

    private static async Task<Ok<Stem>> TagAsync(ILibraryPort library, long id, [FromBody] TagRequest body, CancellationToken ct)
    {
        static IReadOnlyList<string> Clean(IReadOnlyList<string>? tags)
        {
            var list = (tags ?? []).Select(t => t?.Trim() ?? "").ToList();
            if (list.Any(t => t.Length is 0 or > 64 || t.Any(char.IsControl))) throw new InvalidInputException("Tags must be 1 to 64 printable characters.");
            return list;
        }
        var (add, remove) = (Clean(body?.Add), Clean(body?.Remove));
        if (add.Count == 0 && remove.Count == 0) throw new InvalidInputException("Give tags to add or remove: {\"add\": [\"dusty\"], \"remove\": []}.");
        return TypedResults.Ok(await library.TagAsync(id, add, remove, ct).ConfigureAwait(false));
    }

    private static async Task<NoContent> DeleteAsync(ILibraryPort library, long id, CancellationToken ct)
    {
        await library.DeleteStemAsync(id, ct).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<CategoryCount>>> CategoriesAsync(ILibraryPort library, CancellationToken ct) =>
        TypedResults.Ok(await library.ListCategoriesAsync(ct).ConfigureAwait(false));
}
