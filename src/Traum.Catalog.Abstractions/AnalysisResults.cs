using Traum.Core;

namespace Traum.Catalog;

/// <summary>An audio fingerprint of a stem.</summary>
/// <param name="Algorithm">What made it (e.g. <c>chromaprint-2</c>); one fingerprint per stem per algorithm.</param>
/// <param name="Duration">Seconds of audio it covers.</param>
/// <param name="Items">The raw 32-bit items.</param>
public sealed record StemFingerprint(string Algorithm, double Duration, IReadOnlyList<uint> Items);

/// <summary>
/// What analysis made of one stem, saved together by <see cref="IAnalysisStore.SaveAnalysis"/>. Each part replaces
/// the stored one of the same model (embeddings, profiles) or algorithm (fingerprints); parts left out stay as stored.
/// </summary>
public sealed record AnalysisResults
{
    /// <summary>Descriptors with their details and stated values, or null for none.</summary>
    public Descriptors? Descriptors { get; init; }
    /// <summary>Embeddings, at most one per <see cref="Embedding.ModelId"/>.</summary>
    public IReadOnlyList<Embedding> Embeddings { get; init; } = [];
    /// <summary>Semantic profiles, at most one per <see cref="SemanticProfile.ModelId"/>.</summary>
    public IReadOnlyList<SemanticProfile> Profiles { get; init; } = [];
    /// <summary>Fingerprints, at most one per algorithm.</summary>
    public IReadOnlyList<StemFingerprint> Fingerprints { get; init; } = [];

    /// <summary>Nothing to save.</summary>
    public static AnalysisResults None { get; } = new();

    /// <summary>True when there is nothing to save.</summary>
    public bool IsEmpty => Descriptors is null && Embeddings.Count == 0 && Profiles.Count == 0 && Fingerprints.Count == 0;

    /// <summary>These results and <paramref name="other"/>'s together; <paramref name="other"/>'s descriptors win when both have some.</summary>
    public AnalysisResults Merge(AnalysisResults other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.IsEmpty) return this;
        if (IsEmpty) return other;
        return new AnalysisResults
        {
            Descriptors = other.Descriptors ?? Descriptors,
            Embeddings = [.. Embeddings, .. other.Embeddings],
            Profiles = [.. Profiles, .. other.Profiles],
            Fingerprints = [.. Fingerprints, .. other.Fingerprints],
        };
    }
}

/// <summary>What analysis is already stored for one stem (read in one round trip, so analysers can skip what is done).</summary>
/// <param name="HasDescriptors">The stem has descriptors.</param>
/// <param name="Embeddings">Its embeddings' vectors by model id.</param>
/// <param name="ProfileModels">Model ids (prompt-set keys) of its semantic profiles.</param>
/// <param name="FingerprintAlgorithms">Algorithms of its fingerprints.</param>
public sealed record StoredAnalysis(
    bool HasDescriptors,
    IReadOnlyDictionary<string, float[]> Embeddings,
    IReadOnlySet<string> ProfileModels,
    IReadOnlySet<string> FingerprintAlgorithms)
{
    /// <summary>Nothing stored (a stem just added).</summary>
    public static StoredAnalysis None { get; } =
        new(false, new Dictionary<string, float[]>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));
}
