using Traum.Core;
using Traum.Engine.Training;
using Traum.Generative;

namespace Traum.Server.Jobs;

/// <summary>Trains a VAE on one category with the engine's <see cref="TrainingService"/>; logs each epoch's loss for the live curve.</summary>
internal sealed class TrainJobHandler(TrainingService training, TrainingDefaults defaults) : IJobHandler
{
    public string Kind => JobKinds.Train;

    public Task ValidateAsync(string? parameters, CancellationToken cancellationToken)
    {
        var request = ToRequest(JobParameters.Parse<TrainRequest>(parameters));
        request.Training.Validate();
        if (training.SelectStems(request).Count == 0)
        {
            throw new InvalidInputException($"No stems of category '{request.Category}' to learn from; add some first (Separate or ingest).");
        }
        return Task.CompletedTask;
    }

    public Task<string?> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var request = ToRequest(run.Parameters<TrainRequest>());
        var lastLogged = 0;
        var progress = new InlineProgress<TrainingProgress>(p =>
        {
            run.Progress.Report(new ProgressInfo(p.Fraction, 1, "epochs", $"epoch {p.Epoch}/{p.Epochs} · loss {p.TrainLoss:0.0000}"));
            if (p.Batch == p.Batches && p.ValidationLoss is { } v && p.Epoch > lastLogged)
            {
                lastLogged = p.Epoch;
                run.Log(new { epoch = p.Epoch, loss = double.IsFinite(p.TrainLoss) ? p.TrainLoss : (double?)null, validation = double.IsFinite(v) ? v : (double?)null, finite = double.IsFinite(p.TrainLoss) && double.IsFinite(v) });
            }
        });
        var model = training.Train(request, progress, cancellationToken);
        return Task.FromResult<string?>(JobParameters.Serialize(new
        {
            model = model.Record.Category,
            version = model.Record.Version,
            epochs = model.Metadata.Losses.Count,
            bestEpoch = model.Metadata.BestEpoch,
            finalLoss = model.Metadata.Losses.Count > 0 ? model.Metadata.Losses[^1].Train : (double?)null,
            validationLoss = model.Metadata.Losses.Count > 0 ? model.Metadata.Losses.Min(l => l.Validation) : (double?)null,
            initialValidationLoss = model.Metadata.InitialValidationLoss,
            activeLatents = model.Metadata.ActiveLatents,
            evaluation = model.Metadata.GenerationReport,
        }));
    }

    private TrainingRequest ToRequest(TrainRequest r) => defaults.Apply(Base(r));

    /// <summary>The engine's request for <paramref name="r"/> before the server's settings; its options validate the request's values.</summary>
    internal static TrainingRequest Base(TrainRequest r)
    {
        var defaults = new TrainingOptions();
        return new TrainingRequest
        {
            Category = r.Category,
            ModelName = string.IsNullOrWhiteSpace(r.Name) ? null : r.Name.Trim(),
            Training = defaults with
            {
                Epochs = r.Epochs ?? defaults.Epochs,
                Beta = r.Beta ?? defaults.Beta,
                LearningRate = r.LearningRate ?? defaults.LearningRate,
                BatchSize = r.BatchSize ?? defaults.BatchSize,
                Seed = r.Seed ?? defaults.Seed,
            },
            Shape = new VaeConfig() with
            {
                Latent = r.LatentDim ?? new VaeConfig().Latent,
                Architecture = string.IsNullOrWhiteSpace(r.Architecture) ? new VaeConfig().Architecture : r.Architecture.Trim().ToLowerInvariant(),
            },
        };
    }
}

/// <summary>Reports on the caller's thread, in order.</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
