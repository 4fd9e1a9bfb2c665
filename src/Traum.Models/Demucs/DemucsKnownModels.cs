using Traum.Core;

namespace Traum.Models.Demucs;

/// <summary>One downloadable form of a known model: its precision and graph files.</summary>
/// <param name="Name">Variant name for <c>traum models pull STORE_NAME --variant NAME</c> ("fp32", "fp16").</param>
/// <param name="Precision">What the numbers are, for listings, e.g. "fp32" or "fp16 weights, float32 inputs/outputs".</param>
/// <param name="Graphs">Graph files (repository paths) and the stems taken from each.</param>
/// <param name="Sizes">Published sizes in bytes by file, where known (checked at download; else the hub's are used).</param>
/// <param name="Sha256">Published SHA-256 sums by file, where known (else the hub's LFS sums are used).</param>
public sealed record DemucsKnownVariant(string Name, string Precision, IReadOnlyList<DemucsGraphEntry> Graphs,
    IReadOnlyDictionary<string, long>? Sizes = null, IReadOnlyDictionary<string, string>? Sha256 = null);

/// <summary>A public Demucs ONNX export Traum knows how to fetch and run.</summary>
/// <param name="Model">The model name used with <c>--model</c> (demucs' own names: htdemucs, htdemucs_6s, htdemucs_ft). Several sources may give the same model.</param>
/// <param name="StoreName">Its name in the model store (<c>traum models pull STORE_NAME</c>) and folder under the models path; unique.</param>
/// <param name="Repo">Hugging Face repository holding the graph(s).</param>
/// <param name="Revision">Branch or commit the files are fetched at.</param>
/// <param name="Description">One line for listings.</param>
/// <param name="Contract">The graph contract of the repository's export.</param>
/// <param name="Sources">Source names in the order of the graphs' S dimension.</param>
/// <param name="Variants">The downloadable forms, the default first.</param>
public sealed record DemucsKnownModel(string Model, string StoreName, string Repo, string Revision, string Description,
    DemucsContract Contract, IReadOnlyList<string> Sources, IReadOnlyList<DemucsKnownVariant> Variants)
{
    /// <summary>The default variant's manifest.</summary>
    public DemucsManifest Manifest => ManifestFor(Variants[0]);

    /// <summary>
    /// The manifest Traum runs for <paramref name="variant"/> (sample rate 44 100 Hz, segment 343 980 samples). Its name
    /// is the model name for fp32 weights and "MODEL_VARIANT" otherwise (e.g. htdemucs_ft_fp16), so stems of different
    /// precisions get their own output folders and "already separated" records.
    /// </summary>
    public DemucsManifest ManifestFor(DemucsKnownVariant variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        var name = variant.Name == "fp32" ? Model : $"{Model}_{variant.Name}";
        return new DemucsManifest(name, Sources, DemucsKnownModels.SampleRate, DemucsKnownModels.Segment, variant.Graphs)
        {
            Contract = DemucsContracts.Name(Contract),
        };
    }

    /// <summary>Contract and precision(s), for listings: "full graph (STFT inside); fp32 | fp16: fp16 weights, float32 inputs/outputs".</summary>
    public string Format => $"{DemucsContracts.Describe(Contract)}; " + string.Join(" | ", Variants.Select(v => v.Name == v.Precision ? v.Name : $"{v.Name}: {v.Precision}"));
}

/// <summary>
/// The known public htdemucs exports, each with its repository's real file names, contract and precision. File names
/// are those the repositories published when this list was written; a graph that fits neither contract is refused at
/// load with its actual inputs and outputs. Sizes and SHA-256 sums are recorded where they were published for a pinned
/// revision; every other file is checked against the hub's LFS sums at download.
/// </summary>
public static class DemucsKnownModels
{
    internal const int SampleRate = 44100;
    internal const int Segment = 343980;
    private static readonly string[] s_four = ["drums", "bass", "other", "vocals"];
    private static readonly string[] s_six = ["drums", "bass", "other", "vocals", "guitar", "piano"];

    /// <summary>The default model.</summary>
    public const string Default = "htdemucs";

