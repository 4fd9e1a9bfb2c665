using System.Text.Json;
using Traum.Core;
using Traum.Models.Store;

namespace Traum.Models.Clap;

/// <summary>Where the CLAP model's files came from.</summary>
public enum ClapModelSource
{
    /// <summary>A folder named by <c>models:clap:path</c> or <c>TRAUM_CLAP_MODEL</c>.</summary>
    Explicit,
    /// <summary>Traum's model store (<c>traum models pull clap</c>).</summary>
    Store,
    /// <summary>A Hugging Face hub cache.</summary>
    HubCache,
}

/// <summary>The files of one CLAP variant, found and checked.</summary>
public sealed record ClapModelFiles(
    string AudioModel, string TextModel, string Vocab, string Merges, string PreprocessorConfig, string? Config,
    string Variant, ClapModelSource Source, string ModelName)
{
    /// <summary>Identifies the embedding space: <c>clap:{model}:{variant}</c>.</summary>
    public string ModelId => $"clap:{ModelName}:{Variant}";

    /// <summary>Human-readable origin for messages.</summary>
    public string Origin => Source switch
    {
        ClapModelSource.Explicit => $"folder {Path.GetDirectoryName(Vocab)}",
        ClapModelSource.Store => $"the model store ({Path.GetDirectoryName(Vocab)})",
        _ => "the Hugging Face cache",
    };
}

/// <summary>
/// Finds CLAP's files: an explicit folder (<see cref="ClapOptions.Path"/>, else <c>TRAUM_CLAP_MODEL</c>), else the
/// model store, else a Hugging Face hub cache. Explicit folders are checked for presence and
/// <c>preprocessor_config.json</c> (and the graphs' inputs and outputs when the sessions open), not against the
/// registry's sums, so users can run their own exports.
/// </summary>
public static class ClapModelLocator
{
    /// <summary>Environment variable naming an explicit model folder.</summary>
    public const string PathVariable = "TRAUM_CLAP_MODEL";

    /// <summary>Locates the files of <see cref="ClapOptions.Variant"/>.</summary>
    /// <exception cref="ModelNotFoundException">Not found anywhere (the message lists where Traum looked and the command that fixes it), or the folder is incomplete, or its preprocessor_config.json differs.</exception>
    public static ClapModelFiles Locate(ClapOptions options, ModelStore store)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        var variant = NormalizeVariant(options.Variant);
        var explicitPath = !string.IsNullOrWhiteSpace(options.Path) ? options.Path
            : Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } env ? env : null;
        if (explicitPath is not null) return FromFolder(explicitPath, variant);

        var def = ClapModelDefinition.Definition;
        var modelName = def.Repo[(def.Repo.IndexOf('/', StringComparison.Ordinal) + 1)..];
        var audioPath = ClapModelDefinition.AudioModelPath(variant);
        var textPath = ClapModelDefinition.TextModelPath(variant);
        string[] needed = [audioPath, textPath, "vocab.json", "merges.txt", "preprocessor_config.json"];

        if (store.InstalledVariants(def).Contains(variant, StringComparer.Ordinal))
        {
            var p = needed.Select(n => store.InstalledFile(def, n)!).ToArray();
            ClapPreprocessorConfig.Validate(p[4]);
            return new ClapModelFiles(p[0], p[1], p[2], p[3], p[4], store.InstalledFile(def, "config.json"), variant, ClapModelSource.Store, modelName);
        }

        var cached = needed.Select(n => store.FindInHubCache(def, n)).ToArray();
        if (cached.All(c => c is not null))
        {
            ClapPreprocessorConfig.Validate(cached[4]!);
            return new ClapModelFiles(cached[0]!, cached[1]!, cached[2]!, cached[3]!, cached[4]!, store.FindInHubCache(def, "config.json"),
                variant, ClapModelSource.HubCache, modelName);
        }

        throw new ModelNotFoundException(
            $"The CLAP model ({variant}) is not installed. Looked in the model store ({store.FolderOf(def.Name)}), " +
            $"the Hugging Face cache ({string.Join(", ", store.HubCacheFolders(def))}), and {PathVariable} / models:clap:path (not set). " +
            $"Fix: run `{ModelStore.PullCommand(def, variant)}` (downloads {def.Repo} from {store.Endpoint}), " +
            $"or set {PathVariable}=DIR to a folder with {audioPath}, {textPath}, vocab.json, merges.txt and preprocessor_config.json.");
    }

    /// <summary>The files of a variant in a user's folder (graphs in <c>DIR/onnx/</c> or <c>DIR/</c>).</summary>
    /// <exception cref="ModelNotFoundException">The folder or a file is missing, or preprocessor_config.json differs.</exception>
    public static ClapModelFiles FromFolder(string folder, string variant)
    {
        ArgumentNullException.ThrowIfNull(folder);
        variant = NormalizeVariant(variant);
        var dir = Path.GetFullPath(folder);
        var hint = $"(set by models:clap:path or {PathVariable}; unset it to use `traum models pull clap` instead)";
        if (!Directory.Exists(dir)) throw new ModelNotFoundException($"The CLAP model folder {dir} does not exist {hint}.");
        string? Graph(string repoPath)
        {
            var name = Path.GetFileName(repoPath);
            return new[] { Path.Combine(dir, "onnx", name), Path.Combine(dir, name) }.FirstOrDefault(File.Exists);
        }
        var audio = Graph(ClapModelDefinition.AudioModelPath(variant));
        var text = Graph(ClapModelDefinition.TextModelPath(variant));
        var vocab = Path.Combine(dir, "vocab.json");
        var merges = Path.Combine(dir, "merges.txt");
        var pre = Path.Combine(dir, "preprocessor_config.json");
        var missing = new List<string>();
        if (audio is null) missing.Add($"onnx/{Path.GetFileName(ClapModelDefinition.AudioModelPath(variant))}");
        if (text is null) missing.Add($"onnx/{Path.GetFileName(ClapModelDefinition.TextModelPath(variant))}");
        foreach (var f in new[] { vocab, merges, pre }.Where(f => !File.Exists(f))) missing.Add(Path.GetFileName(f));
        if (missing.Count > 0)
        {
            throw new ModelNotFoundException($"The CLAP model folder {dir} lacks {string.Join(", ", missing)} for variant {variant} {hint}.");
        }
        ClapPreprocessorConfig.Validate(pre);
        var config = Path.Combine(dir, "config.json");
        var configPath = File.Exists(config) ? config : null;
        return new ClapModelFiles(audio!, text!, vocab, merges, pre, configPath, variant, ClapModelSource.Explicit, NameFromConfig(configPath) ?? Path.GetFileName(dir.TrimEnd(Path.DirectorySeparatorChar)));
    }

    private static string NormalizeVariant(string? variant)
    {
        var v = string.IsNullOrWhiteSpace(variant) ? "fp32" : variant.Trim().ToLowerInvariant();
        if (!ClapModelDefinition.Variants.Contains(v, StringComparer.Ordinal))
        {
            throw new InvalidInputException($"Unknown CLAP variant '{variant}'; use one of {string.Join(", ", ClapModelDefinition.Variants)} (setting models:clap:variant).");
        }
        return v;
    }

    /// <summary>The last segment of config.json's <c>_name_or_path</c>, if any.</summary>
    private static string? NameFromConfig(string? configPath)
    {
        if (configPath is null) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(configPath));
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("_name_or_path", out var n)
                && n.GetString() is { Length: > 0 } name)
            {
                return name[(name.LastIndexOf('/') + 1)..];
            }
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
        return null;
    }
}
