namespace Traum.Generative;

/// <summary>How a VAE is trained. Defaults are the ones <c>traum train</c> uses.</summary>
public sealed record TrainingOptions
{
    /// <summary>Maximum number of passes over the training split.</summary>
    public int Epochs { get; init; } = 60;

    /// <summary>Excerpts per optimiser step.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Weight of the KL term (β-VAE); 1 is the plain ELBO.</summary>
    public double Beta { get; init; } = 1.0;

    /// <summary>Epochs over which β rises linearly from 0 to <see cref="Beta"/> (0 = no warm-up): KL annealing against posterior collapse.</summary>
    public int KlWarmupEpochs { get; init; } = 10;

    /// <summary>
    /// Free bits: the KL of each latent dimension (nats, batch mean) counts at least this much in the training loss, so
    /// the optimiser gains nothing by pushing a dimension's posterior onto the prior (0 = plain KL).
    /// </summary>
    public double FreeBits { get; init; } = 0.1;

    /// <summary>Largest global L2 norm of the gradient per step (0 = no clipping).</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>Optimiser steps over which the learning rate rises linearly from 0 (0 = none); then it falls by a cosine to a tenth.</summary>
    public int WarmupSteps { get; init; } = 50;

    /// <summary>For loops: frames of one beat; training rows are also used rotated in time by whole beats (0 = no such augmentation). Set from the material.</summary>
    public int LoopShiftFrames { get; init; }

    /// <summary>At most this many rotated copies of each training row (see <see cref="LoopShiftFrames"/>).</summary>
    public int MaxLoopShifts { get; init; } = 3;

    /// <summary>Warm-up steps in effect for a run of <paramref name="totalSteps"/>: <see cref="WarmupSteps"/>, at most a tenth of the run.</summary>
    public long EffectiveWarmupSteps(long totalSteps) => Math.Min(WarmupSteps, totalSteps / 10);

    /// <summary>A training loss this many times the first epoch's (or a non-finite one) ends the run as diverged.</summary>
    public double DivergenceFactor { get; init; } = 100;

    /// <summary>Share of the excerpts held out for validation and the final report.</summary>
    public double ValidationFraction { get; init; } = 0.15;

    /// <summary>Stop after this many epochs without a validation improvement (0 = never stop early).</summary>
    public int Patience { get; init; } = 10;

    /// <summary>Seed of weights, dropout, noise, data order and split.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>CPU threads for torch (0 = torch's default).</summary>
    public int Threads { get; init; }

    /// <summary>auto, cpu or cuda.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Trainable parameters allowed per training excerpt (the network is shrunk to fit; see <see cref="ParameterBudget"/>).</summary>
    public int ParametersPerExcerpt { get; init; } = 50_000;

    /// <summary>Most trainable parameters of any network (4 M float32 weights = 16 MB, so a model folder stays under 20 MB).</summary>
    public long MaxParameters { get; init; } = 4_000_000;

    /// <summary>Parameter budget for <paramref name="trainExcerpts"/> excerpts: ParametersPerExcerpt × excerpts, between 250 000 and <see cref="MaxParameters"/>.</summary>
    public long ParameterBudget(int trainExcerpts) => Math.Clamp((long)ParametersPerExcerpt * trainExcerpts, Math.Min(250_000, MaxParameters), MaxParameters);

    private static readonly TrainingOptions s_defaults = new();

