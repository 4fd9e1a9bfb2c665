using System.Text.Json;
using System.Text.Json.Serialization;
using Traum.Core;

namespace Traum.Models.Demucs;

/// <summary>One ONNX graph of a Demucs model and the stems taken from it.</summary>
/// <param name="File">Graph file name, relative to the model folder.</param>
/// <param name="Stems">The sources this graph is used for (a specialist of a bag); null or empty: all sources.</param>
public sealed record DemucsGraphEntry(string File, IReadOnlyList<string>? Stems = null);

/// <summary>
/// What Traum must know about a Demucs export: the order of its sources, its sample rate, its segment and,
/// optionally, its graph contract and how closely its stems add up to the mix. Stored as <c>model.json</c> beside
/// the graph(s) (see docs/separation.md).
/// </summary>
/// <param name="Name">Model name, e.g. "htdemucs"; part of the output folder and the "already separated" key.</param>
/// <param name="Sources">Source names in the order of the graphs' S dimension (4 or 6 of drums, bass, other, vocals, guitar, piano).</param>
/// <param name="SampleRate">Sample rate the model was trained at, Hz (44 100 for htdemucs).</param>
/// <param name="Segment">Chunk length in samples, the last dimension of the <c>mix</c> input (343 980 = 7.8 s for htdemucs).</param>
/// <param name="Graphs">One graph (all sources) or one per specialist (bag of models such as htdemucs_ft).</param>
public sealed record DemucsManifest(string Name, IReadOnlyList<string> Sources, int SampleRate, int Segment, IReadOnlyList<DemucsGraphEntry> Graphs)
{
    /// <summary>File name of the manifest inside a model folder.</summary>
    public const string FileName = "model.json";

    /// <summary>
    /// Default of <see cref="SumTolerance"/>: the stems of one chunk may differ from the chunk by 10 % in RMS (−20 dB).
    /// Demucs does not force its stems to add up to the mix, but a trained htdemucs misses by far less than this;
    /// a wrong channel packing typically misses by tens of percent or more.
    /// </summary>
    public const double DefaultSumTolerance = 0.1;

    /// <summary>
    /// The graph contract: "split" (STFT outside the graph) or "full" (STFT inside). Null: detected from each graph's
    /// inputs and outputs. When given, a graph with the other contract is refused.
    /// </summary>
    public string? Contract { get; init; }

    /// <summary>
    /// Largest relative RMS error ‖Σ stems − chunk‖ / ‖chunk‖ that <c>traum models verify</c> accepts on one chunk of
    /// generated audio; null: <see cref="DefaultSumTolerance"/>.
    /// </summary>
    public double? SumTolerance { get; init; }

