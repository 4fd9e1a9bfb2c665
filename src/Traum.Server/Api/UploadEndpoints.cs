using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Traum.Core;
using Traum.Server.Hosting;
using Traum.Server.Jobs;

namespace Traum.Server.Api;

/// <summary>Ingest of a server-side folder or file.</summary>
/// <param name="Path">Absolute path of a folder or audio file under one of the configured ingest roots.</param>
/// <param name="Kind">Kind for every new stem (drums, bass, …); left out: from the file names and analysis.</param>
/// <param name="Category">Category for every new stem (kick, pad, …); left out: from the file names and analysis.</param>
/// <param name="Recursive">Also read the folder's subfolders (default true).</param>
/// <param name="InPlace">Index the files where they are instead of copying them into the library; left out: the ingest:inPlace setting.</param>
internal sealed record IngestRequest(string Path, string? Kind = null, string? Category = null, bool Recursive = true, bool? InPlace = null);

/// <summary>/api/uploads and /api/ingest: audio in, jobs out.</summary>
internal static class UploadEndpoints
{
    /// <summary>Files one stems upload may hold.</summary>
    public const int MaxStemFiles = 64;

    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api").WithTags("Uploads");
        g.MapPost("/uploads/track", UploadTrackAsync)
            .WithSummary("Upload a track (multipart field 'file'; optional 'model', 'shifts') and queue its separation")
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<JobInfo>(StatusCodes.Status202Accepted)
            .Problems(400, 413, 415, 422, 503, 507);
        g.MapPost("/uploads/stems", UploadStemsAsync)
            .WithSummary("Upload stems (multipart, one or more files; optional 'kind', 'category') and queue their ingest")
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<JobInfo>(StatusCodes.Status202Accepted)
            .Problems(400, 413, 415, 422, 503, 507);
        g.MapPost("/ingest", IngestFolderAsync)
            .WithSummary("Ingest a folder or file on the server (only under the configured ingest roots)")
            .Produces<JobInfo>(StatusCodes.Status202Accepted)
            .Problems(400, 404, 415, 503);
    }

    private static async Task<Accepted<JobInfo>> UploadTrackAsync(HttpRequest request, Uploads uploads, JobManager jobs, CancellationToken ct)
    {
        if (!jobs.Supports(JobKinds.Separate)) throw new Services.FeatureUnavailableException("Separation");
        var form = await uploads.ReadAsync(request, 1, ct).ConfigureAwait(false);
        var file = uploads.MoveToOwnFolder(form.Files[0]);
        var shifts = 0;
        if (form.Field("shifts") is { } s && (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out shifts) || shifts is < 0 or > 20))
        {
            Uploads.DeleteWithFolder(file.Path);
            throw new InvalidInputException("shifts must be a whole number from 0 to 20.");
        }
        var p = new SeparateParameters(file.Path, Path.GetFileNameWithoutExtension(file.Name), form.Field("model"), shifts);
        try
        {
            var job = await jobs.SubmitAsync(JobKinds.Separate, JobParameters.Serialize(p), ct).ConfigureAwait(false);
            return TypedResults.Accepted($"/api/jobs/{job.Id}", job);
        }
        catch
        {
            Uploads.DeleteWithFolder(file.Path);
            throw;
        }
    }

    private static async Task<Accepted<JobInfo>> UploadStemsAsync(HttpRequest request, Uploads uploads, JobManager jobs, CancellationToken ct)
    {
        if (!jobs.Supports(JobKinds.Ingest)) throw new Services.FeatureUnavailableException("Ingest");
        var form = await uploads.ReadAsync(request, MaxStemFiles, ct).ConfigureAwait(false);
        var p = new IngestParameters(form.Files.Select(f => f.Path).ToList(), form.Field("kind"), form.Field("category"),
            Recursive: false, DeleteAfter: true, Names: form.Files.Select(f => Path.GetFileNameWithoutExtension(f.Name)).ToList());
        try
        {
            var job = await jobs.SubmitAsync(JobKinds.Ingest, JobParameters.Serialize(p), ct).ConfigureAwait(false);
            return TypedResults.Accepted($"/api/jobs/{job.Id}", job);
        }
        catch
        {
            foreach (var f in form.Files) Uploads.TryDelete(f.Path);
            throw;
        }
    }

    private static async Task<Accepted<JobInfo>> IngestFolderAsync([FromBody] IngestRequest body, IngestRoots roots, JobManager jobs,
        Microsoft.Extensions.Configuration.IConfiguration configuration, CancellationToken ct)
    {
        if (body is null) throw new InvalidInputException("Send {\"path\": \"/absolute/folder\"}.");
        var path = roots.Guard.Resolve(body.Path);
        if (!Directory.Exists(path) && !File.Exists(path)) throw new NotFoundException($"'{body.Path}' does not exist on the server.");
        // In place: "inPlace" in the request, else the ingest:inPlace setting (the files stay where they are on the server).
        var inPlace = body.InPlace ?? string.Equals(configuration["ingest:inPlace"], "true", StringComparison.OrdinalIgnoreCase);
        var p = new IngestParameters([path], QueryParsing.Trimmed(body.Kind), QueryParsing.Trimmed(body.Category), body.Recursive, InPlace: inPlace);
        var job = await jobs.SubmitAsync(JobKinds.Ingest, JobParameters.Serialize(p), ct).ConfigureAwait(false);
        return TypedResults.Accepted($"/api/jobs/{job.Id}", job);
    }
}

/// <summary>The folders server-side ingest may read: the configured roots (the library's own folders are not offered).</summary>
internal sealed class IngestRoots(ServerOptions options)
{
    public PathGuard Guard { get; } = new(options.IngestRoots);
}
