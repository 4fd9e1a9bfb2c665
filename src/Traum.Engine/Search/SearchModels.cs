using Traum.Core;
using Traum.Engine.Semantic;
using Traum.Models.Embedding;

namespace Traum.Engine.Search;

/// <summary>
/// The embedders search can use: CLAP (audio and text in one space) when installed, and the offline descriptor
/// embedding that works everywhere. Query by example and duplicates use CLAP when present, otherwise the
/// descriptor embedding; text search and semantic profiles need CLAP.
/// </summary>
public sealed partial class SearchModels : IDisposable
{
    /// <summary>The command that installs CLAP.</summary>
    public const string InstallClap = "traum models pull clap";

    private readonly Lazy<SemanticAnalyzer?> _semantic;
    private readonly IDisposable[] _owned;

    /// <param name="clapAudio">CLAP's audio side, or null when not installed.</param>
    /// <param name="clapText">CLAP's text side (same model id), or null.</param>
    /// <param name="offline">The descriptor embedding, or null when unavailable.</param>
    /// <param name="prompts">Prompts of the semantic profile.</param>
    /// <param name="clapProblem">Why CLAP is missing (the model store's message), if it is.</param>
    /// <param name="owned">Disposed with this object.</param>
    public SearchModels(IAudioEmbedder? clapAudio, ITextEmbedder? clapText, IAudioEmbedder? offline, PromptSet prompts,
        string? clapProblem = null, params IDisposable[] owned)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (clapAudio is not null && clapText is not null && clapAudio.ModelId != clapText.ModelId)
        {
            throw new ArgumentException($"Audio model {clapAudio.ModelId} and text model {clapText.ModelId} differ.", nameof(clapText));
        }
        ClapAudio = clapAudio;
        ClapText = clapText;
        Offline = offline;
        Prompts = prompts;
        ClapProblem = clapProblem;
        _owned = owned;
        _semantic = new Lazy<SemanticAnalyzer?>(() => clapText is null ? null : SemanticAnalyzer.Create(prompts, clapText), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>CLAP's audio encoder, or null when CLAP is not installed.</summary>
    public IAudioEmbedder? ClapAudio { get; }

    /// <summary>CLAP's text encoder (same model id and space as <see cref="ClapAudio"/>), or null.</summary>
    public ITextEmbedder? ClapText { get; }

    /// <summary>The descriptor embedding ("descriptors:v1").</summary>
    public IAudioEmbedder? Offline { get; }

    /// <summary>The prompts of the semantic profile.</summary>
    public PromptSet Prompts { get; }

    /// <summary>Why CLAP is not available, or null.</summary>
    public string? ClapProblem { get; }

    /// <summary>The profile analyser (CLAP text embeddings of the prompts, computed on first use), or null without CLAP.</summary>
    public SemanticAnalyzer? Semantic => _semantic.Value;

    /// <summary>The profile key profiles are stored under, or null without CLAP (cheap: does not embed the prompts).</summary>
    public string? ProfileKey => ClapText is null ? null : SemanticAnalyzer.MakeProfileKey(ClapText.ModelId, Prompts.Hash);

    /// <summary>Every audio embedder available (CLAP first).</summary>
    public IReadOnlyList<IAudioEmbedder> AudioEmbedders => new[] { ClapAudio, Offline }.OfType<IAudioEmbedder>().ToList();

    /// <summary>The embedder for query by example and duplicates: CLAP if installed, else the descriptor embedding.</summary>
    /// <exception cref="ModelNotFoundException">Neither is available.</exception>
    public IAudioEmbedder ExampleEmbedder =>
        ClapAudio ?? Offline ?? throw new ModelNotFoundException($"No audio embedding is available. Install CLAP with '{InstallClap}'.");

    /// <summary>CLAP's text side.</summary>
    /// <exception cref="ModelNotFoundException">CLAP is not installed; the message says how to install it.</exception>
    public ITextEmbedder RequireText() =>
        ClapText ?? throw new ModelNotFoundException(
            $"Text search needs the CLAP model, which is not installed. Install it with '{InstallClap}' and then run 'traum reindex'. " +
            "Without it, 'traum similar FILE' finds stems by example." + (ClapProblem is null ? "" : $" ({ClapProblem})"));

    /// <summary>Disposes the objects passed to the constructor as <c>owned</c>, and nothing else.</summary>
    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }
}
