using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Traum.Core;
using Traum.Engine.Jobs;

namespace Traum.Engine.Ingest;

/// <summary>What to ingest.</summary>
/// <param name="Paths">Files and folders.</param>
public sealed record IngestRequest(IReadOnlyList<string> Paths)
{
    /// <summary>Kind for every file (null: decided per file).</summary>
    public string? Kind { get; init; }
    /// <summary>Category for every file (null: decided per file).</summary>
    public string? Category { get; init; }
    /// <summary>Descend into sub-folders of the folders given.</summary>
    public bool Recursive { get; init; }
    /// <summary>Files decoded and analysed at once.</summary>
    public int Jobs { get; init; } = Math.Max(1, Environment.ProcessorCount);
    /// <summary>Tags for every stem added.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>Follow symbolic links inside folders (the server turns this off so no link leads outside its roots).</summary>
    public bool FollowLinks { get; init; } = true;
    /// <summary>Index files where they are instead of copying them into the library (<see cref="IngestItem.InPlace"/>).</summary>
    public bool InPlace { get; init; }
}

/// <summary>The outcome of a batch.</summary>
/// <param name="Files">Files looked at.</param>
/// <param name="Added">New stems.</param>
/// <param name="Duplicates">Files whose sound was already in the library.</param>
/// <param name="Failed">Files that could not be read.</param>
/// <param name="AudioSeconds">Seconds of audio decoded.</param>
/// <param name="ElapsedSeconds">Wall-clock seconds.</param>
/// <param name="Failures">Each failed file with its reason.</param>
/// <param name="AnalysisErrors">Stems kept whose analysis failed ("path: analyser: reason").</param>
/// <param name="AddedStemIds">Ids of the stems added, in file order.</param>
/// <param name="AlreadyIn">Files whose sound the library already had, with the stem that has it.</param>
public sealed record IngestSummary(
    int Files, int Added, int Duplicates, int Failed, double AudioSeconds, double ElapsedSeconds,
    IReadOnlyList<IngestFailure> Failures, IReadOnlyList<string> AnalysisErrors, IReadOnlyList<long> AddedStemIds,
    IReadOnlyList<IngestKnown>? AlreadyIn = null);

/// <summary>A file whose sound was already in the library, and the stem it is.</summary>
/// <param name="Path">The file (absolute).</param>
/// <param name="StemId">The stem that already has its sound.</param>
/// <param name="StemName">That stem's display name.</param>
public sealed record IngestKnown(string Path, long StemId, string StemName);

/// <summary>A file that could not be ingested and why.</summary>
/// <param name="Path">The file or folder (absolute).</param>
/// <param name="Reason">Why it failed, without the path.</param>
public sealed record IngestFailure(string Path, string Reason);

