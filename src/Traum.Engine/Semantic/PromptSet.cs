using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Traum.Core;

namespace Traum.Engine.Semantic;

/// <summary>One label of a family and the text prompts that describe it.</summary>
/// <param name="Name">Label name, e.g. "dark".</param>
/// <param name="Prompts">One or more phrasings; the label's text embedding is the normalised mean of theirs.</param>
public sealed record PromptLabel(string Name, IReadOnlyList<string> Prompts);

/// <summary>A family of mutually exclusive labels (energy, mood, texture, movement, space).</summary>
/// <param name="Name">Family name, e.g. "energy".</param>
/// <param name="Labels">Its labels; a stem's scores over them sum to 1 (softmax).</param>
public sealed record PromptFamily(string Name, IReadOnlyList<PromptLabel> Labels);

/// <summary>
/// The prompts of the semantic profile: families of labels with their phrasings, and the logit scale applied to
/// cosines before the softmax. Loaded from <c>&lt;library&gt;/prompts.json</c> when present, else the built-in
/// set. <see cref="Hash"/> identifies the set: profiles made with another hash are recomputed.
/// </summary>
public sealed class PromptSet
{
    /// <summary>The file in a library folder that overrides the built-in prompts.</summary>
    public const string FileName = "prompts.json";

    private const string ResourceName = "Traum.Engine.Semantic.prompts.json";

    private PromptSet(IReadOnlyList<PromptFamily> families, double scale, string source)
    {
        Families = families;
        Scale = scale;
        Source = source;
        Hash = ComputeHash(families, scale);
    }

    /// <summary>The families, in file order.</summary>
    public IReadOnlyList<PromptFamily> Families { get; }

    /// <summary>Multiplier of cosine similarities before the softmax (CLAP's own logit scale is about 100).</summary>
    public double Scale { get; }

    /// <summary>"built-in" or the path of the file the set came from.</summary>
    public string Source { get; }

    /// <summary>First 16 hex digits of the SHA-256 of the families, labels, prompts (in order) and scale.</summary>
    public string Hash { get; }

    /// <summary>The built-in prompt set (embedded in the engine).</summary>
    public static PromptSet BuiltIn { get; } = LoadBuiltIn();

