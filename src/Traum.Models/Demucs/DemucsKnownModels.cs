using Traum.Core;

namespace Traum.Models.Demucs;

/// <summary>A public split-graph Demucs export Traum knows how to fetch and run.</summary>
/// <param name="Model">The model name used with <c>--model</c> (demucs' own names: htdemucs, htdemucs_6s, htdemucs_ft).</param>
/// <param name="StoreName">Its name in the model store (<c>traum models pull STORE_NAME</c>) and folder under the models path.</param>
/// <param name="Repo">Hugging Face repository holding the graph(s).</param>
/// <param name="Description">One line for listings.</param>
/// <param name="Manifest">Sources, rate, segment and graph files (repository paths).</param>
public sealed record DemucsKnownModel(string Model, string StoreName, string Repo, string Description, DemucsManifest Manifest);

/// <summary>
/// The known exports with the split-graph contract of DESIGN.md (STFT outside the graph; inputs mix [1,2,343980] and
/// spec [1,4,2048,336]). File names are those the repositories published when this list was written; a graph that
/// does not match the contract is refused at load with its actual shapes.
/// </summary>
public static class DemucsKnownModels
{
    private const int Rate = 44100;
    private const int Segment = 343980;
    private static readonly string[] s_four = ["drums", "bass", "other", "vocals"];
    private static readonly string[] s_six = ["drums", "bass", "other", "vocals", "guitar", "piano"];

    /// <summary>The default model.</summary>
    public const string Default = "htdemucs";

    /// <summary>All known models.</summary>
    public static IReadOnlyList<DemucsKnownModel> All { get; } =
    [
        new("htdemucs", "demucs", "Ghilda/htdemucs-onnx",
            "Demucs v4 htdemucs (4 stems: drums, bass, other, vocals), split ONNX graph, 44.1 kHz",
            new DemucsManifest("htdemucs", s_four, Rate, Segment, [new DemucsGraphEntry("htdemucs.onnx")])),
        new("htdemucs_6s", "demucs-6s", "Ghilda/htdemucs-onnx",
            "Demucs v4 htdemucs_6s (6 stems: + guitar, piano), split ONNX graph, 44.1 kHz",
            new DemucsManifest("htdemucs_6s", s_six, Rate, Segment, [new DemucsGraphEntry("htdemucs_6s.onnx")])),
        new("htdemucs_ft", "demucs-ft", "StemSplitio/htdemucs-ft-onnx",
            "Demucs v4 htdemucs_ft (4 fine-tuned specialists, one per stem), split ONNX graphs, 44.1 kHz",
            new DemucsManifest("htdemucs_ft", s_four, Rate, Segment,
            [
                new DemucsGraphEntry("htdemucs_ft_drums.onnx", ["drums"]),
                new DemucsGraphEntry("htdemucs_ft_bass.onnx", ["bass"]),
                new DemucsGraphEntry("htdemucs_ft_other.onnx", ["other"]),
                new DemucsGraphEntry("htdemucs_ft_vocals.onnx", ["vocals"]),
            ])),
    ];

    /// <summary>The known model called <paramref name="name"/> (its model name or store name), or null.</summary>
    public static DemucsKnownModel? Find(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Model, name, StringComparison.OrdinalIgnoreCase) || string.Equals(m.StoreName, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Environment variable naming a folder with a user's own export (graph(s) + model.json).</summary>
    public const string PathVariable = "TRAUM_DEMUCS_MODEL";

    /// <summary>
    /// Finds the folder and manifest to run: <paramref name="modelPath"/> if given, else <c>TRAUM_DEMUCS_MODEL</c>,
    /// else the store folder of the known model <paramref name="model"/> under <paramref name="modelsPath"/>.
    /// A folder's own <c>model.json</c> wins over the built-in manifest.
    /// </summary>
    /// <exception cref="ModelNotFoundException">Nothing usable there; the message says which command or flag fixes it.</exception>
    public static (string Folder, DemucsManifest Manifest) Resolve(string model, string? modelPath, string modelsPath)
    {
        ArgumentNullException.ThrowIfNull(model);
        var folder = modelPath;
        if (string.IsNullOrWhiteSpace(folder)) folder = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrWhiteSpace(folder))
        {
            folder = Path.GetFullPath(folder);
            return (folder, DemucsManifest.Load(folder));
        }
        var known = Find(model) ?? throw new ModelNotFoundException(
            $"Unknown Demucs model '{model}'. Known: {string.Join(", ", All.Select(m => m.Model))}; or use --model-path DIR (or {PathVariable}) with your own export and a model.json (see docs/separation.md).");
        folder = Path.Combine(modelsPath, known.StoreName);
        if (File.Exists(Path.Combine(folder, DemucsManifest.FileName))) return (folder, DemucsManifest.Load(folder));
        var missing = known.Manifest.Graphs.Where(g => !File.Exists(Path.Combine(folder, g.File))).Select(g => g.File).ToList();
        if (missing.Count > 0)
        {
            throw new ModelNotFoundException(
                $"Demucs model '{known.Model}' is not installed ({string.Join(", ", missing)} missing in {folder}). Run 'traum models pull {known.StoreName}', or use --model-path DIR (or {PathVariable}) with your own export.");
        }
        return (folder, known.Manifest);
    }
}