/// <summary>
/// Ingests files and folders in parallel: a <see cref="Channel{T}"/> of files feeds N workers, each running
/// <see cref="StemIngester.Ingest"/> (decode, hash, store, catalog, analysers). Unreadable files are collected as
/// failures and the batch carries on. Every file is complete or absent, so a batch killed half-way is finished by
/// running it again (files already in are recognised and skipped).
/// </summary>
/// <param name="ingester">Ingests each file; the workers share it.</param>
public sealed class IngestService(StemIngester ingester)
{
    /// <summary>File extensions picked up from folders (a file named explicitly is always tried).</summary>
    public static IReadOnlySet<string> AudioExtensions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".wav", ".wave", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".aif", ".aiff", ".aifc", ".m4a", ".aac", ".wma", ".caf", ".w64", ".wv", ".ape", ".mp2",
    };

    /// <summary>The files a request names, sorted, each with the folder it was found under.</summary>
    /// <returns>Files to ingest and paths that do not exist.</returns>
    public static (IReadOnlyList<IngestItem> Items, IReadOnlyList<IngestFailure> Missing) Enumerate(IngestRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var items = new List<IngestItem>();
        var missing = new List<IngestFailure>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in request.Paths)
        {
            var path = Path.GetFullPath(raw);
            if (File.Exists(path))
            {
                if (seen.Add(path)) items.Add(Item(path, Path.GetDirectoryName(path)!, request));
            }
            else if (Directory.Exists(path))
            {
                var files = Directory.EnumerateFiles(path, "*", new EnumerationOptions
                    {
                        RecurseSubdirectories = request.Recursive,
                        IgnoreInaccessible = true,
                        AttributesToSkip = FileAttributes.Hidden | FileAttributes.System | (request.FollowLinks ? 0 : FileAttributes.ReparsePoint),
                    })
                    .Where(f => AudioExtensions.Contains(Path.GetExtension(f)) && !Path.GetFileName(f).StartsWith('.'))
                    .Order(StringComparer.Ordinal);
                foreach (var f in files)
                {
                    if (seen.Add(f)) items.Add(Item(f, path, request));
                }
            }
            else
            {
                missing.Add(new IngestFailure(path, "no such file or folder"));
            }
        }
        return (items, missing);
    }

    private static IngestItem Item(string path, string root, IngestRequest r) =>
        new(path) { Root = root, Kind = r.Kind, Category = r.Category, Tags = r.Tags, InPlace = r.InPlace };

    /// <summary>Ingests everything the request names. Progress counts files; its message gives audio seconds and rate.</summary>
    public async Task<IngestSummary> RunAsync(IngestRequest request, IProgress<ProgressInfo>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Jobs < 1) throw new InvalidInputException($"--jobs must be at least 1 (got {request.Jobs}).");
        var (items, missing) = Enumerate(request);
        var started = Stopwatch.GetTimestamp();
        var results = new IngestResult?[items.Count];
        var done = 0;
        double seconds = 0;
        var gate = new Lock();
        progress?.Report(new ProgressInfo(0, items.Count, "files", "starting"));

        var channel = Channel.CreateBounded<int>(new BoundedChannelOptions(Math.Max(4, request.Jobs * 4)) { SingleWriter = true });
        // A worker that fails (e.g. the library's disk is full) stops the whole batch instead of leaving the others waiting.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = Enumerable.Range(0, Math.Min(request.Jobs, Math.Max(1, items.Count))).Select(_ => Task.Run(async () =>
        {
            try
            {
                await foreach (var i in channel.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
                {
                    var r = ingester.Ingest(items[i], stop.Token);
                    results[i] = r;
                    lock (gate)
                    {
                        done++;
                        seconds += r.Seconds;
                        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
                        progress?.Report(new ProgressInfo(done, items.Count, "files", Status(seconds, elapsed)));
                    }
                }
            }
            catch
            {
                await stop.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }, CancellationToken.None)).ToArray();

        try
        {
            for (var i = 0; i < items.Count; i++) await channel.Writer.WriteAsync(i, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A worker failed; its exception is thrown below.
        }
        finally
        {
            channel.Writer.TryComplete();
            // Never return while a worker may still be writing to the library.
            await Task.WhenAll(workers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        var failedWorker = workers.FirstOrDefault(w => w.IsFaulted);
        if (failedWorker is not null) await failedWorker.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        var all = results.Select(r => r!).ToList();
        var failures = missing.Concat(all.Where(r => r.Status == IngestStatus.Failed).Select(r => new IngestFailure(r.SourcePath, r.Error ?? "unreadable"))).ToList();
        var analysisErrors = all.SelectMany(r => r.AnalysisErrors.Select(e => $"{r.SourcePath}: {e}")).ToList();
        return new IngestSummary(
            Files: items.Count + missing.Count,
            Added: all.Count(r => r.Status == IngestStatus.Added),
            Duplicates: all.Count(r => r.Status == IngestStatus.Duplicate),
            Failed: failures.Count,
            AudioSeconds: all.Sum(r => r.Seconds),
            ElapsedSeconds: Stopwatch.GetElapsedTime(started).TotalSeconds,
            Failures: failures,
            AnalysisErrors: analysisErrors,
            AddedStemIds: [.. all.Where(r => r.Status == IngestStatus.Added).Select(r => r.Stem!.Id)],
            AlreadyIn: [.. all.Where(r => r.Status == IngestStatus.Duplicate && r.Stem is not null).Select(r => new IngestKnown(r.SourcePath, r.Stem!.Id, r.Stem.Name))]);
    }

    /// <summary>Runs the batch as an "ingest" job with a durable record (parameters, progress, result summary).</summary>
    public Task<IngestSummary> RunAsJobAsync(JobRunner runner, IngestRequest request, IProgress<ProgressInfo>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        return runner.RunAsync("ingest", request, ctx => RunAsync(request, ctx.Progress, ctx.CancellationToken), progress, cancellationToken);
    }

    private static string Status(double audioSeconds, double elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"{audioSeconds:0.0} s of audio, {RealTime.Format(audioSeconds, elapsed)}");
}
