using System.Numerics.Tensors;
using Traum.Core;
using Traum.Models.Embedding;

namespace Traum.Engine.Semantic;

/// <summary>
/// The semantic profile of a stem. For each family (energy, mood, texture, movement, space) and each of its labels,
/// the label's text embedding is the L2-normalised mean of its prompts' (normalised) text embeddings; the stem's
/// score for the label is softmax over the family's labels of scale × cosine(audio embedding, label embedding).
/// Percentiles say where a stem's score sits among all profiled stems of the library (see <see cref="Rank"/>).
/// </summary>
public sealed class SemanticAnalyzer
{
    private readonly Dictionary<(string Family, string Label), float[]> _labels;

    private SemanticAnalyzer(PromptSet prompts, string modelId, int dimension, Dictionary<(string, string), float[]> labels)
    {
        Prompts = prompts;
        ModelId = modelId;
        Dimension = dimension;
        _labels = labels;
    }

    /// <summary>The prompts the label vectors were made from.</summary>
    public PromptSet Prompts { get; }

    /// <summary>The embedding model whose space the label vectors live in.</summary>
    public string ModelId { get; }

    /// <summary>Vector length of that model.</summary>
    public int Dimension { get; }

    /// <summary>
    /// What profiles made by this analyser are stored under: "<c>MODEL-ID#prompts=HASH</c>", so profiles of another
    /// model or another prompt set are never mixed with these and are recomputed.
    /// </summary>
    public string ProfileKey => MakeProfileKey(ModelId, Prompts.Hash);

    /// <summary>"<c>MODEL-ID#prompts=HASH</c>".</summary>
    public static string MakeProfileKey(string modelId, string promptHash) => $"{modelId}#prompts={promptHash}";

    /// <summary>The model id and prompt hash inside a profile key (the hash is null for a plain model id).</summary>
    public static (string ModelId, string? PromptHash) SplitProfileKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var i = key.LastIndexOf("#prompts=", StringComparison.Ordinal);
        return i < 0 ? (key, null) : (key[..i], key[(i + "#prompts=".Length)..]);
    }

    /// <summary>Embeds every prompt once with <paramref name="text"/> and builds the label vectors.</summary>
    public static SemanticAnalyzer Create(PromptSet prompts, ITextEmbedder text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(text);
        var all = prompts.Families.SelectMany(f => f.Labels.SelectMany(l => l.Prompts)).Distinct(StringComparer.Ordinal).ToList();
        var vectors = text.EmbedText(all, cancellationToken);
        var byText = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (var i = 0; i < all.Count; i++) byText[all[i]] = vectors[i];
        var labels = new Dictionary<(string, string), float[]>();
        foreach (var f in prompts.Families)
        {
            foreach (var l in f.Labels)
            {
                var mean = new float[text.Dimension];
                foreach (var p in l.Prompts)
                {
                    var v = byText[p];
                    var norm = TensorPrimitives.Norm(v);
                    if (v.Length != text.Dimension || !float.IsFinite(norm) || norm == 0)
                    {
                        throw new InvalidInputException($"The text model '{text.ModelId}' gave no usable embedding for the prompt \"{p}\"; check the model with 'traum models verify clap'.");
                    }
                    TensorPrimitives.MultiplyAdd(v, 1f / norm, mean, mean);
                }
                TensorPrimitives.Divide(mean, TensorPrimitives.Norm(mean), mean);
                labels[(f.Name, l.Name)] = mean;
            }
        }
        return new SemanticAnalyzer(prompts, text.ModelId, text.Dimension, labels);
    }

    /// <summary>The normalised text embedding of a label.</summary>
    public ReadOnlySpan<float> LabelVector(string family, string label) => _labels[(family, label)];

    /// <summary>
    /// The profile of one audio embedding (any norm; it is normalised here), stored under <see cref="ProfileKey"/>.
    /// Its percentiles are those of a library of one (100); <see cref="Rank"/> sets them against a library.
    /// </summary>
    /// <exception cref="InvalidInputException">The embedding has the wrong length or no direction.</exception>
    public SemanticProfile Analyze(ReadOnlySpan<float> audioEmbedding)
    {
        if (audioEmbedding.Length != Dimension)
        {
            throw new InvalidInputException($"The audio embedding has {audioEmbedding.Length} values but the prompts were embedded with '{ModelId}' ({Dimension}); profile it with the same model.");
        }
        var norm = TensorPrimitives.Norm(audioEmbedding);
        if (!float.IsFinite(norm) || norm == 0) throw new InvalidInputException("The audio embedding is zero or not finite; re-embed the stem ('traum reindex').");
        var families = new Dictionary<string, IReadOnlyList<ProfileScore>>(StringComparer.Ordinal);
        foreach (var f in Prompts.Families)
        {
            var logits = new double[f.Labels.Count];
            for (var i = 0; i < logits.Length; i++)
            {
                logits[i] = Prompts.Scale * TensorPrimitives.Dot(audioEmbedding, _labels[(f.Name, f.Labels[i].Name)]) / norm;
            }
            var p = Softmax(logits);
            families[f.Name] = f.Labels.Select((l, i) => new ProfileScore(l.Name, p[i], 100)).ToList();
        }
        return new SemanticProfile(ProfileKey, families);
    }

    /// <summary>Numerically stable softmax: exp(xᵢ − max) / Σ exp(xⱼ − max).</summary>
    public static double[] Softmax(ReadOnlySpan<double> logits)
    {
        var max = double.NegativeInfinity;
        foreach (var x in logits) max = Math.Max(max, x);
        var result = new double[logits.Length];
        double sum = 0;
        for (var i = 0; i < logits.Length; i++) sum += result[i] = Math.Exp(logits[i] - max);
        for (var i = 0; i < result.Length; i++) result[i] /= sum;
        return result;
    }

    /// <summary>
    /// Sets every label's percentile across the given profiles (one library, one profile key): the percentage of
    /// profiles whose score for that label is less than or equal to this one's, 100 × #{s ≤ x} / n
    /// (so the top stem of a label has 100, and "darkest stems" is a ranking by mood:dark's percentile).
    /// </summary>
    public static IReadOnlyDictionary<long, SemanticProfile> Rank(IReadOnlyDictionary<long, SemanticProfile> profiles)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        var sorted = new Dictionary<(string, string), double[]>();
        foreach (var p in profiles.Values)
        {
            foreach (var (family, scores) in p.Families)
            {
                foreach (var s in scores) sorted[(family, s.Label)] = [];
            }
        }
        foreach (var key in sorted.Keys.ToList())
        {
            var values = profiles.Values
                .Select(p => p.Families.TryGetValue(key.Item1, out var list) ? list.FirstOrDefault(x => x.Label == key.Item2) : null)
                .Where(s => s is not null).Select(s => s!.Score).ToArray();
            Array.Sort(values);
            sorted[key] = values;
        }
        var result = new Dictionary<long, SemanticProfile>(profiles.Count);
        foreach (var (id, p) in profiles)
        {
            var families = p.Families.ToDictionary(
                kv => kv.Key,
                kv => (IReadOnlyList<ProfileScore>)kv.Value.Select(s => s with { Percentile = PercentileOf(sorted[(kv.Key, s.Label)], s.Score) }).ToList(),
                StringComparer.Ordinal);
            result[id] = new SemanticProfile(p.ModelId, families);
        }
        return result;
    }

    /// <summary>100 × #{v ∈ sorted : v ≤ x} / n for an ascending array.</summary>
    private static double PercentileOf(double[] sorted, double x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x) lo = mid + 1;
            else hi = mid;
        }
        return 100.0 * lo / sorted.Length;
    }
}
