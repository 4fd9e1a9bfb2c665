using Traum.Core;

namespace Traum.Catalog;

/// <summary>What <see cref="LibraryDoctor"/> found (and, when repairing, fixed).</summary>
/// <param name="TempFiles">Temporary files left by an interrupted write (relative paths).</param>
/// <param name="OrphanFiles">Files in stems/ or tracks/ that no catalog row refers to (relative paths).</param>
/// <param name="MissingStemFiles">Stems whose file is gone.</param>
/// <param name="MissingTrackFiles">Tracks whose stored copy is gone.</param>
/// <param name="InterruptedJobs">Running jobs whose process is gone.</param>
/// <param name="IntegrityProblems">What SQLite's integrity check reported (empty when the database is sound).</param>
/// <param name="Repaired">True when the problems above were repaired.</param>
public sealed record DoctorReport(
    IReadOnlyList<string> TempFiles,
    IReadOnlyList<string> OrphanFiles,
    IReadOnlyList<Stem> MissingStemFiles,
    IReadOnlyList<Track> MissingTrackFiles,
    IReadOnlyList<JobInfo> InterruptedJobs,
    IReadOnlyList<string> IntegrityProblems,
    bool Repaired)
{
    /// <summary>
    /// What interrupted work left outside the store (relative paths): uploads no job is waiting for, generated files
    /// that were never ingested, and empty upload folders (ending in '/').
    /// </summary>
    public IReadOnlyList<string> LeftoverFiles { get; init; } = [];

    /// <summary>Stems whose descriptors are missing (an ingest was killed between the row and its analysis); not a problem of the files, so repaired by <c>traum reindex</c> or the doctor's caller.</summary>
    public IReadOnlyList<long> StemsWithoutDescriptors { get; init; } = [];

    /// <summary>Number of problems found.</summary>
    public int ProblemCount => TempFiles.Count + OrphanFiles.Count + MissingStemFiles.Count + MissingTrackFiles.Count + InterruptedJobs.Count
        + IntegrityProblems.Count + LeftoverFiles.Count + StemsWithoutDescriptors.Count;

    /// <summary>True when nothing was found (<see cref="ProblemCount"/> is 0).</summary>
    public bool Healthy => ProblemCount == 0;
}

