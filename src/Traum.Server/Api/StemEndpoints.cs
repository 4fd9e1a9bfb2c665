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
internal sealed record TagRequest(IReadOnlyList<string>? Add, IReadOnlyList<string>? Remove);

/// <summary>/api/stems and /api/tracks: list, show, stream, peaks, download, tag, delete.</summary>
internal static class StemEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var stems = app.MapGroup("/api/stems").WithTags("Stems");
        stems.MapGet("/", ListAsync).WithSummary("List and filter stems (the filters of `traum stems list`)");
        stems.MapGet("/{id:long}", GetAsync).WithSummary("One stem with its descriptors and semantic profile");
        stems.MapGet("/{id:long}/audio", AudioAsync).WithSummary("The stem's audio; supports HTTP range requests");
        stems.MapGet("/{id:long}/peaks", PeaksAsync).WithSummary("Min/max envelope for drawing a waveform");
        stems.MapGet("/{id:long}/download", DownloadAsync).WithSummary("Download as WAV or FLAC");
        stems.MapPost("/{id:long}/tags", TagAsync).WithSummary("Add and remove user tags");
        stems.MapDelete("/{id:long}", DeleteAsync).WithSummary("Remove a stem (its file too, when no other stem shares it)");
        stems.MapGet("/categories", CategoriesAsync).WithSummary("Kinds and categories in use, with counts");

        var tracks = app.MapGroup("/api/tracks").WithTags("Tracks");
        tracks.MapGet("/", async (ILibraryPort library, int? limit, int? offset, CancellationToken ct) =>
            TypedResults.Ok(await library.ListTracksAsync(QueryParsing.Clamp(limit, 100, 1, 1000, "limit"), QueryParsing.Clamp(offset, 0, 0, int.MaxValue, "offset"), ct).ConfigureAwait(false)))
            .WithSummary("List tracks");
        tracks.MapGet("/{id:long}", async (ILibraryPort library, long id, CancellationToken ct) =>
            TypedResults.Ok(await library.GetTrackAsync(id, ct).ConfigureAwait(false)))
            .WithSummary("A track and its stems");
    }

    private static async Task<Ok<IReadOnlyList<StemDetail>>> ListAsync(ILibraryPort library,
        string? kind, string? category, string? origin, string? bpm, string? key, string? tag, string? name, long? track,
        string? sort, int? limit, int? offset, string? compatible, CancellationToken ct)
    {
        var (lo, hi) = QueryParsing.Range(bpm, "BPM");
        var s = QueryParsing.Trimmed(sort) ?? "created";
        if (s is not ("created" or "name" or "duration" or "bpm" or "kind")) throw new InvalidInputException($"Cannot sort by '{s}'; use created, name, duration, bpm or kind.");
        var q = new StemQuery(QueryParsing.Trimmed(kind), QueryParsing.Trimmed(category), QueryParsing.Origin(origin), lo, hi,
            QueryParsing.Trimmed(key), QueryParsing.Trimmed(tag), QueryParsing.Trimmed(name), track, s,
            QueryParsing.Clamp(limit, 100, 1, 1000, "limit"), QueryParsing.Clamp(offset, 0, 0, int.MaxValue, "offset"), QueryParsing.Trimmed(compatible));
        return TypedResults.Ok(await library.ListStemsAsync(q, ct).ConfigureAwait(false));
    }

    private static async Task<Ok<StemDetail>> GetAsync(ILibraryPort library, long id, CancellationToken ct) =>
        TypedResults.Ok(await library.GetStemAsync(id, ct).ConfigureAwait(false));

    private static async Task<IResult> AudioAsync(ILibraryPort library, LibraryFiles files, long id, CancellationToken ct)
    {
        var stem = (await library.GetStemAsync(id, ct).ConfigureAwait(false)).Stem;
        var path = files.StemFile(stem);
        return Results.File(path, LibraryFiles.ContentType(path), enableRangeProcessing: true);
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
