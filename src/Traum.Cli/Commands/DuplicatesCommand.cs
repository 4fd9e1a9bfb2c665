using System.CommandLine;
using System.Globalization;
using Traum.Core;
using Traum.Engine.Search;

namespace Traum.Cli.Commands;

/// <summary><c>traum duplicates [--max-bit-error 0.1] | --embedding [--threshold 0.997]</c>.</summary>
internal static class DuplicatesCommand
{
    private static readonly IReadOnlyList<string> s_columns = ["likeness", "id", "name", "kind", "category", "BPM", "key", "duration", "file"];

    public static Command Create(GlobalOptions globals)
    {
        var fingerprint = new Option<bool>("--fingerprint") { Description = "Compare Chromaprint fingerprints (the default): finds re-encodes, gain changes, resamples and trims of the same recording" };
        var maxBitError = new Option<double?>("--max-bit-error") { Description = "Bit error rate at the best alignment at or below which stems are the same recording (default 0.1)" };
        var embedding = new Option<bool>("--embedding") { Description = "Compare embeddings instead (CLAP, else the coarse descriptor embedding): near-identical sounds" };
        var threshold = new Option<double?>("--threshold") { Description = "With --embedding: cosine at or above which stems count as duplicates (default 0.997)" };
        var cmd = new Command("duplicates", "List groups of duplicate stems: the same recording by fingerprint (default), or embeddings at least --threshold alike (--embedding); identical audio always")
        {
            fingerprint, maxBitError, embedding, threshold,
        };
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var json = pr.GetValue(globals.Json);
            var byEmbedding = pr.GetValue(embedding);
            if (byEmbedding && pr.GetValue(fingerprint)) throw new InvalidInputException("Choose one of --fingerprint and --embedding.");
            if (byEmbedding && pr.GetValue(maxBitError) is not null) throw new InvalidInputException("--max-bit-error applies to fingerprints; with --embedding use --threshold.");
            if (!byEmbedding && pr.GetValue(threshold) is not null) throw new InvalidInputException("--threshold applies to --embedding; fingerprints use --max-bit-error.");
            var request = new DuplicateRequest
            {
                Method = byEmbedding ? DuplicateMethod.Embedding : DuplicateMethod.Fingerprint,
                Threshold = pr.GetValue(threshold),
                MaxBitErrorRate = pr.GetValue(maxBitError),
            };
            using var session = SearchCommandSupport.Open(pr, globals);
            var report = await Output.WithProgressAsync("comparing", json,
                (progress, token) => Task.Run(() => session.Service.FindDuplicates(request, progress, token), token), ct).ConfigureAwait(false);
            if (json)
            {
                Output.Json(report);
                return CliApp.ExitOk;
            }
            var inv = CultureInfo.InvariantCulture;
            string how;
            if (report.Method == DuplicateMethod.Fingerprint)
            {
                if (report.MissingEmbeddings > 0) Output.Note($"note: {report.MissingEmbeddings} stem(s) are too short to fingerprint (under about 3 s) and were compared by content only.");
                how = string.Create(inv, $"fingerprints, bit error rate at most {report.MaxBitErrorRate}") + (report.EmbeddingModel.Length > 0 ? $", {report.EmbeddingModel} as a second signal" : "");
            }
            else
            {
                SearchCommandSupport.NoteMissing(report.MissingEmbeddings, report.EmbeddingModel);
                how = string.Create(inv, $"embedding {report.EmbeddingModel}, threshold {report.Threshold}");
            }
            if (report.Groups.Count == 0)
            {
                Output.Line($"No duplicates among {report.Searched} stems ({how}).");
                return CliApp.ExitOk;
            }
            var n = 0;
            foreach (var g in report.Groups)
            {
                n++;
                Output.Table(s_columns, g.Stems.Select(Row), $"Group {n}: {g.Stems.Count} stems, {Reason(g, report.Method)}");
            }
            Output.Line($"{report.Groups.Count} group(s) among {report.Searched} stems ({how}).");
            return CliApp.ExitOk;
        });
        return cmd;
    }

    private static string Reason(DuplicateGroup g, DuplicateMethod method)
    {
        if (g.Pairs.All(p => p.SameContent)) return "identical audio";
        var what = method == DuplicateMethod.Fingerprint ? "the same recording" : "near-identical embeddings";
        return g.Pairs.Any(p => p.SameContent) ? $"identical audio and {what}" : what;
    }

    /// <summary>A member: the user's own file where it came from one, else the library's copy.</summary>
    private static IReadOnlyList<string?> Row(SearchHit h)
    {
        var row = SearchCommandSupport.Row(h).ToArray();
        row[^1] = h.SourcePath ?? h.Path;
        return row;
    }
}
