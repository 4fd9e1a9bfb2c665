using System.CommandLine;
using Traum.Catalog;
using static Traum.Cli.Commands.LibraryCommandSupport;

namespace Traum.Cli.Commands;

/// <summary><c>traum doctor [--repair]</c>: checks that the catalog and the files agree.</summary>
internal static class DoctorCommand
{
    /// <summary>Describes the stems an interrupted ingest left without descriptors; returns those it could.</summary>
    private static List<long> Describe(Engine.TraumContext context, Library library, IReadOnlyList<long> ids)
    {
        var done = new List<long>();
        if (ids.Count == 0) return done;
        var analyzer = Engine.Ingest.StemAnalyzerRegistry.Descriptors(context);
        foreach (var id in ids)
        {
            if (library.Catalog.GetStem(id) is not { } stem) continue;
            try
            {
                var audio = Audio.IO.AudioFile.Read(library.ResolveFile(stem.FilePath));
                library.Catalog.SaveAnalysis(id, analyzer.Analyze(stem, new Audio.DecodedAudio(audio), StoredAnalysis.None, CancellationToken.None));
                done.Add(id);
            }
            catch (Core.TraumException e)
            {
                Output.Note($"stem {id}: {e.Message}");
            }
        }
        return done;
    }

    public static Command Create(GlobalOptions globals)
    {
        var repair = new Option<bool>("--repair") { Description = "Fix what is found: delete leftover and orphaned files, drop rows whose file is gone, mark dead jobs interrupted" };
        var grace = new Option<double>("--grace") { Description = "Leave files younger than this many minutes alone (an ingest may be running)", DefaultValueFactory = _ => new DoctorOptions().GracePeriod.TotalMinutes };
        var relink = new Option<string[]>("--relink")
        {
            Description = "Folders to look in for stems whose files moved (matched by content hash; they are then indexed where they are)",
            AllowMultipleArgumentsPerToken = true,
        };
        var cmd = new Command("doctor", "Check the library: files without catalog rows, rows without files, leftovers of a crash, interrupted jobs") { repair, grace, relink };
        cmd.SetAction(pr =>
        {
            var json = pr.GetValue(globals.Json);
            var minutes = pr.GetValue(grace);
            if (!(minutes >= 0)) throw new Core.InvalidInputException("--grace must be zero or more minutes.");
            var context = Context(pr, globals);
            // Opened without recovering jobs first, so that a check without --repair changes nothing.
            using var library = Library.OpenExisting(context.LibraryPath, context.Catalog, context.Time);
            var relinked = pr.GetValue(relink) is { Length: > 0 } folders ? new Engine.Ingest.StemRelinker(library).Relink(folders) : [];
            var report = new LibraryDoctor(library, context.Time).Run(pr.GetValue(repair), new DoctorOptions(TimeSpan.FromMinutes(minutes)));
            var described = report.Repaired ? Describe(context, library, report.StemsWithoutDescriptors) : [];
            if (json)
            {
                Output.Json(new
                {
                    healthy = report.Healthy,
                    repaired = report.Repaired,
                    tempFiles = report.TempFiles,
                    orphanFiles = report.OrphanFiles,
                    missingStemFiles = report.MissingStemFiles.Select(s => new { s.Id, s.FilePath }),
                    missingTrackFiles = report.MissingTrackFiles.Select(t => new { t.Id, t.FilePath }),
                    interruptedJobs = report.InterruptedJobs.Select(j => new { j.Id, j.Kind }),
                    integrityProblems = report.IntegrityProblems,
                    leftoverFiles = report.LeftoverFiles,
                    stemsWithoutDescriptors = report.StemsWithoutDescriptors,
                    described,
                    relinked,
                });
            }
            else
            {
                foreach (var r in relinked) Output.Line($"stem {r.StemId} found again: {r.To} (was {r.From})");
                var verb = report.Repaired ? "removed" : "found";
                foreach (var t in report.TempFiles) Output.Line($"leftover temporary file ({verb}): {t}");
                foreach (var o in report.OrphanFiles) Output.Line($"file without a catalog row ({verb}): {o}");
                foreach (var s in report.MissingStemFiles)
                {
                    Output.Line(Library.IsInPlace(s.FilePath)
                        ? $"stem {s.Id} is indexed in place and its file {s.FilePath} is gone; if it moved, run 'traum doctor --relink FOLDER'"
                        : $"stem {s.Id} has no file {s.FilePath} ({(report.Repaired ? "row removed" : "found")})");
                }
                foreach (var t in report.MissingTrackFiles) Output.Line($"track {t.Id} has no file {t.FilePath} ({(report.Repaired ? "reference cleared" : "found")})");
                foreach (var j in report.InterruptedJobs) Output.Line($"job {j.Id} ({j.Kind}) was left running by a process that is gone ({(report.Repaired ? "marked interrupted" : "found")})");
                foreach (var l in report.LeftoverFiles) Output.Line($"leftover of interrupted work ({verb}): {l}");
                foreach (var id in report.StemsWithoutDescriptors)
                {
                    Output.Line($"stem {id} has no descriptors ({(!report.Repaired ? "found" : described.Contains(id) ? "described" : "could not be described")})");
                }
                foreach (var p in report.IntegrityProblems) Output.Line($"database: {p}");
                if (report.Healthy) Output.Line($"The library at {library.Root} is healthy.");
                else if (report.Repaired) Output.Line($"Repaired {report.ProblemCount - report.IntegrityProblems.Count} problem(s).");
                else
                {
                    var moved = report.MissingStemFiles.Count(s => Library.IsInPlace(s.FilePath));
                    var fixable = report.ProblemCount - moved;
                    if (fixable > 0) Output.Line($"{fixable} problem(s); run 'traum doctor --repair' to fix them.");
                    if (moved > 0) Output.Line($"{moved} stem(s) indexed in place lost their file; run 'traum doctor --relink FOLDER' with the folder they moved to (--repair keeps them).");
                }
                if (report.IntegrityProblems.Count > 0) Output.Note("The database itself is damaged: copy catalog.db aside and re-ingest your sources into a new library.");
                if (library.Catalog is IVectorIndexMaintenance indexes)
                {
                    foreach (var stale in indexes.VectorIndexes().Where(s => s.NeedsRebuild)) Output.Note(CatalogCommand.StaleNote(stale));
                }
            }
            var unrepaired = report.Repaired
                ? report.IntegrityProblems.Count + report.StemsWithoutDescriptors.Count - described.Count + report.MissingStemFiles.Count(s => Library.IsInPlace(s.FilePath))
                : report.ProblemCount;
            return unrepaired == 0 ? CliApp.ExitOk : CliApp.ExitUserError;
        });
        return cmd;
    }
}
