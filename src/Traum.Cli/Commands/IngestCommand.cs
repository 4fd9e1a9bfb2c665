using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Traum.Engine.Ingest;
using Traum.Engine.Jobs;
using Traum.Server.Jobs;
using static Traum.Cli.Commands.LibraryCommandSupport;

namespace Traum.Cli.Commands;

/// <summary><c>traum ingest PATH... [--category] [--kind] [--recursive] [--jobs N]</c>.</summary>
internal static class IngestCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var paths = new Argument<string[]>("paths") { Arity = ArgumentArity.OneOrMore, Description = "Audio files and folders to add to the library" };
        var category = new Option<string?>("--category") { Description = "Category for every file (default: from the file and folder names)" };
        var kind = new Option<string?>("--kind") { Description = "Kind for every file: drums, bass, other, vocals, guitar, piano or your own" };
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Also ingest files in sub-folders" };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Files processed at once", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount) };
        var tags = new Option<string[]>("--tag") { Description = "Tag every new stem (repeatable)", AllowMultipleArgumentsPerToken = false };
        var inPlace = new Option<bool>("--in-place")
        {
            Description = "Keep the files where they are (no copy in the library; 'traum doctor --relink DIR' finds moved ones). Default: the ingest:inPlace setting, else copy",
        };
        var queue = QueueSupport.Option();
        var cmd = new Command("ingest", "Add audio files (any format ffmpeg reads) to the library: stored once per sound, described and catalogued")
        {
            paths, category, kind, recursive, jobs, tags, inPlace, queue,
        };
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var json = pr.GetValue(globals.Json);
            var n = pr.GetValue(jobs);
            if (n < 1) throw new Core.InvalidInputException($"--jobs must be at least 1 (got {n}).");
            var context = Context(pr, globals);
            var inPlaceChosen = pr.GetValue(inPlace) || string.Equals(context.Configuration["ingest:inPlace"], "true", StringComparison.OrdinalIgnoreCase);
            if (pr.GetValue(queue))
            {
                // The workers read the same paths: on other machines, a shared mount under the same name.
                QueueSupport.Reject(pr, jobs);
                var full = pr.GetValue(paths)!.Select(Path.GetFullPath).ToList();
                foreach (var p in full.Where(p => !File.Exists(p) && !Directory.Exists(p))) throw new Core.InvalidInputException($"No such file or folder: {p}");
                return await QueueSupport.SubmitAsync(pr, globals, JobKinds.Ingest,
                    new IngestParameters(full, pr.GetValue(kind), pr.GetValue(category), pr.GetValue(recursive), InPlace: inPlaceChosen, Tags: pr.GetValue(tags)), ct).ConfigureAwait(false);
            }
            using var library = Open(context, json, create: true);
            using var engine = LibraryCommandSupport.Engine(context, library);
            var service = engine.GetRequiredService<IngestService>();
            var request = new IngestRequest(pr.GetValue(paths)!)
            {
                Category = pr.GetValue(category),
                Kind = pr.GetValue(kind),
                Recursive = pr.GetValue(recursive),
                Jobs = n,
                Tags = pr.GetValue(tags) ?? [],
                InPlace = inPlaceChosen,
            };
            var runner = engine.GetRequiredService<JobRunner>();
            var summary = await Output.WithProgressAsync("ingest", json,
                (progress, token) => service.RunAsJobAsync(runner, request, progress, token), ct).ConfigureAwait(false);
            await LibraryCommandSupport.RefreshPercentilesAsync(engine, summary.Added, ct).ConfigureAwait(false);

            if (json)
            {
                Output.Json(summary);
            }
            else
            {
                foreach (var f in summary.Failures) Output.Note($"failed: {f.Path}: {f.Reason}");
                ListAlreadyIn(summary.AlreadyIn ?? []);
                foreach (var e in summary.AnalysisErrors) Output.Note($"analysis failed: {e}");
                Output.Line(Describe(summary));
            }
            // Nothing to ingest is the user's mistake (a wrong folder), as is a file that failed.
            return summary.Failed > 0 || summary.Files == 0 ? CliApp.ExitUserError : CliApp.ExitOk;
        });
        return cmd;
    }

    /// <summary>Most files listed before the summary as already in the library; the rest are counted (--json lists all).</summary>
    internal const int MaxKnownListed = 20;

    private static void ListAlreadyIn(IReadOnlyList<IngestKnown> known)
    {
        foreach (var k in known.Take(MaxKnownListed)) Output.Note($"already in the library: {k.Path} (stem {k.StemId.ToString(CultureInfo.InvariantCulture)}, {k.StemName})");
        if (known.Count > MaxKnownListed) Output.Note($"… and {(known.Count - MaxKnownListed).ToString(CultureInfo.InvariantCulture)} more already in the library (--json lists every one).");
    }

    /// <summary>The one-line summary printed at the end.</summary>
    internal static string Describe(IngestSummary s)
    {
        var inv = CultureInfo.InvariantCulture;
        var timing = string.Create(inv, $"{s.AudioSeconds:0.0} s of audio in {s.ElapsedSeconds:0.0} s, ") + Core.RealTime.Format(s.AudioSeconds, s.ElapsedSeconds);
        if (s.Files == 0) return "No audio files found. Name files, or folders holding .wav/.flac/.mp3/… files (add --recursive for sub-folders).";
        if (s.Added == 0 && s.Failed == 0) return string.Create(inv, $"Nothing new: all {s.Duplicates} file(s) are already in the library.");
        var text = string.Create(inv, $"Added {s.Added} stem(s); {s.Duplicates} already in the library");
        if (s.Failed > 0) text += string.Create(inv, $"; {s.Failed} failed (listed above)");
        return $"{text} ({timing}).";
    }
}
