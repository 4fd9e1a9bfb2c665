using System.CommandLine;
using Traum.Catalog;
using static Traum.Cli.Commands.LibraryCommandSupport;

namespace Traum.Cli.Commands;

/// <summary><c>traum doctor [--repair]</c>: checks that the catalog and the files agree.</summary>
internal static class DoctorCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var repair = new Option<bool>("--repair") { Description = "Fix what is found: delete leftover and orphaned files, drop rows whose file is gone, mark dead jobs interrupted" };
        var grace = new Option<double>("--grace") { Description = "Leave files younger than this many minutes alone (an ingest may be running)", DefaultValueFactory = _ => new DoctorOptions().GracePeriod.TotalMinutes };
        var cmd = new Command("doctor", "Check the library: files without catalog rows, rows without files, leftovers of a crash, interrupted jobs") { repair, grace };
        cmd.SetAction(pr =>
        {
            var json = pr.GetValue(globals.Json);
            var minutes = pr.GetValue(grace);
            if (!(minutes >= 0)) throw new Core.InvalidInputException("--grace must be zero or more minutes.");
            var context = Context(pr, globals);
            // Opened without recovering jobs first, so that a check without --repair changes nothing.
            using var library = Library.Open(context.LibraryPath, context.Time);
            var report = new LibraryDoctor(library, context.Time).Run(pr.GetValue(repair), new DoctorOptions(TimeSpan.FromMinutes(minutes)));
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
                });
            }
            else
            {
                var verb = report.Repaired ? "removed" : "found";
                foreach (var t in report.TempFiles) Output.Line($"leftover temporary file ({verb}): {t}");
                foreach (var o in report.OrphanFiles) Output.Line($"file without a catalog row ({verb}): {o}");
                foreach (var s in report.MissingStemFiles) Output.Line($"stem {s.Id} has no file {s.FilePath} ({(report.Repaired ? "row removed" : "found")})");
                foreach (var t in report.MissingTrackFiles) Output.Line($"track {t.Id} has no file {t.FilePath} ({(report.Repaired ? "reference cleared" : "found")})");
                foreach (var j in report.InterruptedJobs) Output.Line($"job {j.Id} ({j.Kind}) was left running by a process that is gone ({(report.Repaired ? "marked interrupted" : "found")})");
                foreach (var p in report.IntegrityProblems) Output.Line($"database: {p}");
                if (report.Healthy) Output.Line($"The library at {library.Root} is healthy.");
                else if (report.Repaired) Output.Line($"Repaired {report.ProblemCount - report.IntegrityProblems.Count} problem(s).");
                else Output.Line($"{report.ProblemCount} problem(s); run 'traum doctor --repair' to fix them.");
                if (report.IntegrityProblems.Count > 0) Output.Note("The database itself is damaged: copy catalog.db aside and re-ingest your sources into a new library.");
            }
            var unrepaired = report.Repaired ? report.IntegrityProblems.Count : report.ProblemCount;
            return unrepaired == 0 ? CliApp.ExitOk : CliApp.ExitUserError;
        });
        return cmd;
    }
}
