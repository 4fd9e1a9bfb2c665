using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Export;
using Traum.Server.Hosting;
using Traum.Server.Services;

namespace Traum.Server.Api;

/// <summary>
/// What to export (the body of <c>POST /api/export</c>): some ids, or a track and/or the filters of <c>/api/stems</c>
/// (a tag is one); and the audio format.
/// </summary>
/// <param name="Ids">Stem ids to export, in this order (at most 10 000); ids cannot be combined with a track or filters.</param>
/// <param name="Track">Only stems separated from this track (its id).</param>
/// <param name="Tag">Only stems carrying this user tag; it also names the pack.</param>
/// <param name="Name">Substring of the stem name, case-insensitive.</param>
/// <param name="Kind">A kind in use (drums, bass, other, vocals, guitar, piano).</param>
/// <param name="Category">A category in use (kick, 808, pad, …).</param>
/// <param name="Bpm">Tempo in BPM: "124" (123.5–124.5), "120-130", "120-" or "-130", inclusive.</param>
/// <param name="HalfDouble">Also match half and double the <paramref name="Bpm"/> range; needs a tempo.</param>
/// <param name="Key">A key: Am, C, F#m, Bb minor, 8A.</param>
/// <param name="Compatible">A key whose Camelot neighbours the stems must be in (same, relative, a fifth up or down).</param>
/// <param name="MinDuration">Shortest length in seconds (inclusive, ≥ 0).</param>
/// <param name="MaxDuration">Longest length in seconds (inclusive, ≥ 0).</param>
/// <param name="Shape">"loop" (loops and phrases) or "one-shot".</param>
/// <param name="Origin">separated, imported or generated.</param>
/// <param name="Favourite">True: only favourites.</param>
/// <param name="MinRating">Only stems rated at least this many stars (1 to 5).</param>
/// <param name="Sort">Order of the pack: id, name, kind, category, duration, bpm, key, loudness, created or rating (default: by id; a track's stems by kind).</param>
/// <param name="Desc">True: reverse the order.</param>
/// <param name="Format">wav (default), flac or mp3.</param>
/// <param name="Rate">Sample rate in Hz; each stem's own when left out.</param>
/// <param name="Bits">16 or 24, or 32 (float WAV); the stem's own depth when left out.</param>
internal sealed record ExportRequest(
    IReadOnlyList<long>? Ids = null, long? Track = null, string? Tag = null, string? Name = null, string? Kind = null, string? Category = null,
    string? Bpm = null, bool? HalfDouble = null, string? Key = null, string? Compatible = null, double? MinDuration = null, double? MaxDuration = null,
    string? Shape = null, string? Origin = null, bool? Favourite = null, int? MinRating = null, string? Sort = null, bool? Desc = null,
    string? Format = null, int? Rate = null, int? Bits = null);

/// <summary>/api/export: stems as a zip pack (audio in one format and manifest.csv).</summary>
internal static class ExportEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api").WithTags("Export");
        g.MapGet("/export", GetAsync)
            .WithSummary("Export stems as a zip: ids=1,2,3, or track and/or the filters of /api/stems (tag, kind, bpm, …); format (wav, flac, mp3), rate (Hz), bits (16, 24, 32); the zip holds the audio and manifest.csv")
            .Produces<Stream>(StatusCodes.Status200OK, "application/zip")
            .Problems(400, 404, 503);
        g.MapPost("/export", PostAsync)
            .WithSummary("Export stems as a zip; the selection and format as JSON (the fields of GET /api/export, ids as an array)")
            .Produces<Stream>(StatusCodes.Status200OK, "application/zip")
            .Problems(400, 404, 415, 503);
    }

    private static Task GetAsync(HttpContext http, string? ids, long? track, string? tag, string? name, string? kind, string? category, string? bpm,
        bool? halfDouble, string? key, string? compatible, double? minDuration, double? maxDuration, string? shape, string? origin, bool? favourite,
        int? minRating, string? sort, bool? desc, string? format, int? rate, int? bits, CancellationToken ct) =>
        ExportAsync(http, new ExportRequest(ParseIds(ids), track, tag, name, kind, category, bpm, halfDouble, key, compatible, minDuration, maxDuration,
            shape, origin, favourite, minRating, sort, desc, format, rate, bits), ct);

    private static Task PostAsync(HttpContext http, [FromBody] ExportRequest? body, CancellationToken ct) =>
        ExportAsync(http, body ?? throw new InvalidInputException("Send what to export as JSON: {\"ids\": [1, 2]} or {\"tag\": \"dusty\", \"format\": \"flac\"}."), ct);

    /// <summary>"1,2, 3" → [1, 2, 3].</summary>
    internal static List<long>? ParseIds(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var list = new List<long>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) throw new InvalidInputException($"'{part}' is not a stem id; write ids=1,2,3.");
            list.Add(id);
        }
        return list;
    }

    private static async Task ExportAsync(HttpContext http, ExportRequest r, CancellationToken ct)
    {
        var services = http.RequestServices;
        if (services.GetRequiredService<ILibraryPort>() is UnavailableLibrary) throw new FeatureUnavailableException("Export");
        var exporter = services.GetRequiredService<StemPackExporter>();
        var format = ExportFormat.Parse(r.Format, r.Rate, r.Bits);
        var filter = new StemFilter
        {
            Name = r.Name, Kind = r.Kind, Category = r.Category, Tag = r.Tag, Bpm = r.Bpm, HalfDouble = r.HalfDouble ?? false, Key = r.Key,
            Compatible = r.Compatible, MinDuration = r.MinDuration, MaxDuration = r.MaxDuration, Shape = r.Shape, Origin = r.Origin,
            Favourites = r.Favourite ?? false, MinRating = r.MinRating, Sort = r.Sort, Descending = r.Desc ?? false,
        };
        // Every error a user can act on is found before the first byte: the answer is then a problem, not a broken zip.
        var items = exporter.Resolve(new ExportSelection(r.Ids, r.Track, filter), format);
        exporter.Verify(items);

        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/zip";
        response.Headers.ContentDisposition = new System.Net.Mime.ContentDisposition { FileName = PackName(r, items), DispositionType = "attachment" }.ToString();
        response.Headers["X-Stem-Count"] = items.Count.ToString(CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
        // The zip is written with async calls; this only keeps a synchronous flush inside the archive from failing mid-stream.
        if (http.Features.Get<IHttpBodyControlFeature>() is { } body) body.AllowSynchronousIO = true;
        await exporter.WriteAsync(items, format, response.Body, progress: null, ct).ConfigureAwait(false);
    }

    /// <summary>The zip's name: the tag, the track, or the one stem it holds, else "traum-export".</summary>
    private static string PackName(ExportRequest r, IReadOnlyList<PackItem> items)
    {
        var name = r.Tag is { Length: > 0 } t ? t
            : r.Track is { } tr ? $"track {tr}"
            : items.Count == 1 ? items[0].Stem.Name
            : "traum-export";
        return PackNames.Clean(name) + ".zip";
    }
}
