using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Hosting;
using Traum.Engine.Ingest;
using Traum.Engine.Search;
using Traum.Engine.Separation;
using Traum.Engine.StemGeneration;
using Traum.Engine.Training;
using Traum.Generative;

namespace Traum.Engine.Demo;

/// <summary>How one step of the demo went.</summary>
/// <param name="Step">kit, ingest, separate, train, generate, search.</param>
/// <param name="Status">"done" or "skipped".</param>
/// <param name="Seconds">Wall-clock seconds the step took.</param>
/// <param name="Summary">One line: what it did, or why it was skipped and how to get what it needs.</param>
public sealed record DemoStepReport(string Step, string Status, double Seconds, string Summary);

/// <summary>One search the demo ran and its results.</summary>
/// <param name="Title">What was asked, in words.</param>
/// <param name="Embedding">The embedding that produced the ranking ("catalog filter" for a pure descriptor query).</param>
/// <param name="Hits">The stems found, best first.</param>
public sealed record DemoSearchReport(string Title, string Embedding, IReadOnlyList<SearchHit> Hits);

/// <summary>Everything the demo did, where it put it, and what to run next.</summary>
/// <param name="Library">Absolute path of the library the demo filled.</param>
/// <param name="Kit">Folder of the synthesized kit (<c>demo-kit</c> in the library folder).</param>
/// <param name="Steps">Each step in the order it ran.</param>
/// <param name="Searches">The searches run and their results.</param>
/// <param name="Next">Commands to try next, one per line (with a comment after <c>#</c>).</param>
/// <param name="TotalSeconds">Wall-clock seconds of the whole demo.</param>
public sealed record DemoReport(string Library, string Kit, IReadOnlyList<DemoStepReport> Steps,
    IReadOnlyList<DemoSearchReport> Searches, IReadOnlyList<string> Next, double TotalSeconds)
{
    /// <summary>Steps skipped because a model is missing.</summary>
    public IEnumerable<DemoStepReport> Skipped => Steps.Where(s => s.Status == "skipped");
}

/// <summary>Settings of the demo. Training is kept small so the whole demo takes minutes on two cores.</summary>
public sealed record DemoOptions
{
    /// <summary>Category the VAE is trained on.</summary>
    public string TrainCategory { get; init; } = "bass";

    /// <summary>Training epochs (early stopping may end sooner).</summary>
    public int Epochs { get; init; } = 40;

    /// <summary>Stems generated per mode.</summary>
    public int GeneratePerMode { get; init; } = 3;

    /// <summary>Seed of training and generation.</summary>
    public int Seed { get; init; } = 7;
}

/// <summary>
/// The main job end to end on a fresh library: synthesize a kit, ingest it, separate a mix (when a Demucs model is
/// installed), train a VAE on one category and generate stems in each mode, then search (by text when CLAP is
/// installed; otherwise by example and by descriptors). Steps that need a missing model are skipped with one line
/// saying how to get it; the demo still succeeds.
/// </summary>
/// <param name="context">Names the library to fill (its folder is created if needed) and the models to use.</param>
/// <param name="options">Demo settings; default <see cref="DemoOptions"/>'s.</param>
public sealed class DemoRunner(TraumContext context, DemoOptions? options = null)
{
    private readonly DemoOptions _options = options ?? new DemoOptions();