    /// <summary>Throws <see cref="Core.InvalidInputException"/> naming the bad value.</summary>
    public void Validate()
    {
        if (Epochs is <= 0 or > 100_000) throw new Core.InvalidInputException($"Epochs {Epochs} out of range; use 1–100000 (default {s_defaults.Epochs}).");
        if (BatchSize is <= 0 or > 65_536) throw new Core.InvalidInputException($"Batch size {BatchSize} out of range; use 1–65536 (default {s_defaults.BatchSize}).");
        if (!(LearningRate > 0) || LearningRate > 1) throw new Core.InvalidInputException($"Learning rate {LearningRate} out of range; use (0, 1] (default {s_defaults.LearningRate}).");
        if (!(Beta >= 0) || double.IsInfinity(Beta)) throw new Core.InvalidInputException($"β {Beta} must be ≥ 0 (default {s_defaults.Beta}).");
        if (KlWarmupEpochs < 0) throw new Core.InvalidInputException("KL warm-up epochs must be ≥ 0.");
        if (!(FreeBits >= 0) || FreeBits > 100) throw new Core.InvalidInputException($"Free bits {FreeBits} must be in 0–100 nats (default {s_defaults.FreeBits}).");
        if (!(GradientClip >= 0) || double.IsInfinity(GradientClip)) throw new Core.InvalidInputException($"Gradient clip {GradientClip} must be ≥ 0 (0 = off; default {s_defaults.GradientClip}).");
        if (LoopShiftFrames < 0 || MaxLoopShifts < 0) throw new Core.InvalidInputException("Loop shift frames and their count must be ≥ 0.");
        if (WarmupSteps < 0) throw new Core.InvalidInputException($"Learning-rate warm-up steps must be ≥ 0 (default {s_defaults.WarmupSteps}).");
        if (!(DivergenceFactor > 1)) throw new Core.InvalidInputException($"Divergence factor {DivergenceFactor} must be > 1 (default {s_defaults.DivergenceFactor}).");
        if (!(ValidationFraction > 0) || ValidationFraction >= 1) throw new Core.InvalidInputException($"Validation fraction {ValidationFraction} must be in (0, 1) (default {s_defaults.ValidationFraction}).");
        if (Patience < 0) throw new Core.InvalidInputException("Patience must be ≥ 0.");
        if (Threads < 0) throw new Core.InvalidInputException("Threads must be ≥ 0 (0 = default).");
    }

    /// <summary>
    /// Learning rate of optimiser step <paramref name="step"/> (1-based) out of <paramref name="totalSteps"/>: linear warm-up over
    /// <see cref="WarmupSteps"/>, then a cosine from <see cref="LearningRate"/> down to a tenth of it at the last step.
    /// </summary>
    public double LearningRateAt(long step, long totalSteps)
    {
        var warm = EffectiveWarmupSteps(totalSteps);
        if (warm > 0 && step <= warm) return LearningRate * step / warm;
        var rest = Math.Max(1, totalSteps - warm);
        var t = Math.Clamp((double)(step - warm) / rest, 0, 1);
        return LearningRate * (0.1 + (0.9 * 0.5 * (1 + Math.Cos(Math.PI * t))));
    }

    /// <summary>β in effect during epoch <paramref name="epoch"/> (1-based).</summary>
    public double BetaAt(int epoch) => KlWarmupEpochs <= 0 ? Beta : Beta * Math.Min(1.0, (double)epoch / KlWarmupEpochs);
}

/// <summary>Losses of one epoch (per element, see <see cref="AudioVae.Loss(TorchSharp.torch.Tensor, TorchSharp.torch.Tensor, TorchSharp.torch.Tensor, TorchSharp.torch.Tensor, double)"/>). Validation uses μ (no sampling) and the final β.</summary>
public sealed record EpochLoss(int Epoch, double Beta, double Train, double TrainReconstruction, double TrainKl,
    double Validation, double ValidationReconstruction, double ValidationKl, double Seconds);

/// <summary>Progress of a training run, reported after every batch and at the end of every epoch.</summary>
/// <param name="Epoch">1-based current epoch.</param>
/// <param name="Epochs">Maximum epochs.</param>
/// <param name="Batch">1-based batch within the epoch.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="TrainLoss">Running mean training loss of this epoch.</param>
/// <param name="ValidationLoss">Validation loss of the last finished epoch, if any.</param>
/// <param name="Eta">Estimated time left at the current pace (assuming all epochs run).</param>
public readonly record struct TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, double TrainLoss, double? ValidationLoss, TimeSpan Eta)
{
    /// <summary>Batches done over all batches (0…1).</summary>
    public double Fraction => Epochs * Batches == 0 ? 0 : (((Epoch - 1) * (double)Batches) + Batch) / ((double)Epochs * Batches);
}
