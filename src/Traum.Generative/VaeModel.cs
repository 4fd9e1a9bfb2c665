using System.Text.Json;
using System.Text.Json.Serialization;
using Traum.Core;
using static TorchSharp.torch;

namespace Traum.Generative;

/// <summary>Data a model was trained on, for its metadata.</summary>
public sealed record TrainingData
{
    /// <summary>The category (or tag, or "custom") the stems were chosen by.</summary>
    public required string Category { get; init; }
    /// <summary>How the stems were chosen: "category", "tag" or "ids".</summary>
    public string Selection { get; init; } = "category";
    /// <summary>The most common stem kind among them (drums, bass, …), given to generated stems.</summary>
    public string Kind { get; init; } = "other";
    /// <summary>Counts and seconds of the data set.</summary>
    public required DatasetSummary Summary { get; init; }
    /// <summary>Excerpts in the training split.</summary>
    public int TrainExcerpts { get; init; }
    /// <summary>Excerpts in the validation split.</summary>
    public int ValidationExcerpts { get; init; }
    /// <summary>Ids of the stems used.</summary>
    public IReadOnlyList<string> StemIds { get; init; } = [];
}

/// <summary>Everything <c>metadata.json</c> says about a model directory.</summary>
public sealed record VaeMetadata
{
    /// <summary>Layout version of the model directory; <see cref="VaeModel.FormatVersion"/>.</summary>
    public int Format { get; init; } = VaeModel.FormatVersion;
    /// <summary>The category (or name) the model was trained for.</summary>
    public required string Category { get; init; }
    /// <summary>Version label within the category (e.g. "v3"), given when the model is registered.</summary>
    public string Version { get; init; } = "";
    /// <summary>When training finished.</summary>
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>Architecture and sizes of the network.</summary>
    public required VaeConfig Model { get; init; }
    /// <summary>The spectrogram features the model works on.</summary>
    public required SpectrogramOptions Features { get; init; }
    /// <summary>The training settings used.</summary>
    public required TrainingOptions Training { get; init; }
    /// <summary>"standard": per-feature (x − mean)/std fitted on the training split.</summary>
    public string Scaling { get; init; } = "standard";
    /// <summary>"linear": the decoder's last layer has no activation (targets are standardised).</summary>
    public string OutputActivation { get; init; } = "linear";
    /// <summary>What the model was trained on.</summary>
    public TrainingData? Data { get; init; }
    /// <summary>Losses per epoch.</summary>
    public IReadOnlyList<EpochLoss> Losses { get; init; } = [];
    /// <summary>The epoch with the lowest validation loss (1-based), whose weights the model keeps.</summary>
    public int BestEpoch { get; init; }
    /// <summary>True when training stopped before the last epoch because the validation loss stopped improving.</summary>
    public bool StoppedEarly { get; init; }
    /// <summary>Validation loss of the untrained network (the reference for "how much it learned").</summary>
    public double InitialValidationLoss { get; init; }
    /// <summary>Wall time of training in seconds.</summary>
    public double TrainingSeconds { get; init; }
    /// <summary>CPU threads the training ran on.</summary>
    public int Threads { get; init; }
    /// <summary>Device the training ran on ("cpu" or "cuda").</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>Number of trainable parameters.</summary>
    public long Parameters { get; init; }
    /// <summary>How well the model reconstructs held-out excerpts, against the baselines.</summary>
    public ReconstructionReport? Evaluation { get; init; }
    /// <summary>"ok", or "failed" for a run that diverged or never beat the untrained model or the mean spectrogram; a failed model is never a default.</summary>
    public string Status { get; init; } = StatusOk;
    /// <summary>Why the run failed (one line with what to try); null when it succeeded.</summary>
    public string? Failure { get; init; }
    /// <summary>Validation reconstruction loss of the mean spectrogram (per element, standardised), the baseline a model must beat.</summary>
    public double MeanBaselineValidation { get; init; }
    /// <summary>Active latent dimensions (posterior-mean variance over the training excerpts above 0.01); few means posterior collapse.</summary>
    public int ActiveLatents { get; init; }
    /// <summary>Per latent dimension, the variance of the posterior mean over the training excerpts.</summary>
    public IReadOnlyList<double> LatentActivity { get; init; } = [];
    /// <summary>Mean of each latent dimension's posterior mean over the training excerpts; random latents are drawn around it.</summary>
    public IReadOnlyList<double> LatentMean { get; init; } = [];
    /// <summary>Spread of each latent dimension's posterior mean over the training excerpts; random latents are scaled by it.</summary>
    public IReadOnlyList<double> LatentStd { get; init; } = [];
    /// <summary>The posteriors of (up to 256) training excerpts: random latents are drawn from their mixture.</summary>
    public IReadOnlyList<LatentPosterior> Posteriors { get; init; } = [];
    /// <summary>The generation evaluation made at the end of training, when there was one.</summary>
    public GenerationEvaluation? GenerationReport { get; init; }
    /// <summary>What the material is like, for output at its rate, channels, length and loudness.</summary>
    public MaterialProfile? Material { get; init; }
    /// <summary>True when <see cref="Status"/> is "failed".</summary>
    [JsonIgnore]
    public bool IsFailed => Status == StatusFailed;
    /// <summary><see cref="Status"/> of a usable model.</summary>
    public const string StatusOk = "ok";
    /// <summary><see cref="Status"/> of a failed run.</summary>
    public const string StatusFailed = "failed";
    /// <summary>Version of Traum that trained the model.</summary>
    public string TraumVersion { get; init; } = TorchRuntime.TraumVersion;
    /// <summary>Version of TorchSharp that trained the model.</summary>
    public string TorchSharpVersion { get; init; } = TorchRuntime.TorchSharpVersion;
}