    private static DemucsGraphEntry[] Specialists(string pattern) => [.. s_four.Select(s => new DemucsGraphEntry(string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, s), [s]))];

    /// <summary>All known sources, in the order they are preferred when several give the same model.</summary>
    public static IReadOnlyList<DemucsKnownModel> All { get; } =
    [
        new("htdemucs", "demucs", "Ghilda/htdemucs-onnx", "850cd89461d0817276337061c29e6abceb86d75f",
            "Demucs v4 htdemucs (4 stems: drums, bass, other, vocals), 44.1 kHz",
            DemucsContract.Split, s_four,
            [
                new("fp32", "fp32", [new DemucsGraphEntry("htdemucs.onnx")],
                    new Dictionary<string, long> { ["htdemucs.onnx"] = 174_266_088 },
                    new Dictionary<string, string> { ["htdemucs.onnx"] = "e528a932a7d091e15938369135569884b62c2193fb11044c3d4a0d4c7b9221af" }),
            ]),
        new("htdemucs", "demucs-full", "StemSplitio/htdemucs-onnx", "d54ed9eb60e258ea82131c6ee14578628816456a",
            "Demucs v4 htdemucs (4 stems), 44.1 kHz, the same weights exported with the STFT inside the graph",
            DemucsContract.Full, s_four,
            [
                new("fp32", "fp32", [new DemucsGraphEntry("htdemucs.onnx")],
                    new Dictionary<string, long> { ["htdemucs.onnx"] = 316_446_953 }),
                new("fp16", "fp16 weights, float32 inputs/outputs", [new DemucsGraphEntry("htdemucs_fp16weights.onnx")],
                    new Dictionary<string, long> { ["htdemucs_fp16weights.onnx"] = 165_612_636 },
                    new Dictionary<string, string> { ["htdemucs_fp16weights.onnx"] = "d05c269d0178d2a72ad484b10b11dd370193fc923201c3b27a99f848745db70a" }),
            ]),
        new("htdemucs_6s", "demucs-6s", "StemSplitio/htdemucs-6s-onnx", "main",
            "Demucs v4 htdemucs_6s (6 stems: + guitar, piano), 44.1 kHz",
            DemucsContract.Full, s_six,
            [
                new("fp32", "fp32", [new DemucsGraphEntry("htdemucs_6s.onnx")]),
                new("fp16", "fp16 weights, float32 inputs/outputs", [new DemucsGraphEntry("htdemucs_6s_fp16weights.onnx")]),
            ]),
        new("htdemucs_ft", "demucs-ft", "StemSplitio/htdemucs-ft-onnx", "main",
            "Demucs v4 htdemucs_ft (4 fine-tuned specialists, one per stem), 44.1 kHz, about 316 MB per specialist",
            DemucsContract.Full, s_four,
            [new("fp32", "fp32", Specialists("htdemucs_ft_{0}.onnx"))]),
        new("htdemucs_ft", "demucs-ft-fp16", "monteslu/htdemucs-ft-webgpu", "main",
            "Demucs v4 htdemucs_ft (4 fine-tuned specialists), 44.1 kHz, about 84 MB per specialist",
            DemucsContract.Split, s_four,
            [new("fp16", "fp16 weights, float32 inputs/outputs", Specialists("htdemucs_ft_{0}_safe16.onnx"))]),
    ];

    /// <summary>The known source called <paramref name="name"/>: its store name, else the first source of that model name; or null.</summary>
    public static DemucsKnownModel? Find(string name) =>
        All.FirstOrDefault(m => string.Equals(m.StoreName, name, StringComparison.OrdinalIgnoreCase))
        ?? All.FirstOrDefault(m => string.Equals(m.Model, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every source of <paramref name="name"/>: the one with that store name, or all sources of that model name.</summary>
    public static IReadOnlyList<DemucsKnownModel> Sources(string name)
    {
        var byStore = All.Where(m => string.Equals(m.StoreName, name, StringComparison.OrdinalIgnoreCase)).ToList();
        return byStore.Count > 0 ? byStore : All.Where(m => string.Equals(m.Model, name, StringComparison.OrdinalIgnoreCase)).ToList();
    }

    /// <summary>Environment variable naming a folder with a user's own export (graph(s) + model.json).</summary>
    public const string PathVariable = "TRAUM_DEMUCS_MODEL";

    /// <summary>
    /// Finds the folder and manifest to run: <paramref name="modelPath"/> if given, else <c>TRAUM_DEMUCS_MODEL</c>,
    /// else the store folder of the first installed source of <paramref name="model"/> (a model name such as
    /// htdemucs_ft, or a store name such as demucs-ft-fp16) under <paramref name="modelsPath"/>, with the first variant
    /// whose files are all there. A folder's own <c>model.json</c> wins over the built-in manifest.
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
        var sources = Sources(model);
        if (sources.Count == 0)
        {
            throw new ModelNotFoundException(
                $"Unknown Demucs model '{model}'. Known: {string.Join(", ", All.Select(m => m.Model).Distinct())}; or use --model-path DIR (or {PathVariable}) with your own export and a model.json (see docs/separation.md).");
        }
        foreach (var known in sources)
        {
            var dir = Path.Combine(modelsPath, known.StoreName);
            if (File.Exists(Path.Combine(dir, DemucsManifest.FileName))) return (dir, DemucsManifest.Load(dir));
            var variant = known.Variants.FirstOrDefault(v => v.Graphs.All(g => File.Exists(Path.Combine(dir, g.File))));
            if (variant is not null) return (dir, known.ManifestFor(variant));
        }
        var first = sources[0];
        var firstDir = Path.Combine(modelsPath, first.StoreName);
        var missing = first.Variants[0].Graphs.Where(g => !File.Exists(Path.Combine(firstDir, g.File))).Select(g => g.File).ToList();
        var pulls = string.Join(" or ", sources.Select(s => $"'traum models pull {s.StoreName}'"));
        throw new ModelNotFoundException(
            $"Demucs model '{first.Model}' is not installed ({string.Join(", ", missing)} missing in {firstDir}). Run {pulls}, or use --model-path DIR (or {PathVariable}) with your own export.");
    }
}
