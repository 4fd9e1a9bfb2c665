namespace Traum.Models.Clap;

/// <summary>CLAP settings, bound from the <c>models:clap</c> section (e.g. <c>TRAUM_MODELS__CLAP__BATCHSIZE</c>).</summary>
public sealed record ClapOptions
{
    /// <summary>
    /// A folder holding the model files (a user's own export); when set, the store is not used.
    /// The environment variable <c>TRAUM_CLAP_MODEL</c> is used when this is empty.
    /// </summary>
    public string? Path { get; init; }

    /// <summary>Which graphs to run: fp32 (default), quantized or fp16.</summary>
    public string Variant { get; init; } = "fp32";

    /// <summary>10 s windows per audio-graph run; also the largest text batch (texts of equal token length).</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>ONNX Runtime intra-op threads per session; 0 lets ONNX Runtime choose (one per core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Text embeddings kept in the least-recently-used cache; 0 disables it.</summary>
    public int TextCacheSize { get; init; } = 1024;
}