/// <summary>
/// A trained VAE with its scaler and metadata, and the model directory format:
/// <c>model.bin</c> (TorchSharp <c>Module.save</c>), <c>scaler.json</c>, <c>metadata.json</c>, <c>loss.png</c>.
/// </summary>
public sealed class VaeModel : IDisposable
{
    /// <summary>Layout version of the model directory written by this code.</summary>
    public const int FormatVersion = 1;
    /// <summary>File of the network weights (TorchSharp <c>Module.save</c>).</summary>
    public const string WeightsFile = "model.bin";
    /// <summary>File of the feature scaler.</summary>
    public const string ScalerFile = "scaler.json";
    /// <summary>File of the metadata (<see cref="VaeMetadata"/>).</summary>
    public const string MetadataFile = "metadata.json";
    /// <summary>File of the loss plot.</summary>
    public const string PlotFile = "loss.png";

    /// <summary>JSON settings of <c>metadata.json</c>: web defaults, indented, named float literals, camel-case enums.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Puts a network, its scaler and its metadata together; the network is switched to evaluation mode.</summary>
    /// <param name="network">The trained network (owned: disposed with the model).</param>
    /// <param name="scaler">Standardisation of the features.</param>
    /// <param name="metadata">What is known about the model.</param>
    public VaeModel(AudioVae network, StandardScaler scaler, VaeMetadata metadata)
    {
        Network = network ?? throw new ArgumentNullException(nameof(network));
        Scaler = scaler ?? throw new ArgumentNullException(nameof(scaler));
        Metadata = metadata ?? throw new ArgumentNullException(nameof(metadata));
        Network.eval();
    }

    /// <summary>The network, in evaluation mode.</summary>
    public AudioVae Network { get; }
    /// <summary>Standardisation of the features, fitted on the training split.</summary>
    public StandardScaler Scaler { get; }
    /// <summary>What <c>metadata.json</c> says about the model.</summary>
    public VaeMetadata Metadata { get; }
    /// <summary>The spectrogram features the model works on.</summary>
    public SpectrogramOptions Features => Metadata.Features;
    /// <summary>Number of latent dimensions.</summary>
    public int Latent => Network.Config.Latent;

    /// <summary>Number of trainable parameters.</summary>
    public static long CountParameters(AudioVae network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.parameters().Sum(p => p.numel());
    }

