using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine;
using Traum.Engine.Configuration;
using Traum.Engine.Search;
using Traum.Engine.Semantic;

namespace Traum.Cli.Commands;

/// <summary><c>traum search "TEXT" [-k 10] [filters]</c>: stems ranked by how well CLAP says they match the text.</summary>
internal static class SearchCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var text = new Argument<string>("text") { Description = "What to look for, e.g. \"dusty vinyl drum loop, laid back\"" };
        var k = SearchCommandSupport.KOption();
        var filters = new SearchFilterOptions();
        var cmd = new Command("search", "Find stems by a plain-language description (needs the CLAP model: traum models pull clap)") { text, k };
        filters.AddTo(cmd);
        cmd.SetAction((ParseResult pr, CancellationToken ct) =>
        {
            using var session = SearchCommandSupport.Open(pr, globals);
            var results = session.Service.SearchText(pr.GetValue(text)!, pr.GetValue(k), filters.Read(pr, session.Service.Models.Prompts), ct);
            SearchCommandSupport.Print(results, pr.GetValue(globals.Json));
            return Task.FromResult(CliApp.ExitOk);
        });
        return cmd;
    }
}

/// <summary>The filter options shared by <c>search</c> and <c>similar</c>.</summary>
internal sealed class SearchFilterOptions
{
    private readonly Option<string?> _kind = new("--kind") { Description = "Only this kind (drums, bass, other, vocals, guitar, piano, or your own)" };
    private readonly Option<string?> _category = new("--category") { Description = "Only this category (e.g. kick, pad)" };
    private readonly Option<string?> _origin = new("--origin") { Description = "Only stems that were separated, imported or generated" };
    private readonly Option<string?> _bpm = new("--bpm") { Description = "Tempo in BPM: 124 (123.5-124.5), a range 120-130, 120- or -130" };
    private readonly Option<bool> _halfDouble = new("--half-double") { Description = "Also match half and double the --bpm range (124 also finds 62 and 248)" };
    private readonly Option<string?> _key = new("--key") { Description = "Musical key, e.g. Am, C, F#m, Bb minor" };
    private readonly Option<string?> _compatible = new("--compatible") { Description = "Keys that mix with this one on the Camelot wheel (same, relative, a fifth up or down)" };
    private readonly Option<double?> _minDuration = new("--min-duration") { Description = "Shortest duration in seconds" };
    private readonly Option<double?> _maxDuration = new("--max-duration") { Description = "Longest duration in seconds" };
    private readonly Option<string[]> _profile = new("--profile")
    {
        Description = "Semantic profile condition, repeatable: energy:intense>0.8 (score 0…1) or mood:dark>=90% (percentile)",
        AllowMultipleArgumentsPerToken = false,
    };

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { _kind, _category, _origin, _bpm, _halfDouble, _key, _compatible, _minDuration, _maxDuration, _profile }) cmd.Options.Add(o);
    }

    /// <exception cref="InvalidInputException">A value is malformed; the message says how to write it.</exception>
    public SearchFilters Read(ParseResult pr, PromptSet prompts)
    {
        var (minBpm, maxBpm) = StemFilters.ParseBpm(pr.GetValue(_bpm));
        if (pr.GetValue(_halfDouble) && minBpm is null && maxBpm is null) throw new InvalidInputException("--half-double needs a tempo to halve and double; give --bpm 124 or --bpm 120-130.");
        var min = pr.GetValue(_minDuration);
        var max = pr.GetValue(_maxDuration);
        if (min is < 0 || max is < 0 || (min > max)) throw new InvalidInputException("--min-duration and --max-duration must be seconds ≥ 0 with min ≤ max.");
        return new SearchFilters
        {
            Kind = pr.GetValue(_kind),
            Category = pr.GetValue(_category),
            Origin = StemFilters.ParseOrigin(pr.GetValue(_origin)),
            MinBpm = minBpm,
            MaxBpm = maxBpm,
            BpmHalfDouble = pr.GetValue(_halfDouble),
            Key = pr.GetValue(_key) is { } key ? StemFilters.ParseKey(key) : null,
            CompatibleWith = pr.GetValue(_compatible) is { } ck ? StemFilters.ParseKey(ck) : null,
            MinDuration = min,
            MaxDuration = max,
            Profile = (pr.GetValue(_profile) ?? []).Select(p => ProfileConstraint.Parse(p, prompts)).ToList(),
        };
    }
}

/// <summary>Opening the library and search service, and printing results, for the search commands.</summary>
internal static class SearchCommandSupport
{
    public static IReadOnlyList<string> Columns { get; } = ["score", "id", "name", "kind", "category", "BPM", "key", "duration", "path"];

    public static Option<int> KOption() => new("-k", "--top") { Description = "How many results", DefaultValueFactory = _ => 10 };

    public static Session Open(ParseResult pr, GlobalOptions globals)
    {
        var settings = globals.Settings(pr);
        // One query per process: quantising every vector to int8 at load costs more than the float32 scan it would save
        // (100 000 × 512: about 250 ms against 40 ms), so the command line scans float32 unless the settings say otherwise.
        if (settings["search:index:storage"] is null) settings = globals.Settings(pr, new Dictionary<string, string?> { ["search:index:storage"] = "Float32" });
        var context = new TraumContext(settings);
        var library = Library.OpenExisting(context.LibraryPath, context.Catalog, context.Time);
        try
        {
            var engine = LibraryCommandSupport.Engine(context, library);
            return new Session(library, engine);
        }
        catch
        {
            library.Dispose();
            throw;
        }
    }

    public static void Print(SearchResults results, bool json)
    {
        if (json)
        {
            Output.Json(results);
            return;
        }
        NoteMissing(results.MissingEmbeddings, results.EmbeddingModel);
        if (results.Hits.Count == 0)
        {
            Output.Line(results.Searched == 0
                ? $"No stem has an embedding of {results.EmbeddingModel} yet; run 'traum reindex' (or 'traum ingest' some audio)."
                : "No stem matches the filters.");
            return;
        }
        Output.Table(Columns, results.Hits.Select(Row), $"{results.Query}  [{results.EmbeddingModel}]");
    }

    public static void NoteMissing(int missing, string model)
    {
        if (missing > 0) Output.Note($"note: {missing} stem(s) have no {model} embedding and were not searched; run 'traum reindex'.");
    }

    public static IReadOnlyList<string?> Row(SearchHit h)
    {
        var inv = CultureInfo.InvariantCulture;
        return
        [
            h.Score.ToString("0.000", inv), h.StemId.ToString(inv), h.Name, h.Kind, h.Category,
            h.Bpm is { } b && double.IsFinite(b) ? b.ToString("0.0", inv) : "", h.Key ?? "",
            h.Duration.ToString("0.00", inv), h.Path,
        ];
    }

    /// <summary>The library, models and service of one command, disposed together.</summary>
    internal sealed class Session(Library library, ServiceProvider engine) : IDisposable
    {
        public SearchService Service { get; } = engine.GetRequiredService<SearchService>();

        public void Dispose()
        {
            engine.Dispose();
            library.Dispose();
        }
    }
}