    /// <summary>The built-in prompts as JSON text (what <c>traum</c> writes when a user asks for an editable copy).</summary>
    public static string BuiltInJson()
    {
        using var stream = typeof(PromptSet).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// The prompts for a library: <paramref name="explicitPath"/> if given, else <c>&lt;library&gt;/prompts.json</c>
    /// if it exists, else the built-in set. <paramref name="scaleOverride"/> replaces the file's scale.
    /// </summary>
    /// <exception cref="InvalidInputException">The file is missing (when named explicitly) or malformed.</exception>
    public static PromptSet Load(string libraryPath, string? explicitPath = null, double? scaleOverride = null)
    {
        var path = explicitPath ?? Path.Combine(libraryPath, FileName);
        PromptSet set;
        if (File.Exists(path))
        {
            set = Parse(File.ReadAllText(path), path);
        }
        else if (explicitPath is not null)
        {
            throw new InvalidInputException($"Prompt file {explicitPath} does not exist; fix the 'semantic:prompts' setting or remove it to use the built-in prompts.");
        }
        else
        {
            set = BuiltIn;
        }
        return scaleOverride is { } s ? set.WithScale(s) : set;
    }

    /// <summary>This set with another scale (and so another hash).</summary>
    public PromptSet WithScale(double scale)
    {
        CheckScale(scale, Source);
        return new PromptSet(Families, scale, Source);
    }

    /// <summary>
    /// Parses prompts JSON: <c>{"scale": 100, "families": {"energy": {"calm": ["…", "…"], …}, …}}</c>.
    /// Order of families and labels is kept. Each family needs two or more labels, each label one or more prompts.
    /// </summary>
    /// <exception cref="InvalidInputException">Malformed JSON or structure; the message names the file and the problem.</exception>
    public static PromptSet Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw Bad(source, $"is not valid JSON ({e.Message})");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad(source, "must be a JSON object with \"scale\" and \"families\"");
            var scale = 100.0;
            if (root.TryGetProperty("scale", out var s))
            {
                if (s.ValueKind != JsonValueKind.Number) throw Bad(source, "\"scale\" must be a number");
                scale = s.GetDouble();
            }
            CheckScale(scale, source);
            if (!root.TryGetProperty("families", out var fams) || fams.ValueKind != JsonValueKind.Object)
            {
                throw Bad(source, "needs a \"families\" object: {\"energy\": {\"calm\": [\"a calm sound\"], …}, …}");
            }
            var families = new List<PromptFamily>();
            foreach (var fam in fams.EnumerateObject())
            {
                if (fam.Value.ValueKind != JsonValueKind.Object) throw Bad(source, $"family \"{fam.Name}\" must be an object of labels");
                var labels = new List<PromptLabel>();
                foreach (var label in fam.Value.EnumerateObject())
                {
                    var prompts = label.Value.ValueKind switch
                    {
                        JsonValueKind.String => [label.Value.GetString()!],
                        JsonValueKind.Array => label.Value.EnumerateArray()
                            .Select(p => p.ValueKind == JsonValueKind.String ? p.GetString()! : throw Bad(source, $"prompts of {fam.Name}:{label.Name} must be strings"))
                            .ToList(),
                        _ => throw Bad(source, $"label {fam.Name}:{label.Name} must be a string or a list of strings"),
                    };
                    prompts = prompts.Select(p => p.Trim()).Where(p => p.Length > 0).ToList();
                    if (prompts.Count == 0) throw Bad(source, $"label {fam.Name}:{label.Name} has no prompt");
                    if (!ValidName(label.Name)) throw Bad(source, $"label name \"{label.Name}\" must be letters, digits, '-' or '_'");
                    if (labels.Any(l => l.Name.Equals(label.Name, StringComparison.OrdinalIgnoreCase))) throw Bad(source, $"label {fam.Name}:{label.Name} appears twice");
                    labels.Add(new PromptLabel(label.Name, prompts));
                }
                if (!ValidName(fam.Name)) throw Bad(source, $"family name \"{fam.Name}\" must be letters, digits, '-' or '_'");
                if (labels.Count < 2) throw Bad(source, $"family \"{fam.Name}\" needs at least two labels (a softmax over one label is always 1)");
                if (families.Any(f => f.Name.Equals(fam.Name, StringComparison.OrdinalIgnoreCase))) throw Bad(source, $"family \"{fam.Name}\" appears twice");
                families.Add(new PromptFamily(fam.Name, labels));
            }
            if (families.Count == 0) throw Bad(source, "defines no family");
            return new PromptSet(families, scale, source);
        }
    }

    /// <summary>The family and label named (case-insensitive), or null.</summary>
    public (PromptFamily Family, PromptLabel Label)? Find(string family, string label)
    {
        var f = Families.FirstOrDefault(x => x.Name.Equals(family, StringComparison.OrdinalIgnoreCase));
        var l = f?.Labels.FirstOrDefault(x => x.Name.Equals(label, StringComparison.OrdinalIgnoreCase));
        return f is null || l is null ? null : (f, l);
    }

    private static PromptSet LoadBuiltIn() => Parse(BuiltInJson(), "built-in");

    private static bool ValidName(string name) => name.Length > 0 && name.All(c => char.IsLetterOrDigit(c) || c is '-' or '_');

    private static void CheckScale(double scale, string source)
    {
        if (!double.IsFinite(scale) || scale <= 0 || scale > 1000)
        {
            throw Bad(source, $"scale {scale.ToString(CultureInfo.InvariantCulture)} must be a number above 0 and at most 1000 (CLAP's own is about 100)");
        }
    }

    private static InvalidInputException Bad(string source, string problem) =>
        new($"Prompt set {source} {problem}. Fix the file, or delete it to use the built-in prompts.");

    private static string ComputeHash(IReadOnlyList<PromptFamily> families, double scale)
    {
        var sb = new StringBuilder();
        sb.Append("scale\t").Append(scale.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        foreach (var f in families)
        {
            foreach (var l in f.Labels)
            {
                foreach (var p in l.Prompts) sb.Append(f.Name).Append('\t').Append(l.Name).Append('\t').Append(p).Append('\n');
            }
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16];
    }
}