    /// <summary>Runs every step; <paramref name="progress"/> gets (step, progress) as work goes on.</summary>
    public async Task<DemoReport> RunAsync(IProgress<(string Step, ProgressInfo Progress)>? progress, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var steps = new List<DemoStepReport>();
        var searches = new List<DemoSearchReport>();
        var kit = Path.Combine(context.LibraryPath, "demo-kit");
        Directory.CreateDirectory(context.LibraryPath);
        IProgress<ProgressInfo> For(string step) => new StepProgress(step, progress);

        // 1. Kit.
        var sw = Stopwatch.StartNew();
        var items = DemoKit.Write(kit, cancellationToken);
        var mixes = items.Where(i => i.Category == "mix").ToList();
        steps.Add(new("kit", "done", sw.Elapsed.TotalSeconds,
            $"{items.Count - mixes.Count} stems in {items.Where(i => i.Category != "mix").Select(i => i.Category).Distinct().Count()} categories and {mixes.Count} mixes synthesized in {kit}"));

        using var library = Library.Open(context.LibraryPath, context.Time);
        using var engine = EngineServices.Build(context, library);
        var analyzers = engine.GetRequiredService<IReadOnlyList<IStemAnalyzer>>();
        var ingester = engine.GetRequiredService<StemIngester>();

        // 2. Ingest (everything but the mixes, which are tracks).
        sw.Restart();
        var folders = Directory.GetDirectories(kit).Where(d => Path.GetFileName(d) != "mix").Order(StringComparer.Ordinal).ToList();
        var summary = await engine.GetRequiredService<IngestService>().RunAsync(new IngestRequest(folders) { Recursive = true }, For("ingest"), cancellationToken).ConfigureAwait(false);
        var analysers = string.Join(", ", analyzers.Select(a => a.Name));
        steps.Add(new("ingest", "done", sw.Elapsed.TotalSeconds,
            $"{summary.Added} added, {summary.Duplicates} already there, {summary.Failed} failed; {summary.AudioSeconds:F0} s of audio; analysers: {analysers}"));

        // 3. Separate one mix.
        sw.Restart();
        try
        {
            // As the command line does: the stems are indexed where they are written, one copy on disk.
            var request = new SeparateRequest([Path.Combine(kit, mixes[0].RelativePath)]) { OutDir = Path.Combine(context.LibraryPath, "separated"), KeepExisting = true };
            var separated = await new SeparationPipeline(context, new LibraryStemIngestor(ingester, new SeparatedStemOptions { InPlace = true })).RunAsync(request, For("separate"), cancellationToken).ConfigureAwait(false);
            var track = separated[0];
            steps.Add(new("separate", "done", sw.Elapsed.TotalSeconds,
                $"{Path.GetFileName(track.Source)} → {track.Stems.Count} stems in {track.Folder} ({track.Status}), {track.Ingested.Count(l => l.StartsWith("stem ", StringComparison.Ordinal))} ingested"));
        }
        catch (ModelNotFoundException)
        {
            steps.Add(new("separate", "skipped", sw.Elapsed.TotalSeconds, "no Demucs model installed: run `traum models pull demucs` to separate tracks"));
        }

        // 4. Train one category and generate in each mode (a model that failed to train generates nothing).
        sw.Restart();
        if (TorchRuntime.Problem is { } torchProblem)
        {
            steps.Add(new("train", "skipped", 0, torchProblem));
            steps.Add(new("generate", "skipped", 0, "generation needs a trained model (see the training step)"));
        }
        else
        {
            TrainAndGenerate(engine, steps, For, sw, cancellationToken);
        }

        // 5. Search.
        sw.Restart();
        {
            var models = engine.GetRequiredService<SearchModels>();
            var search = engine.GetRequiredService<SearchService>();
            if (models.ClapText is not null)
            {
                foreach (var q in new[] { "punchy kick drum", "deep bass line", "warm evolving pad", "bright lead melody", "human voice" })
                {
                    var r = search.SearchText(q, 5, null, cancellationToken);
                    searches.Add(new($"text: \"{q}\"", r.EmbeddingModel, r.Hits));
                }
                steps.Add(new("search", "done", sw.Elapsed.TotalSeconds, $"{searches.Count} text searches over {library.Catalog.CountStems()} stems"));
            }
            else
            {
                steps.Add(new("search", "skipped", 0, $"text search needs CLAP: run `{SearchModels.InstallClap}`; showing query by example and descriptor filters instead"));
                sw.Restart();
            }

            string? exampleModel = null;
            try
            {
                var example = Path.Combine(kit, items.First(i => i.Category == "kick").RelativePath);
                var similar = search.SimilarToFile(example, 5, null, cancellationToken);
                searches.Add(new($"similar to {Path.GetFileName(example)}", similar.EmbeddingModel, similar.Hits));
                var snare = library.Catalog.ListStems(new StemQuery { Category = "snare", Limit = 1 }) is [var first, ..] ? first : null;
                if (snare is not null)
                {
                    var bySnare = search.SimilarToStem(snare.Id, 5, null, cancellationToken);
                    searches.Add(new($"similar to stem {snare.Id} ({snare.Name})", bySnare.EmbeddingModel, bySnare.Hits));
                }
                exampleModel = similar.EmbeddingModel;
            }
            catch (ModelNotFoundException e)
            {
                steps.Add(new("search-example", "skipped", 0, e.Message));
            }

            var filtered = library.Catalog.ListStems(new StemQuery { Kind = StemKinds.Bass, Key = MusicalKey.Parse("Am"), MinBpm = 120, MaxBpm = 130 });
            searches.Add(new("bass in A minor at 120–130 BPM", "catalog filter", [.. filtered.Select(s => ToHit(library, s))]));
            steps.Add(new("search-filter", "done", sw.Elapsed.TotalSeconds,
                exampleModel is null ? "a descriptor filter" : $"query by example ({exampleModel}) and a descriptor filter"));
        }

        var next = new List<string>
        {
            $"traum serve --library {context.LibraryPath}    # the web UI and HTTP API",
            $"traum stems list --library {context.LibraryPath}",
        };
        if (steps.Any(s => s.Step == "search" && s.Status == "skipped")) next.Add("traum models pull clap    # text search and semantic profiles");
        if (steps.Any(s => s.Step == "separate" && s.Status == "skipped")) next.Add("traum models pull demucs  # separate full tracks into stems");
        return new DemoReport(context.LibraryPath, kit, steps, searches, next, total.Elapsed.TotalSeconds);
    }

