using Traum.Audio;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Ingest;
using Traum.Engine.Semantic;
using Traum.Models.Embedding;

namespace Traum.Engine.Search;

/// <summary>
/// The ingest step that embeds a stem with one audio embedder and, for CLAP, computes its semantic profile under the
/// current prompts. Thread-safe when the embedder is (both Traum embedders are).
/// </summary>
public sealed class EmbeddingStemAnalyzer : IStemAnalyzer
{
    private readonly IAudioEmbedder _embedder;
    private readonly Func<SemanticAnalyzer?> _semantic;
    private readonly string? _profileKey;

    /// <param name="name">Shown in ingest reports ("clap", "descriptor-embedding").</param>
    /// <param name="embedder">The audio embedder.</param>
    /// <param name="semantic">The profile analyser (created on first use), for CLAP; null for none.</param>
    /// <param name="profileKey">The key profiles are stored under (<see cref="SemanticAnalyzer.ProfileKey"/>) when <paramref name="semantic"/> is given.</param>
    public EmbeddingStemAnalyzer(string name, IAudioEmbedder embedder, Func<SemanticAnalyzer?>? semantic = null, string? profileKey = null)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        _embedder = embedder ?? throw new ArgumentNullException(nameof(embedder));
        _semantic = semantic ?? (() => null);
        _profileKey = semantic is null ? null : profileKey ?? throw new ArgumentNullException(nameof(profileKey));
    }

    /// <summary>The analysers search contributes to ingest for <paramref name="context"/> (see <see cref="For(SearchModels)"/>).</summary>
    public static IReadOnlyList<IStemAnalyzer> For(TraumContext context) => For(SearchModels.Load(context));

    /// <summary>The analysers search contributes to ingest: CLAP (embedding + profile) when installed, and the descriptor embedding.</summary>
    public static IReadOnlyList<IStemAnalyzer> For(SearchModels models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var list = new List<IStemAnalyzer>();
        if (models.ClapAudio is { } clap) list.Add(new EmbeddingStemAnalyzer("clap", clap, () => models.Semantic, models.ProfileKey));
        if (models.Offline is { } offline) list.Add(new EmbeddingStemAnalyzer("descriptor-embedding", offline));
        return list;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public bool IsAvailable => true;

    /// <inheritdoc/>
    public bool NeedsAnalysis(Stem stem, StoredAnalysis stored)
    {
        ArgumentNullException.ThrowIfNull(stem);
        ArgumentNullException.ThrowIfNull(stored);
        return !stored.Embeddings.ContainsKey(_embedder.ModelId)
            || (_profileKey is not null && !stored.ProfileModels.Contains(_profileKey));
    }

    /// <inheritdoc/>
    public AnalysisResults Analyze(Stem stem, DecodedAudio audio, StoredAnalysis stored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stem);
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentNullException.ThrowIfNull(stored);
        var embeddings = new List<Embedding>();
        var profiles = new List<SemanticProfile>();
        var vector = stored.Embeddings.GetValueOrDefault(_embedder.ModelId);
        if (vector is null)
        {
            if (audio.Audio.Length == 0) throw new AudioFormatException(stem.Name, "holds no samples, so it cannot be embedded");
            vector = _embedder.EmbedAudio([audio], cancellationToken)[0];
            embeddings.Add(new Embedding(_embedder.ModelId, vector));
        }
        if (_profileKey is not null && _semantic() is { } semantic && !stored.ProfileModels.Contains(_profileKey))
        {
            profiles.Add(semantic.Analyze(vector));
        }
        return new AnalysisResults { Embeddings = embeddings, Profiles = profiles };
    }
}
