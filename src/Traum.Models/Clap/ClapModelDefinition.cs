using Traum.Models.Store;

namespace Traum.Models.Clap;

/// <summary>Registry entry of the CLAP model (laion/larger_clap_music_and_speech as exported to ONNX by Xenova).</summary>
public sealed class ClapModelDefinition : IModelDefinitionProvider
{
    /// <summary>Name on the command line and folder name in the store.</summary>
    public const string Name = "clap";

    /// <summary>Hub repository.</summary>
    public const string Repo = "Xenova/larger_clap_music_and_speech";

    /// <summary>Variants: fp32 (default), quantized (int8 weights), fp16.</summary>
    public static IReadOnlyList<string> Variants { get; } = ["fp32", "quantized", "fp16"];

    /// <summary>Repository path of the audio graph of a variant.</summary>
    public static string AudioModelPath(string variant) => $"onnx/audio_model{Suffix(variant)}.onnx";

    /// <summary>Repository path of the text graph of a variant.</summary>
    public static string TextModelPath(string variant) => $"onnx/text_model{Suffix(variant)}.onnx";

    /// <summary>
    /// The entry. Sizes and sums are left to the hub (its LFS SHA-256 for the graphs, git blob ids for the
    /// JSON/text files) because they could not be read from here; pin them by filling <see cref="ModelFile.Size"/>
    /// and <see cref="ModelFile.Sha256"/>.
    /// </summary>
    public static ModelDefinition Definition { get; } = new(Name, Repo, "main",
        "CLAP audio/text embeddings (laion/larger_clap_music_and_speech, ONNX), 512-d, 48 kHz",
        [
            new("onnx/audio_model.onnx", "audio encoder (HTS-AT), float32", "fp32"),
            new("onnx/text_model.onnx", "text encoder (RoBERTa), float32", "fp32"),
            new("onnx/audio_model_quantized.onnx", "audio encoder, int8-quantized weights", "quantized"),
            new("onnx/text_model_quantized.onnx", "text encoder, int8-quantized weights", "quantized"),
            new("onnx/audio_model_fp16.onnx", "audio encoder, float16 weights", "fp16"),
            new("onnx/text_model_fp16.onnx", "text encoder, float16 weights", "fp16"),
            new("tokenizer.json", "tokenizer (reference; Traum reads vocab.json + merges.txt)"),
            new("vocab.json", "byte-level BPE vocabulary (50 265 ids)"),
            new("merges.txt", "byte-level BPE merges"),
            new("preprocessor_config.json", "feature extractor settings (checked against Traum's)"),
            new("config.json", "model configuration"),
        ],
        Variants)
    {
        PathVariable = "TRAUM_CLAP_MODEL",
    };

    /// <inheritdoc/>
    public IEnumerable<ModelDefinition> Definitions => [Definition];

    private static string Suffix(string variant) => (variant ?? throw new ArgumentNullException(nameof(variant))).ToUpperInvariant() switch
    {
        "FP32" => "",
        "QUANTIZED" => "_quantized",
        "FP16" => "_fp16",
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "Variants are fp32, quantized and fp16."),
    };
}
