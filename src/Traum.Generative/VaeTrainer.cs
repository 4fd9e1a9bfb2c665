using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Traum.Generative;

/// <summary>A trained model with everything needed to save it and report on it.</summary>
public sealed record TrainingResult(
    AudioVae Model,
    StandardScaler Scaler,
    IReadOnlyList<EpochLoss> Losses,
    int BestEpoch,
    bool StoppedEarly,
    double InitialValidationLoss,
    TimeSpan Elapsed,
    int Threads,
    string Device,
    int TrainExcerpts,
    int ValidationExcerpts,
    ReconstructionReport Report)
{
    /// <summary>Why the run failed (one line with what to try), or null when it succeeded. A failed model must never become a default.</summary>
    public string? Failure { get; init; }

    /// <summary>Validation reconstruction loss (per element, standardised) of the mean spectrogram: the mean of z² over the held-out rows.</summary>
    public double MeanBaselineValidation { get; init; }

    /// <summary>Latent dimensions whose posterior mean varies over the training excerpts (variance &gt; 0.01): fewer than a few means posterior collapse.</summary>
    public int ActiveLatents { get; init; }

    /// <summary>Variance over the training excerpts of each latent dimension's posterior mean.</summary>
    public IReadOnlyList<double> LatentActivity { get; init; } = [];

    /// <summary>Mean over the training excerpts of each latent dimension's posterior mean (the aggregate posterior's centre).</summary>
    public IReadOnlyList<double> LatentMean { get; init; } = [];

    /// <summary>Standard deviation over the training excerpts of each latent dimension's posterior mean (the aggregate posterior's spread).</summary>
    public IReadOnlyList<double> LatentStd { get; init; } = [];

    /// <summary>
    /// The posterior q(z|x) = N(μ, σ²) of each training excerpt (at most <see cref="VaeTrainer.MaxPosteriors"/>, spread
    /// evenly over the excerpts): the mixture random generation samples from.
    /// </summary>
    public IReadOnlyList<LatentPosterior> Posteriors { get; init; } = [];

    /// <summary>True when <see cref="Failure"/> is null.</summary>
    public bool Succeeded => Failure is null;
}

/// <summary>
/// Trains an <see cref="AudioVae"/> on an <see cref="AudioDataset"/>: deterministic split, scaler fitted on the training
/// split, Adam on recon MSE + β·KL (optional linear KL warm-up), validation every epoch, early stopping that keeps the
/// best epoch's weights, and a held-out reconstruction report against the mean and PCA baselines.
/// Repeatable: with the same data, options and thread count, the losses are identical (weights and dropout come from
/// torch's generator seeded with <see cref="TrainingOptions.Seed"/>, the data order from <c>System.Random(seed + epoch)</c>).
/// </summary>
public static class VaeTrainer
{
    /// <summary>Trains; honours <paramref name="cancellationToken"/> between batches (throws <see cref="OperationCanceledException"/>).</summary>
    /// <param name="dataset">Features of the excerpts.</param>
    /// <param name="shape">Network shape; its <see cref="VaeConfig.InputDim"/> is set from the data.</param>
    /// <param name="options">Training options.</param>
    /// <param name="progress">Receives progress after every batch.</param>
    /// <param name="cancellationToken">Stops training.</param>
    public static TrainingResult Train(AudioDataset dataset, VaeConfig shape, TrainingOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (dataset.Count < 2) throw new Core.InvalidInputException($"Training needs at least 2 non-silent excerpts; the data gave {dataset.Count}.");
        var nTrain = dataset.Count - dataset.Split(options.ValidationFraction, options.Seed).Validation.Length;
        var config = (shape with { InputDim = dataset.FeatureCount, Bins = dataset.Options.Bins, Frames = dataset.Options.Frames })
            .FitBudget(options.ParameterBudget(nTrain));
        config.Validate();
        lock (TorchRuntime.GlobalState)
        {
            return TrainLocked(dataset, config, options, progress, cancellationToken);
        }
    }

