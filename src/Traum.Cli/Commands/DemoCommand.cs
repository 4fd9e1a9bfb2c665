using System.CommandLine;
using System.Globalization;
using Traum.Core;
using Traum.Engine;
using Traum.Engine.Configuration;
using Traum.Engine.Demo;

namespace Traum.Cli.Commands;

/// <summary><c>traum demo [--library DIR] [--keep]</c>: the main job end to end on a synthesized kit.</summary>
internal static class DemoCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var keep = new Option<bool>("--keep") { Description = "Keep the demo library afterwards (always kept when --library is given)" };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs of the demo VAE", DefaultValueFactory = _ => new DemoOptions().Epochs };
        var cmd = new Command("demo", "Synthesize a kit, ingest it, separate a mix, train and generate, and search: the whole job in a few minutes")
        {
            keep, epochs,
        };
        cmd.SetAction(async (pr, ct) =>
        {
            var json = pr.GetValue(globals.Json);
            var given = pr.GetValue(globals.Library);
            var library = given ?? Path.Combine(Path.GetTempPath(), $"traum-demo-{TimeProvider.System.GetUtcNow():yyyyMMdd-HHmmss}-{Environment.ProcessId}");
            var kept = given is not null || pr.GetValue(keep);
            var context = new TraumContext(TraumSettings.Build(library));
            var runner = new DemoRunner(context, new DemoOptions { Epochs = pr.GetValue(epochs) });
            if (!json) Output.Note($"Demo library: {context.LibraryPath}");
            DemoReport report;
            try
            {
                report = await Output.WithProgressAsync("demo", json,
                    (p, token) => runner.RunAsync(new Progress2(p), token), ct).ConfigureAwait(false);
            }
            finally
            {
                if (!kept) TryDelete(context.LibraryPath);
            }

            // A step that failed (not one skipped for want of a model) makes the demo a failure: exit 1.
            var failed = report.Steps.Where(st => st.Status == "failed").Select(st => st.Step).ToList();
            if (json)
            {
                Output.Json(new { report, kept });
                return failed.Count == 0 ? CliApp.ExitOk : CliApp.ExitUserError;
            }
            Print(report, kept);
            if (failed.Count == 0) return CliApp.ExitOk;
            Output.Note($"The demo finished with a failed step ({string.Join(", ", failed)}); its line above says why.");
            return CliApp.ExitUserError;
        });
        return cmd;
    }

    private static void Print(DemoReport report, bool kept)
    {
        Output.Table(["step", "status", "seconds", "what happened"],
            report.Steps.Select(s => (IReadOnlyList<string?>)[s.Step, s.Status, s.Seconds.ToString("F1", CultureInfo.InvariantCulture), s.Summary]),
            "Traum demo");
        foreach (var s in report.Searches)
        {
            Output.Table(["score", "id", "name", "kind", "category", "BPM", "key", "seconds"],
                s.Hits.Select(h => (IReadOnlyList<string?>)[
                    h.Score.ToString("F3", CultureInfo.InvariantCulture), h.StemId.ToString(CultureInfo.InvariantCulture), h.Name, h.Kind, h.Category,
                    h.Bpm?.ToString("F0", CultureInfo.InvariantCulture), h.Key, h.Duration.ToString("F1", CultureInfo.InvariantCulture)]),
                $"{s.Title}  [{s.Embedding}]");
        }
        Output.Line($"Total: {report.TotalSeconds:F1} s.");
        if (kept)
        {
            Output.Line($"Library: {report.Library}  (catalog.db, stems/, models/, generated/)");
            Output.Line($"Kit:     {report.Kit}");
            Output.Line("Next:");
            foreach (var n in report.Next) Output.Line($"  {n}");
        }
        else
        {
            Output.Line("The demo library was removed; run `./traum demo --keep` to explore it afterwards with `traum serve`.");
            foreach (var n in report.Next.Where(n => n.StartsWith("traum models", StringComparison.Ordinal))) Output.Line($"  {n}");
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            Output.Note($"Could not remove {path}; delete it by hand.");
        }
    }

    private sealed class Progress2(IProgress<ProgressInfo> inner) : IProgress<(string Step, ProgressInfo Progress)>
    {
        public void Report((string Step, ProgressInfo Progress) value) =>
            inner.Report(value.Progress with { Message = value.Progress.Message is null ? value.Step : $"{value.Step}: {value.Progress.Message}" });
    }
}
