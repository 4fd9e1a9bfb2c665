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

/// <summary><c>traum similar FILE|STEM-ID [-k 10] [filters]</c>: query by example.</summary>
internal static class SimilarCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var example = new Argument<string>("example") { Description = "An audio file (need not be in the library) or a stem id" };
        var k = SearchCommandSupport.KOption();
        var filters = new SearchFilterOptions();
        var cmd = new Command("similar", "Find stems that sound like an audio file or a stem (CLAP, or the descriptor embedding without it)") { example, k };
        filters.AddTo(cmd);
        cmd.SetAction((ParseResult pr, CancellationToken ct) =>
        {
            using var session = SearchCommandSupport.Open(pr, globals);
            var arg = pr.GetValue(example)!.Trim();
            var f = filters.Read(pr, session.Service.Models.Prompts);
            var results = long.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && !File.Exists(arg)
                ? session.Service.SimilarToStem(id, pr.GetValue(k), f, ct)
                : session.Service.SimilarToFile(arg, pr.GetValue(k), f, ct);
            SearchCommandSupport.Print(results, pr.GetValue(globals.Json));
            return Task.FromResult(CliApp.ExitOk);
        });
        return cmd;
    }
}
