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

/// <summary><c>traum reindex</c>: embed and profile stems that lack a current embedding or profile.</summary>
internal static class ReindexCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var cmd = new Command("reindex", "Embed stems that lack a current embedding (CLAP and descriptor) and recompute semantic profiles after a prompt change");
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var json = pr.GetValue(globals.Json);
            using var session = SearchCommandSupport.Open(pr, globals);
            var describe = Engine.Ingest.StemAnalyzerRegistry.Descriptors(new TraumContext(globals.Settings(pr)));
            var summary = await Output.WithProgressAsync("reindex", json,
                (progress, token) => Task.Run(() => session.Service.Reindex(progress, describe, token), token), ct).ConfigureAwait(false);
            if (json)
            {
                Output.Json(summary);
            }
            else
            {
                foreach (var note in summary.Notes) Output.Note($"note: {note}");
                foreach (var f in summary.Failures) Output.Note($"failed: stem {f}");
                var parts = summary.Embedded.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Value} {kv.Key} embedding(s)")).ToList();
                if (parts.Count == 0) parts.Add("no new embeddings");
                Output.Line(string.Create(CultureInfo.InvariantCulture,
                    $"Reindexed: {string.Join(", ", parts)}; {summary.Profiled} profile(s); {summary.PercentilesUpdated} percentile update(s); {summary.Failures.Count} failure(s)."));
            }
            return summary.Failures.Count > 0 ? CliApp.ExitUserError : CliApp.ExitOk;
        });
        return cmd;
    }
}