    private static TrainingResult TrainLocked(AudioDataset dataset, VaeConfig config, TrainingOptions options,
        IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var previousThreads = get_num_threads();
        try
        {
            return TrainCore(dataset, config, options, progress, ct);
        }
        finally
        {
            TorchRuntime.ConfigureThreads(previousThreads);
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "The network goes to the caller in the TrainingResult, or is disposed when training throws.")]
    private static TrainingResult TrainCore(AudioDataset dataset, VaeConfig config, TrainingOptions options,
        IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var threads = TorchRuntime.ConfigureThreads(options.Threads);
        var device = TorchRuntime.SelectDevice(options.Device);
        var d = dataset.FeatureCount;
        var (trainIdx, valIdx) = dataset.Split(options.ValidationFraction, options.Seed);
        var scaler = StandardScaler.Fit(dataset.Features, d, trainIdx);
        var train = Gather(dataset, trainIdx, scaler);
        var val = Gather(dataset, valIdx, scaler);

        manual_seed(options.Seed);
        var model = AudioVae.Create(config);
        Dictionary<string, Tensor>? best = null;
        try
        {
            model.to(device);
            using var optimizer = new AdamOptimizer(model.parameters(), options.LearningRate);
            var meanBaseline = MeanSquare(val);
            string? failure = null;
            var (augmented, rows) = Augment(train, trainIdx.Length, config.Bins, config.Frames, options.LoopShiftFrames, options.MaxLoopShifts);
            var batches = (rows + options.BatchSize - 1) / options.BatchSize;
            var totalSteps = (long)options.Epochs * batches;
            // Early stopping only counts once the learning rate and β have warmed up.
            var warmEpochs = Math.Max(options.KlWarmupEpochs, (int)Math.Ceiling((double)options.EffectiveWarmupSteps(totalSteps) / batches));
            var losses = new List<EpochLoss>();
            var bestVal = double.PositiveInfinity;
            var bestEpoch = 0;
            var sinceBest = 0;
            var stoppedEarly = false;
            var order = Enumerable.Range(0, rows).ToArray();
            var batchBuffer = new float[options.BatchSize * d];
            var initial = Evaluate(model, val, valIdx.Length, d, options.Beta, device).Total;
            for (var epoch = 1; epoch <= options.Epochs; epoch++)
            {
                var epochClock = Stopwatch.StartNew();
                var beta = options.BetaAt(epoch);
                Array.Sort(order);
                new Random(unchecked(options.Seed + epoch)).Shuffle(order);
                model.train();
                double sum = 0, sumRecon = 0, sumKl = 0;
                var seen = 0;
                for (var b = 0; b < batches; b++)
                {
                    ct.ThrowIfCancellationRequested();
                    var count = Math.Min(options.BatchSize, order.Length - (b * options.BatchSize));
                    for (var i = 0; i < count; i++)
                    {
                        Array.Copy(augmented, order[(b * options.BatchSize) + i] * d, batchBuffer, i * d, d);
                    }
                    using (NewDisposeScope())
                    {
                        var x = tensor(batchBuffer.AsSpan(0, count * d).ToArray(), [count, d]).to(device);
                        optimizer.ZeroGrad();
                        var (recon, mu, logVar) = model.forward(x);
                        var (total, r, kl) = AudioVae.Loss(recon, x, mu, logVar, beta, options.FreeBits);
                        // The objective is summed over the features (the usual ELBO scale) for the gradient: the per-element
                        // mean gives gradients near Adam's ε (1e-8) on quiet material, which stalls it. Reported losses stay per element.
                        using (var perExcerpt = ((double)d).ToScalar()) total.mul(perExcerpt).backward();
                        optimizer.ClipGradNorm(options.GradientClip);
                        optimizer.Step(options.LearningRateAt(optimizer.Steps + 1, totalSteps));
                        sum += total.item<float>() * count;
                        sumRecon += r.item<float>() * count;
                        sumKl += kl.item<float>() * count;
                    }
                    seen += count;
                    var elapsedPerBatch = clock.Elapsed / (((epoch - 1) * batches) + b + 1);
                    var left = ((options.Epochs - epoch) * batches) + (batches - b - 1);
                    progress?.Report(new TrainingProgress(epoch, options.Epochs, b + 1, batches, sum / seen,
                        losses.Count > 0 ? losses[^1].Validation : null, elapsedPerBatch * left));
                }
                var (vTotal, vRecon, vKl) = Evaluate(model, val, valIdx.Length, d, options.Beta, device);
                losses.Add(new EpochLoss(epoch, beta, sum / seen, sumRecon / seen, sumKl / seen, vTotal, vRecon, vKl, epochClock.Elapsed.TotalSeconds));
                progress?.Report(new TrainingProgress(epoch, options.Epochs, batches, batches, sum / seen, vTotal,
                    clock.Elapsed / epoch * (options.Epochs - epoch)));
                failure = Diverged(losses, options);
                if (failure is not null) break;
                if (vTotal < bestVal)
                {
                    bestVal = vTotal;
                    bestEpoch = epoch;
                    sinceBest = 0;
                    DisposeAll(best);
                    best = Snapshot(model);
                }
                else if (options.Patience > 0 && epoch > warmEpochs && ++sinceBest >= options.Patience)
                {
                    stoppedEarly = true;
                    break;
                }
            }
            if (best is not null) model.load_state_dict(best);
            model.eval();
            var report = Report(model, dataset, scaler, train, trainIdx.Length, val, valIdx, config.Latent, device);
            var (activity, latentMean, latentStd, posteriors) = LatentActivity(model, train, trainIdx.Length, d, device);
            var bestRecon = bestEpoch > 0 ? losses[bestEpoch - 1].ValidationReconstruction : double.NaN;
            failure ??= bestEpoch == 0 || !double.IsFinite(bestVal)
                ? "training diverged: no epoch had a finite validation loss; lower the learning rate (--lr 0.0001)."
                : !(bestVal < initial)
                    ? $"validation loss never beat the untrained model ({initial:G4} → best {bestVal:G4}); lower the learning rate or add stems."
                    : !(bestRecon < (1 - BaselineMargin) * meanBaseline)
                        ? $"validation reconstruction {bestRecon:G4} never beat the mean spectrogram ({meanBaseline:G4}) by {BaselineMargin:P0}; train longer (--epochs), add stems, or lower --beta."
                        : !activity.Any(v => v > ActiveThreshold)
                            ? "posterior collapse: no latent dimension is active, so every generated stem would sound the same; lower --beta, raise --free-bits, or add stems."
                            : null;
            model.to(CPU);
            return new TrainingResult(model, scaler, losses, bestEpoch, stoppedEarly, initial, clock.Elapsed, threads,
                device.type.ToString().ToLowerInvariant(), trainIdx.Length, valIdx.Length, report)
            {
                Failure = failure,
                MeanBaselineValidation = meanBaseline,
                LatentActivity = activity,
                ActiveLatents = activity.Count(v => v > ActiveThreshold),
                LatentMean = latentMean,
                LatentStd = latentStd,
                Posteriors = posteriors,
            };
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally
        {
            DisposeAll(best);
        }
    }

    /// <summary>Variance of a latent dimension's posterior mean over the training excerpts above which it counts as active (Burda et al. 2016).</summary>
    public const double ActiveThreshold = 0.01;

    /// <summary>The best validation reconstruction must be at least this share below the mean spectrogram's.</summary>
    public const double BaselineMargin = 0.01;

    /// <summary>Why the run diverged after its last epoch, or null: a non-finite loss, or a training loss above DivergenceFactor × the first epoch's.</summary>
    private static string? Diverged(List<EpochLoss> losses, TrainingOptions options)
    {
        var last = losses[^1];
        if (!double.IsFinite(last.Train) || !double.IsFinite(last.Validation))
        {
            return $"training diverged: the loss became non-finite in epoch {last.Epoch}; lower the learning rate (--lr {options.LearningRate / 10:G2}) or keep gradient clipping on.";
        }
        if (losses.Count > 1 && last.Train > options.DivergenceFactor * losses[0].Train)
        {
            return $"training exploded: loss {last.Train:G3} in epoch {last.Epoch} against {losses[0].Train:G3} in epoch 1; lower the learning rate (--lr {options.LearningRate / 10:G2}).";
        }
        return null;
    }

    private static double MeanSquare(float[] x)
    {
        double s = 0;
        foreach (var v in x) s += (double)v * v;
        return x.Length == 0 ? double.NaN : s / x.Length;
    }

    /// <summary>
    /// Training rows plus, for loops, copies rotated in time by whole multiples of <paramref name="shift"/> frames (a beat):
    /// a loop started on another beat is still a loop of the category. At most <paramref name="max"/> copies per row.
    /// </summary>
    internal static (float[] Rows, int Count) Augment(float[] train, int rows, int bins, int frames, int shift, int max)
    {
        if (shift <= 0 || max <= 0 || bins * frames == 0 || shift >= frames) return (train, rows);
        var copies = Math.Min(max, (frames / shift) - 1);
        if (copies <= 0) return (train, rows);
        var d = bins * frames;
        var result = new float[rows * (copies + 1) * d];
        train.AsSpan(0, rows * d).CopyTo(result);
        var o = rows * d;
        for (var k = 1; k <= copies; k++)
        {
            var by = k * shift;
            for (var r = 0; r < rows; r++)
            {
                for (var b = 0; b < bins; b++)
                {
                    var src = train.AsSpan((r * d) + (b * frames), frames);
                    var dst = result.AsSpan(o + (b * frames), frames);
                    src[by..].CopyTo(dst);
                    src[..by].CopyTo(dst[(frames - by)..]);
                }
                o += d;
            }
        }
        return (result, rows * (copies + 1));
    }

    /// <summary>At most this many training posteriors are kept with a model for random generation.</summary>
    public const int MaxPosteriors = 256;

    /// <summary>
    /// Per latent dimension: the variance over the rows of the posterior mean μ, and the mean and standard deviation of μ;
    /// and the posteriors (μ, σ) of up to <see cref="MaxPosteriors"/> rows spread evenly over them.
    /// </summary>
    private static (double[] Variance, double[] Mean, double[] Std, List<LatentPosterior> Posteriors) LatentActivity(AudioVae model, float[] data, int rows, int d, Device device)
    {
        var keepEvery = Math.Max(1, (int)Math.Ceiling(rows / (double)MaxPosteriors));
        var posteriors = new List<LatentPosterior>();
        model.eval();
        using var _ = no_grad();
        var latent = model.Config.Latent;
        var sum = new double[latent];
        var sq = new double[latent];
        const int chunk = 64;
        for (var i = 0; i < rows; i += chunk)
        {
            using var scope = NewDisposeScope();
            var n = Math.Min(chunk, rows - i);
            var (mu, logVar) = model.Encode(tensor(data.AsSpan(i * d, n * d).ToArray(), [n, d]).to(device));
            var m = mu.cpu().contiguous().data<float>().ToArray();
            using var half = 0.5.ToScalar();
            var sigma = logVar.mul(half).exp().cpu().contiguous().data<float>().ToArray();
            for (var r = 0; r < n; r++)
            {
                if ((i + r) % keepEvery == 0)
                {
                    posteriors.Add(new LatentPosterior(m.AsSpan(r * latent, latent).ToArray(), sigma.AsSpan(r * latent, latent).ToArray()));
                }
                for (var j = 0; j < latent; j++)
                {
                    double v = m[(r * latent) + j];
                    sum[j] += v;
                    sq[j] += v * v;
                }
            }
        }
        var result = new double[latent];
        var means = new double[latent];
        var stds = new double[latent];
        for (var j = 0; j < latent; j++)
        {
            var mean = sum[j] / Math.Max(1, rows);
            result[j] = Math.Max(0, (sq[j] / Math.Max(1, rows)) - (mean * mean));
            means[j] = mean;
            stds[j] = Math.Sqrt(result[j]);
        }
        return (result, means, stds, posteriors);
    }

    /// <summary>Validation loss with z = μ (eval mode, no dropout), per element, β fixed.</summary>
    private static (double Total, double Recon, double Kl) Evaluate(AudioVae model, float[] data, int rows, int d, double beta, Device device)
    {
        model.eval();
        using var _ = no_grad();
        double sum = 0, sumR = 0, sumK = 0;
        const int chunk = 64;
        for (var i = 0; i < rows; i += chunk)
        {
            using var scope = NewDisposeScope();
            var n = Math.Min(chunk, rows - i);
            var x = tensor(data.AsSpan(i * d, n * d).ToArray(), [n, d]).to(device);
            var (recon, mu, logVar) = model.forward(x);
            var (t, r, k) = AudioVae.Loss(recon, x, mu, logVar, beta);
            sum += t.item<float>() * n;
            sumR += r.item<float>() * n;
            sumK += k.item<float>() * n;
        }
        return (sum / rows, sumR / rows, sumK / rows);
    }

    private static ReconstructionReport Report(AudioVae model, AudioDataset dataset, StandardScaler scaler, float[] train, int trainRows,
        float[] val, int[] valIdx, int latent, Device device)
    {
        var d = dataset.FeatureCount;
        var reference = new float[valIdx.Length * d];
        for (var i = 0; i < valIdx.Length; i++) dataset.Row(valIdx[i]).CopyTo(reference.AsSpan(i * d, d));

        var vae = Reconstruct(model, val, valIdx.Length, d, device);
        scaler.InverseTransformClamped(vae); // as generation decodes
        var mean = new float[valIdx.Length * d];
        for (var i = 0; i < valIdx.Length; i++) scaler.Mean.CopyTo(mean, i * d);
        var pca = SpectralMetrics.PcaReconstruct(train, trainRows, val, valIdx.Length, d, latent, out var used);
        scaler.InverseTransform(pca);
        var o = dataset.Options;
        return new ReconstructionReport(valIdx.Length, used, SpectralMetrics.Score(reference, vae, o), SpectralMetrics.Score(reference, mean, o),
            SpectralMetrics.Score(reference, pca, o));
    }

    /// <summary>Decodes μ of standardised rows (eval mode): standardised reconstructions, row-major.</summary>
    internal static float[] Reconstruct(AudioVae model, float[] data, int rows, int d, Device device)
    {
        model.eval();
        using var _ = no_grad();
        var result = new float[rows * d];
        const int chunk = 64;
        for (var i = 0; i < rows; i += chunk)
        {
            using var scope = NewDisposeScope();
            var n = Math.Min(chunk, rows - i);
            var x = tensor(data.AsSpan(i * d, n * d).ToArray(), [n, d]).to(device);
            var (mu, _) = model.Encode(x);
            model.Decode(mu).cpu().data<float>().CopyTo(result.AsSpan(i * d, n * d));
        }
        return result;
    }

    private static float[] Gather(AudioDataset dataset, int[] rows, StandardScaler scaler)
    {
        var d = dataset.FeatureCount;
        var m = new float[rows.Length * d];
        for (var i = 0; i < rows.Length; i++) scaler.Transform(dataset.Row(rows[i]), m.AsSpan(i * d, d));
        return m;
    }

    private static Dictionary<string, Tensor> Snapshot(AudioVae model)
    {
        var copy = new Dictionary<string, Tensor>();
        using var _ = no_grad();
        foreach (var (name, t) in model.state_dict()) copy[name] = t.detach().clone();
        return copy;
    }

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is null) return;
        foreach (var t in tensors.Values) t.Dispose();
        tensors.Clear();
    }
}