    /// <summary>Trains the demo's category; generates in each mode only when training succeeded.</summary>
    private void TrainAndGenerate(IServiceProvider engine, List<DemoStepReport> steps, Func<string, IProgress<ProgressInfo>> progressFor,
        Stopwatch sw, CancellationToken cancellationToken)
    {
        var training = engine.GetRequiredService<TrainingService>();
        try
        {
            var trained = training.Train(new TrainingRequest
            {
                Category = _options.TrainCategory,
                MinimumSeconds = 10,
                MinimumExcerpts = 4,
                Shape = new VaeConfig { Hidden = [256, 128], Latent = 8, Dropout = 0.05 },
                Training = new TrainingOptions { Epochs = _options.Epochs, BatchSize = 8, Seed = _options.Seed, Patience = 10, KlWarmupEpochs = Math.Min(10, _options.Epochs / 2), Threads = 1 },
            }, new TrainingProgressAdapter(progressFor("train")), cancellationToken);
            var report = trained.Metadata;
            steps.Add(new("train", "done", sw.Elapsed.TotalSeconds,
                $"VAE on '{_options.TrainCategory}' → {trained.Directory} ({report.Losses.Count} epochs, final validation loss {report.Losses[^1].Validation:G4})"));
        }
        catch (TrainingFailedException e)
        {
            // A failed version is kept for inspection but never generates in the demo: its output would be useless.
            steps.Add(new("train", "failed", sw.Elapsed.TotalSeconds, e.Message));
            steps.Add(new("generate", "skipped", 0, "training failed, so there is no model to generate from (see the training step)"));
            return;
        }

        sw.Restart();
        var generative = engine.GetRequiredService<GenerativeService>();
        var made = new List<string>();
        foreach (var mode in new[] { GenerationMode.Random, GenerationMode.Interpolate, GenerationMode.Hybrid })
        {
            var stems = generative.Generate(new GenerationRequest
            {
                Category = _options.TrainCategory,
                Mode = mode,
                Count = _options.GeneratePerMode,
                Steps = Math.Max(2, _options.GeneratePerMode),
                Seed = _options.Seed,
                GriffinLimIterations = 32,
            }, progressFor("generate"), cancellationToken);
            made.Add($"{stems.Count} {mode.ToString().ToLowerInvariant()}");
        }
        steps.Add(new("generate", "done", sw.Elapsed.TotalSeconds, $"{string.Join(", ", made)} stems generated and ingested with lineage"));
    }

    private static SearchHit ToHit(Library library, Stem s)
    {
        var d = library.Catalog.GetDescriptors(s.Id);
        return new SearchHit(s.Id, s.Name, 1.0, s.Kind, s.Category, s.Origin, d?.Bpm, d?.Key is null ? null : d.Key + (d.Mode == "minor" ? "m" : ""),
            s.Duration, library.ResolveFile(s.FilePath), "catalog filter");
    }

    private sealed class StepProgress(string step, IProgress<(string, ProgressInfo)>? inner) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => inner?.Report((step, value));
    }

    private sealed class TrainingProgressAdapter(IProgress<ProgressInfo> inner) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) =>
            inner.Report(new ProgressInfo(value.Fraction, 1, "epochs", $"epoch {value.Epoch}/{value.Epochs}"));
    }
}