    /// <summary>The declared contract, or null to detect it.</summary>
    [JsonIgnore]
    public DemucsContract? DeclaredContract => DemucsContracts.Parse(Contract);

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads and validates <c>model.json</c> in <paramref name="folder"/>, checking that every graph file exists.</summary>
    /// <exception cref="ModelNotFoundException">The folder, the manifest or a graph is missing, or the manifest is invalid.</exception>
    public static DemucsManifest Load(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var path = Path.Combine(folder, FileName);
        if (!Directory.Exists(folder))
        {
            throw new ModelNotFoundException($"Demucs model folder '{folder}' does not exist. Run 'traum models pull demucs', or point --model-path (or TRAUM_DEMUCS_MODEL) at a folder holding the graph(s) and a model.json (see docs/separation.md).");
        }
        if (!File.Exists(path))
        {
            throw new ModelNotFoundException($"'{folder}' has no {FileName}. Add one that names the sources, sample rate, segment and graph file(s) (see docs/separation.md), or run 'traum models pull demucs'.");
        }
        DemucsManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<DemucsManifest>(File.ReadAllText(path), s_json);
        }
        catch (JsonException e)
        {
            throw new ModelNotFoundException($"{path} is not valid JSON ({e.Message}); fix it as docs/separation.md describes.", e);
        }
        if (manifest is null) throw new ModelNotFoundException($"{path} is empty; fix it as docs/separation.md describes.");
        manifest.Validate(path);
        foreach (var g in manifest.Graphs)
        {
            var file = Path.Combine(folder, g.File);
            if (!File.Exists(file))
            {
                throw new ModelNotFoundException($"{path} names graph '{g.File}', which is not in '{folder}'. Run 'traum models pull demucs' again or copy the file there.");
            }
        }
        return manifest;
    }

    /// <summary>Writes this manifest as <c>model.json</c> into <paramref name="folder"/>.</summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, s_json));
    }

    /// <summary>Checks the manifest's own consistency.</summary>
    /// <exception cref="ModelNotFoundException">Something is missing or inconsistent; the message says what.</exception>
    public void Validate(string where)
    {
        string Bad(string what) => $"{where}: {what}; fix it as docs/separation.md describes.";
        if (string.IsNullOrWhiteSpace(Name)) throw new ModelNotFoundException(Bad("'name' is missing"));
        if (Sources is null || Sources.Count == 0) throw new ModelNotFoundException(Bad("'sources' is missing or empty"));
        if (Sources.Any(string.IsNullOrWhiteSpace)) throw new ModelNotFoundException(Bad("'sources' holds an empty name"));
        if (Sources.Distinct(StringComparer.OrdinalIgnoreCase).Count() != Sources.Count) throw new ModelNotFoundException(Bad("'sources' names a source twice"));
        if (SampleRate is < 8000 or > 384000) throw new ModelNotFoundException(Bad($"'sampleRate' {SampleRate} Hz is not a plausible rate"));
        if (Segment < DemucsGeometry.NFft) throw new ModelNotFoundException(Bad($"'segment' {Segment} samples is shorter than one STFT frame ({DemucsGeometry.NFft})"));
        if (Graphs is null || Graphs.Count == 0) throw new ModelNotFoundException(Bad("'graphs' is missing or empty"));
        if (Contract is not null && DemucsContracts.Parse(Contract) is null) throw new ModelNotFoundException(Bad($"'contract' is '{Contract}'; use \"split\" (STFT outside the graph) or \"full\" (STFT inside), or leave it out to detect it"));
        if (SumTolerance is { } tol && (double.IsNaN(tol) || tol <= 0 || tol > 10)) throw new ModelNotFoundException(Bad($"'sumTolerance' {tol} must be a relative error above 0 (e.g. 0.1)"));
        var covered = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var g in Graphs)
        {
            if (string.IsNullOrWhiteSpace(g.File)) throw new ModelNotFoundException(Bad("a graph has no 'file'"));
            if (Path.IsPathRooted(g.File) || g.File.Contains("..", StringComparison.Ordinal)) throw new ModelNotFoundException(Bad($"graph '{g.File}' must be a file name inside the model folder"));
            foreach (var stem in StemsOf(g))
            {
                if (!Sources.Contains(stem, StringComparer.OrdinalIgnoreCase)) throw new ModelNotFoundException(Bad($"graph '{g.File}' names stem '{stem}', which is not in 'sources'"));
                if (!covered.Add(stem)) throw new ModelNotFoundException(Bad($"stem '{stem}' comes from more than one graph"));
            }
        }
        var missing = Sources.Where(s => !covered.Contains(s)).ToList();
        if (missing.Count > 0) throw new ModelNotFoundException(Bad($"no graph gives stem(s) {string.Join(", ", missing)}"));
    }

    /// <summary>The stems taken from <paramref name="graph"/>: its own list, or all sources.</summary>
    public IReadOnlyList<string> StemsOf(DemucsGraphEntry graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return graph.Stems is { Count: > 0 } s ? s : Sources;
    }

    /// <summary>Index of <paramref name="source"/> in <see cref="Sources"/> (case-insensitive), or -1.</summary>
    public int IndexOf(string source)
    {
        for (var i = 0; i < Sources.Count; i++)
        {
            if (string.Equals(Sources[i], source, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return -1;
    }
}
