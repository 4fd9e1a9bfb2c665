using Traum.Core;
using Traum.Engine.Ingest;
using Traum.Server.Hosting;

namespace Traum.Server.Jobs;

/// <summary>Ingests uploaded files or a server-side folder with the engine's <see cref="StemIngester"/>.</summary>
internal sealed class IngestJobHandler(StemIngester ingester) : IJobHandler
{
    public string Kind => JobKinds.Ingest;

    public Task ValidateAsync(string? parameters, CancellationToken cancellationToken)
    {
        var p = JobParameters.Parse<IngestParameters>(parameters);
        if (p.Paths is not { Count: > 0 }) throw new InvalidInputException("Nothing to ingest: give at least one path.");
        return Task.CompletedTask;
    }

    public Task<string?> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var p = run.Parameters<IngestParameters>();
        var items = new List<IngestItem>();
        for (var i = 0; i < p.Paths.Count; i++)
        {
            var path = p.Paths[i];
            if (Directory.Exists(path))
            {
                // The same enumeration as the command line, but symbolic links are not followed: they could lead
                // outside the allowed folders.
                var (found, _) = IngestService.Enumerate(new IngestRequest([path]) { Recursive = p.Recursive, Kind = p.Kind, Category = p.Category, FollowLinks = false, InPlace = p.InPlace, Tags = p.Tags ?? [] });
                items.AddRange(found);
            }
            else
            {
                items.Add(new IngestItem(path)
                {
                    Kind = p.Kind,
                    Category = p.Category,
                    Name = p.Names is { } names && i < names.Count ? names[i] : null,
                    MoveSource = p.DeleteAfter,
                    InPlace = p.InPlace && !p.DeleteAfter,
                    Tags = p.Tags ?? [],
                });
            }
        }
        if (items.Count == 0)
        {
            throw new TraumException($"No audio files in {string.Join(", ", p.Paths)}: nothing to ingest. Point it at a folder holding .wav, .flac, .mp3 or other audio files.");
        }
        var added = new List<long>();
        var duplicates = new List<long>();
        var failed = new List<object>();
        for (var i = 0; i < items.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var item = items[i];
            run.Progress.Report(new ProgressInfo(i, items.Count, "files", item.Name ?? Path.GetFileName(item.SourcePath)));
            var r = ingester.Ingest(item, cancellationToken);
            switch (r.Status)
            {
                case IngestStatus.Added:
                    added.Add(r.Stem!.Id);
                    break;
                case IngestStatus.Duplicate:
                    duplicates.Add(r.Stem!.Id);
                    break;
                default:
                    failed.Add(new { name = item.Name ?? Path.GetFileName(item.SourcePath), reason = r.Error });
                    break;
            }
            if (p.DeleteAfter && File.Exists(item.SourcePath)) Uploads.TryDelete(item.SourcePath);
        }
        run.Progress.Report(new ProgressInfo(items.Count, items.Count, "files", $"{added.Count} added, {duplicates.Count} already there, {failed.Count} failed"));
        if (items.Count > 0 && added.Count + duplicates.Count == 0)
        {
            throw new TraumException($"No file could be ingested ({failed.Count} failed).");
        }
        return Task.FromResult<string?>(JobParameters.Serialize(new { added, duplicates, failed, stemIds = added.Concat(duplicates).ToList() }));
    }
}
