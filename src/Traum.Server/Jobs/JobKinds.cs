namespace Traum.Server.Jobs;

/// <summary>Job kinds the server queues.</summary>
public static class JobKinds
{
    /// <summary>Splits an uploaded or staged track into stems (<see cref="SeparateParameters"/>).</summary>
    public const string Separate = "separate";

    /// <summary>Adds audio files or folders to the library (<see cref="IngestParameters"/>).</summary>
    public const string Ingest = "ingest";

    /// <summary>Trains a VAE on one category of stems (<see cref="TrainRequest"/>).</summary>
    public const string Train = "train";

    /// <summary>Makes new stems with a trained model (<see cref="GenerateRequest"/>).</summary>
    public const string Generate = "generate";

    /// <summary>Refreshes the library's percentiles and runs missing analyses; queued after jobs that add stems.</summary>
    public const string Reindex = "reindex";

    /// <summary>Kinds whose success adds stems, after which a reindex refreshes the library's percentiles.</summary>
    public static bool AddsStems(string kind) => kind is Separate or Ingest or Generate;
}

/// <summary>Parameters of a separation job.</summary>
/// <param name="Path">The stored track (absolute, inside the library).</param>
/// <param name="Name">Display name of the track.</param>
/// <param name="Model">Separation model id, or null for the default.</param>
/// <param name="Shifts">Passes of the shift trick (0 = off).</param>
public sealed record SeparateParameters(string Path, string Name, string? Model = null, int Shifts = 0);

/// <summary>Parameters of an ingest job.</summary>
/// <param name="Paths">Files or folders (absolute, checked against the allowed roots).</param>
/// <param name="Kind">Kind for every new stem; null: from the file names and analysis.</param>
/// <param name="Category">Category for every new stem; null: from the file names and analysis.</param>
/// <param name="Recursive">Also read the subfolders of the folders given.</param>
/// <param name="Names">Display names of uploaded files, parallel to <paramref name="Paths"/>, if they came from an upload.</param>
/// <param name="DeleteAfter">Remove the files after ingest (uploads).</param>
/// <param name="InPlace">Index the files where they are on the server instead of copying them into the library.</param>
/// <param name="Tags">Tags for every new stem.</param>
public sealed record IngestParameters(IReadOnlyList<string> Paths, string? Kind = null, string? Category = null, bool Recursive = true,
    bool DeleteAfter = false, IReadOnlyList<string>? Names = null, bool InPlace = false, IReadOnlyList<string>? Tags = null);

/// <summary>Parameters of a training job (POST /api/train).</summary>
/// <param name="Category">Stem category (or kind) to learn, e.g. "bass".</param>
/// <param name="Epochs">Most passes over the data (early stopping may end sooner); null: the engine's default.</param>
/// <param name="LatentDim">Size of the latent space.</param>
/// <param name="Beta">Weight of the KL term.</param>
/// <param name="LearningRate">Adam learning rate, in (0, 1]; null: the engine's default (0.001).</param>
/// <param name="BatchSize">Excerpts per optimiser step, 1 to 65 536; null: the engine's default (8).</param>
/// <param name="Seed">Seed for repeatable training.</param>
/// <param name="Name">Name the model is filed under (models/NAME/); null: the category.</param>
/// <param name="Architecture">conv (default) or mlp.</param>
public sealed record TrainRequest(string Category, int? Epochs = null, int? LatentDim = null, double? Beta = null,
    double? LearningRate = null, int? BatchSize = null, int? Seed = null, string? Name = null, string? Architecture = null);

/// <summary>Parameters of a generation job (POST /api/generate).</summary>
/// <param name="Model">Trained model id.</param>
/// <param name="Mode">random, interpolate, hybrid, blend or all.</param>
/// <param name="Count">Stems to make (1 to 256).</param>
/// <param name="Seed">Seed of latents, stem choice and phase, for repeatable output; null: from the clock (and recorded).</param>
/// <param name="Stems">Parent stems (interpolate: two; hybrid: one or more).</param>
/// <param name="OtherModel">Second model (blend).</param>
/// <param name="Noise">Latent noise for hybrid, 0…1.</param>
/// <param name="Phase">griffinlim (default) or random.</param>
/// <param name="Mix">Share of the second model in a blend, 0…1 (default 0.5).</param>
/// <param name="Version">Model version (default: the default version).</param>
/// <param name="Seconds">Output length in seconds (default: the material's).</param>
/// <param name="Bars">Output length in bars at the material's tempo.</param>
public sealed record GenerateRequest(string Model, string Mode = "random", int Count = 4, int? Seed = null,
    IReadOnlyList<long>? Stems = null, string? OtherModel = null, double? Noise = null, string? Phase = null,
    double? Mix = null, string? Version = null, double? Seconds = null, int? Bars = null);
