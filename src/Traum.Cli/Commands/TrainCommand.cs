using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Traum.Core;
using Traum.Engine.Jobs;
using Traum.Server.Jobs;
using Traum.Engine.Training;
using Traum.Generative;

namespace Traum.Cli.Commands;

/// <summary><c>traum train</c>: trains a VAE on a category of stems; <c>traum train list</c> lists trained ones.</summary>
internal static class TrainCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var spectrogram = new SpectrogramOptions();
        var shape = new VaeConfig();
        var training = new TrainingOptions();
        var request = new TrainingRequest();
        var category = new Option<string?>("--category", "-c") { Description = "Train on stems whose category or kind is this (e.g. bass, kick)" };
        var tag = new Option<string?>("--tag") { Description = "Train on stems with this tag" };
        var ids = new Option<string?>("--ids") { Description = "Train on exactly these stem ids (comma-separated)" };
        var name = new Option<string?>("--name") { Description = "Folder name of the model (default: the category or tag)" };
        var epochs = new Option<int>("--epochs") { Description = "Maximum epochs", DefaultValueFactory = _ => training.Epochs };
        var latent = new Option<int>("--latent") { Description = "Latent dimensions", DefaultValueFactory = _ => shape.Latent };
        var hidden = new Option<string>("--hidden") { Description = "Hidden layer widths, outermost first", DefaultValueFactory = _ => string.Join(',', shape.Hidden) };
        var dropout = new Option<double>("--dropout") { Description = "Encoder dropout", DefaultValueFactory = _ => shape.Dropout };
        var excerpt = new Option<string?>("--excerpt") { Description = "Excerpt length (e.g. 2s, 500ms; default: from the material, whole bars at its tempo or its median length, at most 8 s)" };
        var arch = new Option<string>("--arch") { Description = "conv (convolutional VAE over spectrogram frames) or mlp", DefaultValueFactory = _ => shape.Architecture };
        var clip = new Option<double>("--clip") { Description = "Largest gradient norm per step (0 = off)", DefaultValueFactory = _ => training.GradientClip };
        var freeBits = new Option<double>("--free-bits") { Description = "Least KL per latent dimension in the loss, nats (against posterior collapse)", DefaultValueFactory = _ => training.FreeBits };
        var rate = new Option<int>("--sample-rate") { Description = "Training sample rate in Hz", DefaultValueFactory = _ => spectrogram.SampleRate };
        var seed = new Option<int>("--seed") { Description = "Seed (weights, data order, split, noise)", DefaultValueFactory = _ => training.Seed };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => training.BatchSize };
        var beta = new Option<double>("--beta") { Description = "Weight of the KL term", DefaultValueFactory = _ => training.Beta };
        var warmup = new Option<int>("--kl-warmup") { Description = "Epochs over which β rises from 0", DefaultValueFactory = _ => training.KlWarmupEpochs };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => training.LearningRate };
        var patience = new Option<int>("--patience") { Description = "Stop after this many epochs without validation improvement (0 = never)", DefaultValueFactory = _ => training.Patience };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0 = all)", DefaultValueFactory = _ => training.Threads };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda", DefaultValueFactory = _ => training.Device };
        var minSeconds = new Option<double>("--min-seconds") { Description = "Least seconds of audio to train on", DefaultValueFactory = _ => request.MinimumSeconds };
        var includeGenerated = new Option<bool>("--include-generated") { Description = "Also train on generated stems" };

        var queue = QueueSupport.Option();
        var cmd = new Command("train", "Train a VAE on a category of stems (models/<category>/<version>/ in the library)");
        foreach (var o in new Option[] { category, tag, ids, name, epochs, arch, latent, hidden, dropout, excerpt, rate, clip, freeBits, seed, batch, beta, warmup, lr, patience, threads, device, minSeconds, includeGenerated, queue })
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var json = pr.GetValue(globals.Json);
            if (pr.GetValue(queue))
            {
                // The fields of a training job (POST /api/train); the workers' training settings cover the rest.
                QueueSupport.Reject(pr, tag, ids, hidden, dropout, excerpt, rate, clip, freeBits, warmup, patience, threads, device, minSeconds, includeGenerated);
                var c = pr.GetValue(category) ?? throw new InvalidInputException("--queue trains a category: give --category.");
                return await QueueSupport.SubmitAsync(pr, globals, JobKinds.Train,
                    new TrainRequest(c, Explicit(pr, epochs), Explicit(pr, latent), Explicit(pr, beta), Explicit(pr, lr), Explicit(pr, batch), Explicit(pr, seed),
                        pr.GetValue(name), pr.GetResult(arch) is { Implicit: false } ? pr.GetValue(arch) : null), ct).ConfigureAwait(false);
            }
            var req = new TrainingRequest
            {
                Category = pr.GetValue(category),
                Tag = pr.GetValue(tag),
                StemIds = pr.GetValue(ids) is { } list ? [.. GenerativeCommandSupport.ParseInts(list, "--ids").Select(i => (long)i)] : null,
                ModelName = pr.GetValue(name),
                IncludeGenerated = pr.GetValue(includeGenerated),
                MinimumSeconds = pr.GetValue(minSeconds),
                Features = spectrogram with
                {
                    ExcerptSeconds = pr.GetValue(excerpt) is { } ex && ex != "auto" ? GenerativeCommandSupport.ParseSeconds(ex, "--excerpt") : spectrogram.ExcerptSeconds,
                    SampleRate = pr.GetValue(rate),
                },
                ExcerptFromMaterial = pr.GetValue(excerpt) is null or "auto",
                Shape = shape with
                {
                    Architecture = pr.GetValue(arch)!.Trim().ToLowerInvariant(), Latent = pr.GetValue(latent),
                    Hidden = GenerativeCommandSupport.ParseInts(pr.GetValue(hidden)!, "--hidden"), Dropout = pr.GetValue(dropout),
                },
                Training = training with
                {
                    Epochs = pr.GetValue(epochs), Seed = pr.GetValue(seed), BatchSize = pr.GetValue(batch), Beta = pr.GetValue(beta),
                    KlWarmupEpochs = pr.GetValue(warmup), LearningRate = pr.GetValue(lr), Patience = pr.GetValue(patience),
                    Threads = pr.GetValue(threads), Device = pr.GetValue(device)!, GradientClip = pr.GetValue(clip), FreeBits = pr.GetValue(freeBits),
                },
            };
            var context = LibraryCommandSupport.Context(pr, globals);
            using var library = LibraryCommandSupport.Open(context, json);
            using var engine = LibraryCommandSupport.Engine(context, library);
            var service = engine.GetRequiredService<TrainingService>();
            var runner = engine.GetRequiredService<JobRunner>();
            var label = req.Category ?? req.Tag ?? "stems";
            var trained = await Output.WithProgressAsync($"train {label}", json, (progress, token) =>
                runner.RunAsync("train", req, job => Task.Run(() => service.Train(req, new Progress(job.Progress), job.CancellationToken), job.CancellationToken),
                    progress, token), ct).ConfigureAwait(false);
            Print(trained, json);
            return 0;
        });
        cmd.Subcommands.Add(CreateList(globals));
        cmd.Subcommands.Add(CreateDefault(globals));
        cmd.Subcommands.Add(CreateDelete(globals));
        return cmd;
    }

    /// <summary>The value the user gave, or null when the option kept its default (the worker's settings decide).</summary>
    private static T? Explicit<T>(ParseResult pr, Option<T> option) where T : struct =>
        pr.GetResult(option) is { Implicit: false } ? pr.GetValue(option) : null;

    private static void Print(TrainedVae t, bool json)
    {
        var m = t.Metadata;
        var ev = m.Evaluation;
        if (json)
        {
            Output.Json(new
            {
                model = t.Record.Category,
                version = t.Record.Version,
                path = t.Directory,
                epochs = m.Losses.Count,
                bestEpoch = m.BestEpoch,
                stoppedEarly = m.StoppedEarly,
                initialValidationLoss = m.InitialValidationLoss,
                finalValidationLoss = m.Losses.Count > 0 ? m.Losses.Min(l => l.Validation) : double.NaN,
                trainingSeconds = m.TrainingSeconds,
                data = m.Data,
                evaluation = ev is null ? null : new { ev.Excerpts, ev.PcaComponents, ev.Vae, ev.Mean, ev.Pca, ev.BeatsMean, ev.MatchesPca, ev.Verdict },
                architecture = m.Model.Architecture,
                parameters = m.Parameters,
                activeLatents = m.ActiveLatents,
                material = m.Material,
                generation = m.GenerationReport,
            });
            return;
        }
        static string F(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);
        Output.Line($"Saved {t.Record.Category}/{t.Record.Version} → {t.Directory}");
        Output.Line($"{m.Data?.Summary.Sources} stems, {m.Data?.Summary.Excerpts} excerpts ({m.Data?.TrainExcerpts} train / {m.Data?.ValidationExcerpts} held out); "
            + $"{m.Losses.Count} epochs, best {m.BestEpoch}{(m.StoppedEarly ? " (stopped early)" : "")}; {m.TrainingSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        if (m.Losses.Count > 0)
        {
            Output.Line($"validation loss {F(m.InitialValidationLoss)} (untrained) → {F(m.Losses.Min(l => l.Validation))}");
        }
        if (ev is not null)
        {
            Output.Table(["held-out reconstruction", "spectral convergence", "log-spectral distance (dB)"],
            [
                ["VAE", F(ev.Vae.SpectralConvergence), ev.Vae.LogSpectralDistanceDb.ToString("0.00", CultureInfo.InvariantCulture)],
                ["mean spectrogram", F(ev.Mean.SpectralConvergence), ev.Mean.LogSpectralDistanceDb.ToString("0.00", CultureInfo.InvariantCulture)],
                [$"PCA-{ev.PcaComponents}", F(ev.Pca.SpectralConvergence), ev.Pca.LogSpectralDistanceDb.ToString("0.00", CultureInfo.InvariantCulture)],
            ]);
            Output.Line(ev.Verdict);
        }
        Output.Line($"{m.Model.Architecture} VAE, {m.Parameters.ToString("N0", CultureInfo.InvariantCulture)} parameters, {m.ActiveLatents}/{m.Model.Latent} active latent dimensions");
        if (m.GenerationReport is { } g) EvalCommand.Print(t.Record.Category, t.Record.Version, g);
    }

    private static Command CreateList(GlobalOptions globals)
    {
        var name = new Option<string?>("--category", "-c") { Description = "Only models of this name" };
        var cmd = new Command("list", "List trained VAE models, newest first (the first good one of a name is the default)");
        cmd.Options.Add(name);
        cmd.SetAction((ParseResult pr) =>
        {
            var context = LibraryCommandSupport.Context(pr, globals);
            using var library = LibraryCommandSupport.Open(context, pr.GetValue(globals.Json));
            using var engine = LibraryCommandSupport.Engine(context, library);
            var service = engine.GetRequiredService<TrainingService>();
            var models = service.ListModels(pr.GetValue(name));
            var defaults = models.Select(m => m.Record.Category).Distinct(StringComparer.Ordinal)
                .ToDictionary(n => n, n => service.DefaultVersion(n), StringComparer.Ordinal);
            if (pr.GetValue(globals.Json))
            {
                Output.Json(models.Select(m => new
                {
                    id = m.Record.Id,
                    model = m.Record.Category,
                    version = m.Record.Version,
                    path = m.Record.Path,
                    createdAt = m.Record.CreatedAt,
                    readable = m.Metadata is not null,
                    latent = m.Metadata?.Model.Latent,
                    epochs = m.Metadata?.Losses.Count,
                    validationLoss = m.Metadata?.Losses.Count > 0 ? m.Metadata.Losses.Min(l => l.Validation) : (double?)null,
                    excerpts = m.Metadata?.Data?.Summary.Excerpts,
                    verdict = m.Metadata?.Evaluation?.Verdict,
                    status = Status(m.Metadata),
                    failure = m.Metadata?.Failure,
                    isDefault = m.Record.Version == defaults.GetValueOrDefault(m.Record.Category),
                    activeLatents = m.Metadata?.ActiveLatents,
                    architecture = m.Metadata?.Model.Architecture,
                }));
                return 0;
            }
            if (models.Count == 0)
            {
                Output.Note("No trained models yet; train one with 'traum train --category <name>'.");
                return 0;
            }
            Output.Table(["model", "version", "arch", "created", "latent", "epochs", "val loss", "excerpts", "status"],
                models.Select(m => (IReadOnlyList<string?>)
                [
                    m.Record.Category, m.Record.Version + (m.Record.Version == defaults.GetValueOrDefault(m.Record.Category) ? " (default)" : ""),
                    m.Metadata?.Model.Architecture, m.Record.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                    m.Metadata?.Model.Latent.ToString(CultureInfo.InvariantCulture),
                    m.Metadata?.Losses.Count.ToString(CultureInfo.InvariantCulture),
                    m.Metadata?.Losses.Count > 0 ? m.Metadata.Losses.Min(l => l.Validation).ToString("0.0000", CultureInfo.InvariantCulture) : null,
                    m.Metadata?.Data?.Summary.Excerpts.ToString(CultureInfo.InvariantCulture),
                    Status(m.Metadata) + (m.Metadata?.Failure is { } f ? $": {f}" : ""),
                ]));
            return 0;
        });
        return cmd;
    }

    private static string Status(VaeMetadata? m) => m is null ? "unreadable" : m.IsFailed ? "FAILED" : "ok";

    private static Command CreateDefault(GlobalOptions globals)
    {
        var name = new Argument<string>("name") { Description = "Model name (category)" };
        var version = new Argument<string>("version") { Description = "Version to make the default, e.g. v3" };
        var cmd = new Command("default", "Make a version the default of its name (generation uses it when no --version is given)");
        cmd.Arguments.Add(name);
        cmd.Arguments.Add(version);
        cmd.SetAction((ParseResult pr) =>
        {
            var context = LibraryCommandSupport.Context(pr, globals);
            using var library = LibraryCommandSupport.Open(context, pr.GetValue(globals.Json));
            using var engine = LibraryCommandSupport.Engine(context, library);
            engine.GetRequiredService<TrainingService>().SetDefault(pr.GetValue(name)!, pr.GetValue(version)!);
            Output.Line($"{pr.GetValue(name)}/{pr.GetValue(version)} is the default.");
            return 0;
        });
        return cmd;
    }

    private static Command CreateDelete(GlobalOptions globals)
    {
        var name = new Argument<string>("name") { Description = "Model name (category)" };
        var version = new Argument<string>("version") { Description = "Version to delete, e.g. v3" };
        var cmd = new Command("delete", "Delete a trained model version (its folder and catalog entry)");
        cmd.Arguments.Add(name);
        cmd.Arguments.Add(version);
        cmd.SetAction((ParseResult pr) =>
        {
            var context = LibraryCommandSupport.Context(pr, globals);
            using var library = LibraryCommandSupport.Open(context, pr.GetValue(globals.Json));
            using var engine = LibraryCommandSupport.Engine(context, library);
            engine.GetRequiredService<TrainingService>().Delete(pr.GetValue(name)!, pr.GetValue(version)!);
            Output.Line($"Deleted {pr.GetValue(name)}/{pr.GetValue(version)}.");
            return 0;
        });
        return cmd;
    }

    /// <summary>Turns trainer progress into the bar's units (batches) with a status line.</summary>
    private sealed class Progress(IProgress<ProgressInfo> sink) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            var total = (double)p.Epochs * p.Batches;
            var done = ((p.Epoch - 1) * (double)p.Batches) + p.Batch;
            var val = p.ValidationLoss is { } v ? $" val {v.ToString("0.000", CultureInfo.InvariantCulture)}" : "";
            var eta = p.Eta.TotalHours >= 1 ? p.Eta.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : p.Eta.ToString(@"m\:ss", CultureInfo.InvariantCulture);
            sink.Report(new ProgressInfo(done, total, "batches",
                $"e{p.Epoch}/{p.Epochs} b{p.Batch}/{p.Batches} loss {p.TrainLoss.ToString("0.000", CultureInfo.InvariantCulture)}{val} eta {eta}"));
        }
    }
}
