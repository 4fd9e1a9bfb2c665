using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine;
using Traum.Engine.Configuration;
using Traum.Engine.Search;
using Traum.Engine.Semantic;

namespace Traum.Cli.Commands;

/// <summary><c>traum duplicates [--threshold 0.997]</c>.</summary>
internal static class DuplicatesCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var threshold = new Option<double?>("--threshold") { Description = "Embedding cosine at or above which stems count as duplicates (default 0.997)" };
        var cmd = new Command("duplicates", "List groups of duplicate stems: identical audio, or embeddings at least --threshold alike") { threshold };
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var json = pr.GetValue(globals.Json);
            using var session = SearchCommandSupport.Open(pr, globals);
            var report = await Output.WithProgressAsync("comparing", json,
                (progress, token) => Task.Run(() => session.Service.FindDuplicates(pr.GetValue(threshold), progress, token), token), ct).ConfigureAwait(false);
            if (json)
            {
                Output.Json(report);
                return CliApp.ExitOk;
            }
            SearchCommandSupport.NoteMissing(report.MissingEmbeddings, report.EmbeddingModel);
            if (report.Groups.Count == 0)
            {
                Output.Line(string.Create(CultureInfo.InvariantCulture, $"No duplicates among {report.Searched} stems (embedding {report.EmbeddingModel}, threshold {report.Threshold})."));
                return CliApp.ExitOk;
            }
            var n = 0;
            foreach (var g in report.Groups)
            {
                n++;
                var same = g.Pairs.All(p => p.SameContent) ? "identical audio" : g.Pairs.Any(p => p.SameContent) ? "identical audio and near-identical embeddings" : "near-identical embeddings";
                Output.Table(SearchCommandSupport.Columns, g.Stems.Select(SearchCommandSupport.Row), $"Group {n}: {g.Stems.Count} stems, {same}");
            }
            Output.Line(string.Create(CultureInfo.InvariantCulture, $"{report.Groups.Count} group(s) among {report.Searched} stems (embedding {report.EmbeddingModel}, threshold {report.Threshold})."));
            return CliApp.ExitOk;
        });
        return cmd;
    }
}
