using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Traum.Engine.Separation;
using Traum.Engine.StemGeneration;
using Traum.Generative;

namespace Traum.Cli.Commands;

/// <summary><c>traum eval separation --reference DIR --estimate DIR</c>: uSDR and SI-SDR per stem; <c>traum eval generation --category C</c>: the generation report.</summary>
internal static class EvalCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var reference = new Option<string>("--reference") { Description = "Folder of reference stems (e.g. drums.wav, bass.wav …)", Required = true };
        var estimate = new Option<string>("--estimate") { Description = "Folder of estimated stems with the same file names", Required = true };
        var separation = new Command("separation", "Score separated stems against references: uSDR (MDX challenge) and SI-SDR per stem, in dB");
        separation.Options.Add(reference);
        separation.Options.Add(estimate);
        separation.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var refDir = pr.GetValue(reference)!;
            var estDir = pr.GetValue(estimate)!;
            var scores = await Task.Run(() => SeparationMetrics.ScoreFolders(refDir, estDir, ct), ct).ConfigureAwait(false);
            var meanU = scores.Average(s => s.USdr);
            // SI-SDR is undefined for a silent reference or estimate: those stems are left out of the mean.
            var defined = scores.Where(s => s.SiSdr is not null).Select(s => s.SiSdr!.Value).ToList();
            double? meanSi = defined.Count > 0 ? defined.Average() : null;
            if (pr.GetValue(globals.Json))
            {
                Output.Json(new { stems = scores, mean = new { uSdr = meanU, siSdr = meanSi, siSdrStems = defined.Count } });
                return 0;
            }
            static string Db(double? v) => v switch
            {
                null => "undefined",
                { } d when double.IsPositiveInfinity(d) => "+inf",
                { } d when double.IsNegativeInfinity(d) => "-inf",
                { } d => d.ToString("0.00", CultureInfo.InvariantCulture),
            };
            static string Channels(StemScore s) => string.Join(" / ", s.ChannelSiSdr.Select(Db));
            Output.Table(["stem", "uSDR dB", "SI-SDR dB", "SI-SDR per channel dB", "frames"],
                [.. scores.Select(s => (IReadOnlyList<string?>)[s.Stem, Db(s.USdr), Db(s.SiSdr), Channels(s), s.Frames.ToString(CultureInfo.InvariantCulture)]),
                 ["mean", Db(meanU), Db(meanSi), "", ""]]);
            return 0;
        });
        var cmd = new Command("eval", "Evaluate results");
        cmd.Subcommands.Add(separation);
        cmd.Subcommands.Add(CreateGeneration(globals));
        return cmd;
    }

    private static Command CreateGeneration(GlobalOptions globals)
    {
        var category = new Option<string>("--category", "-c") { Description = "Model (category) to evaluate", Required = true };
        var version = new Option<string?>("--version") { Description = "Model version (default: the default one)" };
        var count = new Option<int>("-n", "--count") { Description = "Random stems to render and measure", DefaultValueFactory = _ => 16 };
        var seed = new Option<int>("--seed") { Description = "Seed of the latents and phases", DefaultValueFactory = _ => 1 };
        var cmd = new Command("generation", "Measure a model's generated stems: diversity, novelty (copies flagged), Fréchet distance to the training stems beside another category's, held-out reconstruction");
        foreach (var o in new Option[] { category, version, count, seed }) cmd.Options.Add(o);
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var json = pr.GetValue(globals.Json);
            var context = LibraryCommandSupport.Context(pr, globals);
            using var library = LibraryCommandSupport.Open(context, json);
            using var engine = LibraryCommandSupport.Engine(context, library);
            var service = engine.GetRequiredService<GenerativeService>();
            var (record, model) = service.ResolveModel(pr.GetValue(category)!, pr.GetValue(version));
            var models = engine.GetRequiredService<Traum.Engine.Search.SearchModels>();
            var report = await Task.Run(() => new GenerationEvaluator(library, models.ClapAudio).Evaluate(model, record.Category, pr.GetValue(count), pr.GetValue(seed), cancellationToken: ct), ct)
                .ConfigureAwait(false);
            if (json)
            {
                Output.Json(new { model = record.Category, version = record.Version, report });
                return 0;
            }
            Print(record.Category, record.Version, report);
            return 0;
        });
        return cmd;
    }

    /// <summary>Prints a generation report as a table.</summary>
    internal static void Print(string model, string version, GenerationEvaluation r)
    {
        static string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
        Output.Line($"{model}/{version}: {r.Generated} generated against {r.Training} training stems ({r.Embedding} embedding)");
        var rows = new List<IReadOnlyList<string?>>
        {
            new[] { "diversity (generated / training pairwise distance)", F(r.Diversity), $"{F(r.GeneratedPairwise)} / {F(r.TrainingPairwise)}" },
            new[] { "novelty (mean distance to nearest training stem)", F(r.NearestTraining), $"training's own nearest: {F(r.TrainingNearest)}; copies: {r.Copies}" },
            new[] { "fidelity (Fréchet distance to training)", F(r.Frechet), r.FrechetOtherCategory is { } o ? $"{r.OtherCategory} vs this category: {F(o)}" : "no other category to compare" },
            new[] { "nearer own centroid than the other category's", r.NearerOwnCentroid is { } n ? $"{n}/{r.Generated}" : "-", "" },
            new[] { "active latent dimensions", $"{r.ActiveLatents}/{r.Latent}", r.ActiveLatents == 0 ? "posterior collapse" : "" },
        };
        if (r.Reconstruction is { } rec)
        {
            rows.Add(["held-out spectral convergence (VAE / mean / PCA)", F(rec.Vae.SpectralConvergence), $"{F(rec.Mean.SpectralConvergence)} / {F(rec.Pca.SpectralConvergence)}"]);
        }
        Output.Table(["measure", "value", "scale"], rows);
        if (r.Reconstruction is { } v) Output.Line(v.Verdict);
    }
}