/// <summary>
/// Checks that the catalog and the files agree and repairs what a crash can leave behind:
/// temporary files (deleted), files without rows (deleted: their content is not in the catalog, and re-ingesting
/// the source adds it again), rows whose file is gone (stem rows deleted with their analysis; track rows keep the
/// record but lose the file reference), and jobs left Running by a dead process (marked Interrupted).
/// Files younger than <see cref="DoctorOptions.GracePeriod"/> (counted from when Traum wrote them, not from the
/// source's time) are left alone, because a running ingest may be between writing a file and adding its row, and an
/// orphan is checked once more just before it is deleted. Leftovers of interrupted work (uploads no job waits for,
/// generated files never ingested, empty upload folders) are reported and removed too; stems without descriptors
/// are reported for the caller to describe.
/// </summary>
/// <param name="library">The library to check.</param>
/// <param name="time">Clock of the grace period; default the system clock.</param>
public sealed class LibraryDoctor(Library library, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Examines the library; with <paramref name="repair"/> also fixes what it found.</summary>
    public DoctorReport Run(bool repair, DoctorOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(library);
        options ??= new DoctorOptions();
        var cutoff = _time.GetUtcNow() - options.GracePeriod;
        var catalog = library.Catalog;

        var integrity = catalog.IntegrityCheck();
        var referenced = catalog.ListReferencedFiles();
        var temps = new List<string>();
        var orphans = new List<string>();
        var leftovers = new List<string>();
        // Uploads and separation outputs a queued or running job still needs are named in its parameters.
        var waiting = catalog.ListJobs(JobState.Queued, limit: int.MaxValue).Concat(catalog.ListJobs(JobState.Running, limit: int.MaxValue))
            .Select(j => j.Parameters ?? "").ToList();
        foreach (var folder in new[] { library.StemsPath, library.TracksPath, library.GeneratedPath, library.UploadsPath })
        {
            if (!Directory.Exists(folder)) continue;
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = Path.GetFileName(file);
                var old = File.GetLastWriteTimeUtc(file) <= cutoff.UtcDateTime;
                if (!old) continue;
                var relative = library.GetRelativePath(file);
                if (AtomicFile.IsTempName(name)) temps.Add(relative);
                else if (folder == library.GeneratedPath) leftovers.Add(relative); // generation output is moved into the store on ingest
                else if (folder == library.UploadsPath)
                {
                    // uploads/ID.upload or uploads/ID/name: ID (hex) is what a waiting job's parameters contain.
                    var id = Path.GetFileNameWithoutExtension(relative.Split('/')[1]);
                    if (!waiting.Any(p => p.Contains(id, StringComparison.Ordinal))) leftovers.Add(relative);
                }
                else if (!referenced.Contains(relative)) orphans.Add(relative);
            }
        }
        foreach (var folder in new[] { library.UploadsPath, library.GeneratedPath })
        {
            if (!Directory.Exists(folder)) continue;
            foreach (var dir in Directory.EnumerateDirectories(folder))
            {
                if (Directory.GetLastWriteTimeUtc(dir) <= cutoff.UtcDateTime && !Directory.EnumerateFileSystemEntries(dir).Any()) leftovers.Add(library.GetRelativePath(dir) + "/");
            }
        }
        var undescribed = catalog.StemsWithoutDescriptors();

        var missingStems = new List<Stem>();
        foreach (var stem in catalog.ListStems())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!File.Exists(library.ResolveFile(stem.FilePath))) missingStems.Add(stem);
        }
        var missingTracks = catalog.ListTracks().Where(t => t.FilePath is not null && !File.Exists(library.ResolveFile(t.FilePath))).ToList();

        IReadOnlyList<JobInfo> interrupted;
        if (repair)
        {
            foreach (var t in temps)
            {
                // Checked again just before deleting: a writer may have just made a file of that name.
                var full = library.GetFullPath(t);
                if (File.Exists(full) && File.GetLastWriteTimeUtc(full) > cutoff.UtcDateTime) continue;
                AtomicFile.TryDelete(full);
            }
            foreach (var o in orphans)
            {
                // Checked again just before deleting: an ingest may have reused the file since the scan.
                var full = library.GetFullPath(o);
                if (File.Exists(full) && File.GetLastWriteTimeUtc(full) > cutoff.UtcDateTime) continue;
                if (catalog.IsFileReferenced(o)) continue;
                AtomicFile.TryDelete(full);
            }
            // A file indexed in place that is gone was moved or deleted by its owner: the row stays for `traum doctor --relink DIR`.
            foreach (var s in missingStems.Where(s => !Library.IsInPlace(s.FilePath))) catalog.DeleteStem(s.Id);
            foreach (var t in missingTracks) catalog.ClearTrackFile(t.Id);
            foreach (var l in leftovers)
            {
                var full = library.GetFullPath(l.TrimEnd('/'));
                if (!l.EndsWith('/')) AtomicFile.TryDelete(full);
                // The leftover's own folder goes too when nothing else is in it (uploads/ID/, generated/CATEGORY/).
                var dir = l.EndsWith('/') ? full : Path.GetDirectoryName(full)!;
                if (dir != library.UploadsPath && dir != library.GeneratedPath) TryRemoveEmptyFolder(dir);
            }
            interrupted = catalog.MarkInterruptedJobs();
            RemoveEmptyFolders(library.StemsPath);
            RemoveEmptyFolders(library.TracksPath);
        }
        else
        {
            interrupted = catalog.FindInterruptedJobs();
        }
        return new DoctorReport(temps, orphans, missingStems, missingTracks, interrupted, integrity, repair)
        {
            LeftoverFiles = leftovers,
            StemsWithoutDescriptors = undescribed,
        };
    }

    private static void TryRemoveEmptyFolder(string dir)
    {
        try
        {
            if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
        }
        catch (IOException)
        {
            // Someone wrote into it meanwhile.
        }
    }

    private static void RemoveEmptyFolders(string root)
    {
        if (!Directory.Exists(root)) return;
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            try
            {
                if (!Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
            }
            catch (IOException)
            {
                // Someone wrote into it meanwhile.
            }
        }
    }
}

/// <summary>Doctor settings.</summary>
/// <param name="GracePeriod">Files modified more recently than this are not touched (an ingest may be running).</param>
public sealed record DoctorOptions(TimeSpan GracePeriod)
{
    /// <summary>The default settings: a grace period of 10 minutes.</summary>
    public DoctorOptions() : this(TimeSpan.FromMinutes(10)) { }
}
