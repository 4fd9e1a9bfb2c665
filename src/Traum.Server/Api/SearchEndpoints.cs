using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Traum.Core;
using DuplicateMethod = Traum.Engine.Search.DuplicateMethod;
using DuplicateRequest = Traum.Engine.Search.DuplicateRequest;
using Traum.Server.Hosting;
using Traum.Server.Services;

namespace Traum.Server.Api;

/// <summary>/api/search and /api/duplicates. Plain requests: they never wait behind jobs.</summary>
internal static class SearchEndpoints
{
    public const int MaxK = 200;

    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api").WithTags("Search");
        g.MapGet("/search", TextAsync).WithSummary("Search stems by text (CLAP text embedding, cosine top-k, with filters)").Problems(400, 503);
        g.MapPost("/search/audio", AudioAsync)
            .WithSummary("Search by an uploaded audio example (multipart field 'file'; optional 'k')")
            .Accepts<IFormFile>("multipart/form-data")
            .Problems(400, 413, 415, 422, 503, 507);
        g.MapGet("/stems/{id:long}/similar", SimilarAsync).WithTags("Stems").WithSummary("Stems that sound like this one").Problems(400, 404, 503);
        g.MapGet("/duplicates", DuplicatesAsync).WithSummary("Duplicate stems: the same recording by Chromaprint fingerprint (default; maxBitError), identical audio, or method=embedding with a cosine threshold").Problems(400, 503);
    }

    private static async Task<Ok<IReadOnlyList<SearchHit>>> TextAsync(ISearchPort search, string? q, int? k,
        string? kind, string? category, string? origin, string? bpm, string? key, double? minDuration, double? maxDuration, string[]? profile,
        string? compatible, bool? halfDouble, CancellationToken ct)
    {
        var text = QueryParsing.Trimmed(q) ?? throw new InvalidInputException("Give a query: /api/search?q=dusty+vinyl+drum+loop");
        if (text.Length > 1000) throw new InvalidInputException("The query is longer than 1000 characters.");
        var filter = QueryParsing.Filter(kind, category, origin, bpm, key, minDuration, maxDuration, profile, halfDouble ?? false, compatible);
        return TypedResults.Ok(await search.ByTextAsync(text, QueryParsing.Clamp(k, 10, 1, MaxK, "k"), filter, ct).ConfigureAwait(false));
    }

    private static async Task<Ok<IReadOnlyList<SearchHit>>> AudioAsync(HttpRequest request, Uploads uploads, ISearchPort search, CancellationToken ct)
    {
        if (search is UnavailableSearch) throw new FeatureUnavailableException("Search");
        var form = await uploads.ReadAsync(request, 1, ct).ConfigureAwait(false);
        try
        {
            int? k = form.Field("k") is { } ks && int.TryParse(ks, System.Globalization.CultureInfo.InvariantCulture, out var kv) ? kv : null;
            var halfDouble = form.Field("halfDouble") is { } hd && (hd.Equals("true", StringComparison.OrdinalIgnoreCase) || hd == "1" || hd.Equals("on", StringComparison.OrdinalIgnoreCase));
            var filter = QueryParsing.Filter(form.Field("kind"), form.Field("category"), form.Field("origin"), form.Field("bpm"), form.Field("key"), null, null, null,
                halfDouble, form.Field("compatible"));
            return TypedResults.Ok(await search.ByAudioAsync(form.Files[0].Path, QueryParsing.Clamp(k, 10, 1, MaxK, "k"), filter, ct).ConfigureAwait(false));
        }
        finally
        {
            Uploads.TryDelete(form.Files[0].Path);
        }
    }

    private static async Task<Ok<IReadOnlyList<SearchHit>>> SimilarAsync(ISearchPort search, long id, int? k,
        string? kind, string? category, string? origin, string? bpm, string? key, bool? halfDouble, string? compatible, CancellationToken ct)
    {
        var filter = QueryParsing.Filter(kind, category, origin, bpm, key, null, null, null, halfDouble ?? false, compatible);
        return TypedResults.Ok(await search.ByStemAsync(id, QueryParsing.Clamp(k, 10, 1, MaxK, "k"), filter, ct).ConfigureAwait(false));
    }

    private static async Task<Ok<IReadOnlyList<DuplicateGroup>>> DuplicatesAsync(ISearchPort search, string? method, double? threshold, double? maxBitError, CancellationToken ct)
    {
        var byEmbedding = QueryParsing.Trimmed(method)?.ToLowerInvariant() switch
        {
            null or "fingerprint" => false,
            "embedding" => true,
            var m => throw new InvalidInputException($"method '{m}' is not known; use fingerprint (the same recording) or embedding (near-identical sounds)."),
        };
        if (threshold is { } t && (!byEmbedding || !double.IsFinite(t) || t is <= 0 or > 1))
        {
            throw new InvalidInputException(byEmbedding ? "threshold is a cosine similarity in (0, 1], e.g. 0.997." : "threshold applies to method=embedding; fingerprints use maxBitError.");
        }
        if (maxBitError is { } b && (byEmbedding || !double.IsFinite(b) || b is < 0 or > 1))
        {
            throw new InvalidInputException(byEmbedding ? "maxBitError applies to method=fingerprint; embeddings use threshold." : "maxBitError is a bit error rate in [0, 1], e.g. 0.1.");
        }
        var request = new DuplicateRequest
        {
            Method = byEmbedding ? DuplicateMethod.Embedding : DuplicateMethod.Fingerprint,
            Threshold = threshold,
            MaxBitErrorRate = maxBitError,
        };
        return TypedResults.Ok(await search.DuplicatesAsync(request, ct).ConfigureAwait(false));
    }
}
