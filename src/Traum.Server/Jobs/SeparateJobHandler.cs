using System.Globalization;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine;
using Traum.Engine.Ingest;
using Traum.Engine.Separation;
using Traum.Models.Demucs;
using Traum.Server.Hosting;

namespace Traum.Server.Jobs;

/// <summary>
/// Separates an uploaded track with the engine's <see cref="SeparationPipeline"/> (Demucs) and ingests the stems with
/// their parent track. The model comes from the request, else <c>separation:model</c>; an export folder from
/// <c>models:demucs:path</c> (as for the command line; <c>separation:modelPath</c> is also read) or <c>TRAUM_DEMUCS_MODEL</c> wins.
/// </summary>
internal sealed class SeparateJobHandler(TraumContext context, StemIngester ingester) : IJobHandler
{
    public string Kind => JobKinds.Separate;

    private string Model(SeparateParameters p) => p.Model ?? context.Configuration["separation:model"] ?? DemucsKnownModels.Default;

    private string? ModelPath =>
        context.Configuration["models:demucs:path"] is { Length: > 0 } m ? m
        : context.Configuration["separation:modelPath"] is { Length: > 0 } legacy ? legacy : null;

    public Task ValidateAsync(string? parameters, CancellationToken cancellationToken)
    {
        var p = JobParameters.Parse<SeparateParameters>(parameters);
        // Throws ModelNotFoundException (503 with the install command) before the upload is queued.
        _ = DemucsKnownModels.Resolve(Model(p), ModelPath, context.ModelsPath);
        return Task.CompletedTask;
    }

    public async Task<string?> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var p = run.Parameters<SeparateParameters>();
        var ingestor = new LibraryStemIngestor(ingester, new SeparatedStemOptions { TrackName = p.Name, StoreTrack = true, MoveStems = true });
        var pipeline = new SeparationPipeline(context, ingestor);
        var request = new SeparateRequest([p.Path])
        {
            Model = Model(p),
            ModelPath = ModelPath,
            Demucs = new DemucsOptions { Shifts = p.Shifts },
            OutDir = Path.Combine(context.LibraryPath, "separated"),
            Ingest = true,
        };
        var results = await pipeline.RunAsync(request, run.Progress, cancellationToken).ConfigureAwait(false);
        var track = results.Single();
        if (track.Status == "failed") throw new TraumException($"Separation failed: {track.Message}");
        try
        {
            // The separated stems are in the library now; the uploaded mix is kept as the track's stored copy only.
            Uploads.DeleteWithFolder(p.Path);
            // The stems were moved into the store; what is left of the server's own output folder is its record.
            if (track.Folder is { } outFolder && Path.GetDirectoryName(outFolder) is { } trackFolder && Directory.Exists(trackFolder)) Directory.Delete(trackFolder, recursive: true);
        }
        catch (IOException)
        {
        }
        return JobParameters.Serialize(new { trackId = ingestor.TrackId, stemIds = ingestor.StemIds, status = track.Status, notes = track.Message });
    }
}
