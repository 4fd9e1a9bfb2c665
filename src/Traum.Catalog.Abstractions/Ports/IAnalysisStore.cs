using Traum.Core;

namespace Traum.Catalog;

/// <summary>What analysis made of a stem: descriptors (with their details and stated values) and audio fingerprints.</summary>
public interface IAnalysisStore
{
    /// <summary>
    /// Saves one stem's analysis in one transaction: every part of <paramref name="results"/> is written, or none is.
    /// Logs one change per descriptors, embedding and profile written, raised together after the commit.
    /// </summary>
    /// <exception cref="InvalidInputException">An embedding is empty.</exception>
    /// <exception cref="NotFoundException">No such stem.</exception>
    void SaveAnalysis(long stemId, AnalysisResults results);

    /// <summary>What analysis the stem already has (<see cref="StoredAnalysis.None"/> when there is no such stem).</summary>
    StoredAnalysis GetStoredAnalysis(long stemId);

    /// <summary>Writes (or replaces) a stem's descriptors, with the details and stated values they carry.</summary>
    /// <exception cref="NotFoundException">No such stem.</exception>
    void SetDescriptors(long stemId, Descriptors descriptors);

    /// <summary>A stem's descriptors, or null when it has none yet.</summary>
    Descriptors? GetDescriptors(long stemId);

    /// <summary>The descriptors of those of these stems that have them, by stem id (one round trip).</summary>
    IReadOnlyDictionary<long, Descriptors> GetDescriptors(IReadOnlyCollection<long> stemIds);

    /// <summary>Ids of stems that have no descriptors (an ingest was killed between the row and its analysis).</summary>
    IReadOnlyList<long> StemsWithoutDescriptors();

    /// <summary>Stores (or replaces) a stem's audio fingerprint (raw 32-bit items) made by <paramref name="algorithm"/>; <paramref name="duration"/> in seconds.</summary>
    /// <exception cref="NotFoundException">No such stem.</exception>
    void SetFingerprint(long stemId, string algorithm, double duration, IReadOnlyList<uint> items);

    /// <summary>True when the stem has a fingerprint made by <paramref name="algorithm"/>.</summary>
    bool HasFingerprint(long stemId, string algorithm);

    /// <summary>Every stored fingerprint of <paramref name="algorithm"/>, by stem id.</summary>
    IReadOnlyDictionary<long, uint[]> GetFingerprints(string algorithm);
}

/// <summary>Embeddings (one per stem per model) and the reads a vector index is loaded from.</summary>
public interface IEmbeddingStore
{
    /// <summary>Writes (or replaces) the stem's embedding for <see cref="Embedding.ModelId"/>.</summary>
    /// <exception cref="InvalidInputException">The vector is empty.</exception>
    /// <exception cref="NotFoundException">No such stem.</exception>
    void SetEmbedding(long stemId, Embedding embedding);

    /// <summary>The stem's embedding from <paramref name="modelId"/>, or null.</summary>
    Embedding? GetEmbedding(long stemId, string modelId);

    /// <summary>
    /// Every embedding of <paramref name="modelId"/>, in stem id order, streamed. Read <see cref="IChangeFeed.ChangeSequence"/>
    /// before the call to catch up afterwards.
    /// </summary>
    IEnumerable<StemVector> GetEmbeddings(string modelId);

    /// <summary>How many stems have an embedding from <paramref name="modelId"/>.</summary>
    int CountEmbeddings(string modelId);

    /// <summary>Ids of stems that have no embedding from <paramref name="modelId"/>, in id order.</summary>
    IReadOnlyList<long> StemsWithoutEmbedding(string modelId);
}

/// <summary>Semantic profiles: how a stem scores against the prompt families, per prompt set.</summary>
public interface IProfileStore
{
    /// <summary>Writes (or replaces) the stem's semantic profile for <see cref="SemanticProfile.ModelId"/>.</summary>
    /// <exception cref="NotFoundException">No such stem.</exception>
    void SetProfile(long stemId, SemanticProfile profile);

    /// <summary>The stem's semantic profile from <paramref name="modelId"/>, or null.</summary>
    SemanticProfile? GetProfile(long stemId, string modelId);

    /// <summary>The newest semantic profile of a stem from any model, or null.</summary>
    SemanticProfile? GetLatestProfile(long stemId);

    /// <summary>The newest semantic profile of those of these stems that have one, by stem id (one round trip).</summary>
    IReadOnlyDictionary<long, SemanticProfile> GetLatestProfiles(IReadOnlyCollection<long> stemIds);

    /// <summary>Every stem's profile from <paramref name="modelId"/> (for percentiles across the library).</summary>
    IReadOnlyDictionary<long, SemanticProfile> GetProfiles(string modelId);
}
