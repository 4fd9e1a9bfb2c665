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
    ReconstructionReport Report);

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
        var config = shape with { InputDim = dataset.FeatureCount };
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
        var model = new AudioVae(config);
        model.to(device);
        using var optimizer = new AdamOptimizer(model.parameters(), options.LearningRate);
        var batches = (trainIdx.Length + options.BatchSize - 1) / options.BatchSize;
        var losses = new List<EpochLoss>();
        Dictionary<string, Tensor>? best = null;
        var bestVal = double.PositiveInfinity;
        var bestEpoch = 0;
        var sinceBest = 0;
        var stoppedEarly = false;
        var order = Enumerable.Range(0, trainIdx.Length).ToArray();
        var batchBuffer = new float[options.BatchSize * d];
        try
        {
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
                        Array.Copy(train, order[(b * options.BatchSize) + i] * d, batchBuffer, i * d, d);
                    }
                    using (NewDisposeScope())
                    {
                        var x = tensor(batchBuffer.AsSpan(0, count * d).ToArray(), [count, d]).to(device);
                        optimizer.ZeroGrad();
                        var (recon, mu, logVar) = model.forward(x);
                        var (total, r, kl) = AudioVae.Loss(recon, x, mu, logVar, beta);
                        total.backward();
                        optimizer.Step();
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
                if (vTotal < bestVal)
                {
                    bestVal = vTotal;
                    bestEpoch = epoch;
                    sinceBest = 0;
                    DisposeAll(best);
                    best = Snapshot(model);
                }
                else if (options.Patience > 0 && ++sinceBest >= options.Patience)
                {
                    stoppedEarly = true;
                    break;
                }
            }
            if (best is not null) model.load_state_dict(best);
            model.eval();
            var report = Report(model, dataset, scaler, train, trainIdx.Length, val, valIdx, config.Latent, device);
            model.to(CPU);
            return new TrainingResult(model, scaler, losses, bestEpoch, stoppedEarly, initial, clock.Elapsed, threads,
                device.type.ToString().ToLowerInvariant(), trainIdx.Length, valIdx.Length, report);
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
        scaler.InverseTransform(vae);
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