    /// <summary>Writes the four files into <paramref name="directory"/> (created if needed).</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        Network.save(Path.Combine(directory, WeightsFile));
        Scaler.Save(Path.Combine(directory, ScalerFile));
        File.WriteAllText(Path.Combine(directory, MetadataFile), JsonSerializer.Serialize(Metadata, JsonOptions));
        File.WriteAllBytes(Path.Combine(directory, PlotFile), LossPlot.Render(Metadata.Losses));
    }

    /// <summary>Reads <c>metadata.json</c> of a model directory.</summary>
    /// <exception cref="ModelNotFoundException">Missing or unreadable.</exception>
    public static VaeMetadata ReadMetadata(string directory)
    {
        var path = Path.Combine(directory, MetadataFile);
        if (!Directory.Exists(directory)) throw new ModelNotFoundException($"No VAE model at {directory}; train one with 'traum train --category <name>'.");
        if (!File.Exists(path)) throw new ModelNotFoundException($"The model directory {directory} has no {MetadataFile}: it is incomplete or corrupt. Delete it and train again with 'traum train'.");
        try
        {
            var m = JsonSerializer.Deserialize<VaeMetadata>(File.ReadAllText(path), JsonOptions)
                ?? throw new JsonException("empty document");
            if (m.Format != FormatVersion) throw new ModelNotFoundException($"{path} has model format {m.Format}; this Traum reads format {FormatVersion}. Train the model again with 'traum train'.");
            return m;
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            throw new ModelNotFoundException($"The model metadata {path} is corrupt ({e.Message}). Delete the directory and train again with 'traum train'.", e);
        }
    }

    /// <summary>Loads a model directory written by <see cref="Save"/>, on the CPU, in eval mode.</summary>
    /// <exception cref="ModelNotFoundException">The directory is missing, incomplete or corrupt; the message names the file.</exception>
    public static VaeModel Load(string directory)
    {
        var metadata = ReadMetadata(directory);
        var weights = Path.Combine(directory, WeightsFile);
        if (!File.Exists(weights)) throw new ModelNotFoundException($"The model directory {directory} has no {WeightsFile}. Delete it and train again with 'traum train'.");
        var scaler = StandardScaler.Load(Path.Combine(directory, ScalerFile));
        try
        {
            metadata.Model.Validate();
        }
        catch (InvalidInputException e)
        {
            throw new ModelNotFoundException($"{Path.Combine(directory, MetadataFile)} describes an invalid network ({e.Message}). Train again with 'traum train'.", e);
        }
        if (scaler.FeatureCount != metadata.Model.InputDim || metadata.Features.FeatureCount != metadata.Model.InputDim)
        {
            throw new ModelNotFoundException($"The model in {directory} is inconsistent: scaler has {scaler.FeatureCount} features, network {metadata.Model.InputDim}, spectrogram settings {metadata.Features.FeatureCount}. Train again with 'traum train'.");
        }
        var network = AudioVae.Create(metadata.Model);
        try
        {
            network.load(weights, strict: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            network.Dispose();
            throw new ModelNotFoundException($"The weights {weights} are corrupt or do not match metadata.json ({e.Message}). Delete the directory and train again with 'traum train'.", e);
        }
        return new VaeModel(network, scaler, metadata);
    }

    /// <summary>
    /// Encodes unscaled log-feature rows <c>[n, FeatureCount]</c> to their posterior means μ <c>[n, Latent]</c> (row-major).
    /// Runs under <see cref="TorchRuntime.GlobalState"/> so results do not depend on a concurrent training's thread count.
    /// </summary>
    public float[] EncodeMean(ReadOnlySpan<float> logFeatures)
    {
        var d = Scaler.FeatureCount;
        var n = logFeatures.Length / d;
        var z = new float[logFeatures.Length];
        Scaler.Transform(logFeatures, z);
        using var gate = TorchRuntime.GlobalState.EnterScope();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (mu, _) = Network.Encode(tensor(z, [n, d]));
        return mu.contiguous().data<float>().ToArray();
    }

    /// <summary>
    /// <paramref name="count"/> random latents <c>[count, Latent]</c> from the aggregate posterior, the distribution the
    /// decoder was trained on: the mixture (1/N) Σ N(μᵢ, (t·σᵢ)²) of the training excerpts' posteriors
    /// (<see cref="VaeMetadata.Posteriors"/>; <see cref="Latents.FromMixture"/>). Models saved without them draw
    /// mean + t·std·ε per dimension (<see cref="VaeMetadata.LatentMean"/>, <see cref="VaeMetadata.LatentStd"/>), or N(0, t²I)
    /// without those either. The prior N(0, I) and a single Gaussian fitted to the means both put most samples between
    /// the training points, where a decoder trained with weak KL makes an average of its material.
    /// </summary>
    public float[] SampleLatents(int count, double temperature, int seed)
    {
        if (Metadata.Posteriors.Count > 0 && Metadata.Posteriors.All(p => p.Mean.Length == Latent && p.Std.Length == Latent))
        {
            return Latents.FromMixture(Metadata.Posteriors, count, temperature, seed);
        }
        var z = Latents.Random(count, Latent, temperature, seed);
        var mean = Metadata.LatentMean;
        var std = Metadata.LatentStd;
        if (mean.Count != Latent || std.Count != Latent) return z;
        for (var i = 0; i < count; i++)
        {
            for (var j = 0; j < Latent; j++) z[(i * Latent) + j] = (float)(mean[j] + (std[j] * z[(i * Latent) + j]));
        }
        return z;
    }

    /// <summary>A mutation of the latent <paramref name="mu"/>: μ + s·std·ε per dimension (std of the aggregate posterior; 1 without it).</summary>
    public float[] Mutate(ReadOnlySpan<float> mu, double scale, int seed)
    {
        var z = Latents.Mutate(mu, scale, seed);
        var std = Metadata.LatentStd;
        if (std.Count != mu.Length) return z;
        for (var j = 0; j < z.Length; j++) z[j] = (float)(mu[j] + ((z[j] - mu[j]) * std[j]));
        return z;
    }

    /// <summary>Decodes latents <c>[n, Latent]</c> (row-major) to unscaled log-magnitude features <c>[n, FeatureCount]</c>.</summary>
    public float[] DecodeLog(ReadOnlySpan<float> latents)
    {
        var n = latents.Length / Latent;
        float[] y;
        using (TorchRuntime.GlobalState.EnterScope())
        using (NewDisposeScope())
        using (no_grad())
        {
            y = Network.Decode(tensor(latents.ToArray(), [n, Latent])).contiguous().data<float>().ToArray();
        }
        Scaler.InverseTransformClamped(y);
        return y;
    }

    /// <summary>Releases the network's tensors.</summary>
    public void Dispose() => Network.Dispose();
}
