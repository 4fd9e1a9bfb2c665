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
        var fingerprint = new Option<bool>("--fingerprint") { Description = "Compare Chromaprint fingerprints instead: finds re-encodes, gain changes, resamples and trims of the same recording" };
        var maxBitError = new Option<double?>("--max-bit-error") { Description = "With --fingerprint: bit error rate at the best alignment at or below which stems are the same recording (default 0.1)" };
        var cmd = new Command("duplicates", "List groups of duplicate stems: identical audio, or embeddings at least --threshold alike, or (--fingerprint) the same recording") { threshold, fingerprint, maxBitError };
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var json = pr.GetValue(globals.Json);
            if (pr.GetValue(fingerprint))
            {
                var max = pr.GetValue(maxBitError) ?? Traum.Audio.Fingerprint.AudioFingerprint.DefaultMaxBitErrorRate;
                if (max is < 0 or > 1) throw new InvalidInputException("--max-bit-error must be between 0 and 1.");
                return await Task.Run(() => Fingerprints(pr, globals, json, max, ct), ct).ConfigureAwait(false);
            }
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

    private const string Algorithm = "chromaprint1";

    /// <summary>Groups stems by fingerprint; fingerprints missing from the catalog are computed from the stored files and kept.</summary>
    private static int Fingerprints(ParseResult pr, GlobalOptions globals, bool json, double maxBitError, CancellationToken ct)
    {
        using var library = LibraryCommandSupport.Open(LibraryCommandSupport.Context(pr, globals), json);
        var stems = library.Catalog.ListStems(StemQuery.All);
        var known = library.Catalog.GetFingerprints(Algorithm);
        var prints = new List<uint[]>(stems.Count);
        foreach (var s in stems)
        {
            ct.ThrowIfCancellationRequested();
            if (!known.TryGetValue(s.Id, out var items))
            {
                items = Traum.Audio.Fingerprint.AudioFingerprint.Compute(library.GetFullPath(s.FilePath), ct);
                library.Catalog.SetFingerprint(s.Id, Algorithm, s.Duration, items);
            }
            prints.Add(items);
        }
        var groups = Traum.Audio.Fingerprint.AudioFingerprint.Group(prints, maxBitError)
            .Select(g => g.Select(i => stems[i]).ToList()).ToList();
        if (json)
        {
            Output.Json(new
            {
                searched = stems.Count,
                maxBitError,
                groups = groups.Select(g => g.Select(s => new { s.Id, s.Name, s.SourcePath, File = library.GetFullPath(s.FilePath) })),
            });
            return CliApp.ExitOk;
        }
        var n = 0;
        foreach (var g in groups)
        {
            n++;
            Output.Table(["id", "name", "source"], g.Select(s => (IReadOnlyList<string?>)[s.Id.ToString(CultureInfo.InvariantCulture), s.Name, s.SourcePath ?? library.GetFullPath(s.FilePath)]),
                $"Group {n}: {g.Count} stems, the same recording");
        }
        Output.Line(string.Create(CultureInfo.InvariantCulture, $"{groups.Count} group(s) among {stems.Count} stems (fingerprints, bit error rate at most {maxBitError})."));
        return CliApp.ExitOk;
    }
}
