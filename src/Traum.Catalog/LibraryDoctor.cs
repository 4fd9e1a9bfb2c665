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
    /// <summary>Number of problems found.</summary>
    public int ProblemCount => TempFiles.Count + OrphanFiles.Count + MissingStemFiles.Count + MissingTrackFiles.Count + InterruptedJobs.Count + IntegrityProblems.Count;

    public bool Healthy => ProblemCount == 0;
}

/// <summary>
/// Checks that the catalog and the files agree and repairs what a crash can leave behind:
/// temporary files (deleted), files without rows (deleted: their content is not in the catalog, and re-ingesting
/// the source adds it again), rows whose file is gone (stem rows deleted with their analysis; track rows keep the
/// record but lose the file reference), and jobs left Running by a dead process (marked Interrupted).
/// Files younger than <see cref="DoctorOptions.GracePeriod"/> are left alone, because a running ingest may be
/// between writing a file and adding its row.
/// </summary>
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
        foreach (var folder in new[] { library.StemsPath, library.TracksPath, library.GeneratedPath })
        {
            if (!Directory.Exists(folder)) continue;
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = Path.GetFileName(file);
                var old = File.GetLastWriteTimeUtc(file) <= cutoff.UtcDateTime;
                if (!old) continue;
                if (AtomicFile.IsTempName(name)) temps.Add(library.GetRelativePath(file));
                else if (folder != library.GeneratedPath && !referenced.Contains(library.GetRelativePath(file))) orphans.Add(library.GetRelativePath(file));
            }
        }

        var missingStems = new List<Stem>();
        foreach (var stem in catalog.ListStems())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!File.Exists(library.GetFullPath(stem.FilePath))) missingStems.Add(stem);
        }
        var missingTracks = catalog.ListTracks().Where(t => t.FilePath is not null && !File.Exists(library.GetFullPath(t.FilePath))).ToList();

        IReadOnlyList<JobInfo> interrupted;
        if (repair)
        {
            foreach (var t in temps) AtomicFile.TryDelete(library.GetFullPath(t));
            foreach (var o in orphans)
            {
                // Checked again just before deleting: an ingest may have reused the file since the scan.
                var full = library.GetFullPath(o);
                if (File.Exists(full) && File.GetLastWriteTimeUtc(full) > cutoff.UtcDateTime) continue;
                if (catalog.IsFileReferenced(o)) continue;
                AtomicFile.TryDelete(full);
            }
            foreach (var s in missingStems) catalog.DeleteStem(s.Id);
            foreach (var t in missingTracks) catalog.ClearTrackFile(t.Id);
            interrupted = catalog.MarkInterruptedJobs();
            RemoveEmptyFolders(library.StemsPath);
            RemoveEmptyFolders(library.TracksPath);
        }
        else
        {
            interrupted = catalog.FindInterruptedJobs();
        }
        return new DoctorReport(temps, orphans, missingStems, missingTracks, interrupted, integrity, repair);
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
    public DoctorOptions() : this(TimeSpan.FromMinutes(10)) { }
}
