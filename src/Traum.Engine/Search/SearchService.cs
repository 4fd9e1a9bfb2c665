using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Catalog.Vectors;
using Traum.Core;
using Traum.Engine.Semantic;
using Traum.Models.Embedding;

namespace Traum.Engine.Search;

/// <summary>
/// Finds stems by text (CLAP), by example (an audio file or a stem; CLAP or the descriptor embedding), and finds
/// duplicates; fills in missing embeddings and profiles (<see cref="Reindex"/>). Searches go through the catalog's
/// vector-search port (<see cref="IVectorSearch"/>: SQL with pgvector on PostgreSQL, an in-process
/// <see cref="VectorIndex"/> kept in step with the change log on SQLite). Thread-safe.
/// </summary>
public sealed partial class SearchService : IDisposable
{
    private readonly Library _library;
    private readonly SearchOptions _options;
    private readonly ILogger _logger;

    /// <param name="library">The library searched; its in-process vector indexes take <see cref="SearchOptions.Index"/>.</param>
    /// <param name="models">The embedders queries are made with.</param>
    /// <param name="options">Search settings; default <see cref="SearchOptions"/>'s.</param>
    /// <param name="logger">Optional logger.</param>
    /// <exception cref="ArgumentNullException"><paramref name="library"/> or <paramref name="models"/> is null.</exception>
    public SearchService(Library library, SearchModels models, SearchOptions? options = null, ILogger<SearchService>? logger = null)
    {
        _library = library ?? throw new ArgumentNullException(nameof(library));
        Models = models ?? throw new ArgumentNullException(nameof(models));
        _options = options ?? new SearchOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _library.LocalVectors.Options = LocalIndexOptions(_library, _options.Index);
    }

    /// <summary>
    /// The in-process index settings for <paramref name="library"/>: a graph is kept and vectors are saved only where
    /// the in-process index answers searches (SQLite catalogs; PostgreSQL searches with its own HNSW index), under the
    /// library's cache unless a folder is configured.
    /// </summary>
    internal static VectorIndexOptions LocalIndexOptions(Library library, VectorIndexOptions index)
    {
        if (library.Catalog is not CatalogStore) return index with { Graph = false };
        return index.GraphDirectory is null ? index with { GraphDirectory = Path.Combine(library.Root, "cache", "vectors") } : index;
    }

    /// <summary>The embedders queries are made with.</summary>
    public SearchModels Models { get; }

    /// <summary>Search settings.</summary>
    public SearchOptions Options => _options;

    /// <summary>The <paramref name="k"/> stems whose CLAP embedding is closest to the text's.</summary>
    /// <exception cref="ModelNotFoundException">CLAP is not installed (the message says how to install it).</exception>
    /// <exception cref="InvalidInputException">Empty text, k below 1, or a bad filter.</exception>
    public SearchResults SearchText(string text, int k, SearchFilters? filters = null, CancellationToken cancellationToken = default)
    {
        var found = MatchText(text, k, filters, cancellationToken);
        return Hydrate(text.Trim(), Models.RequireText().ModelId, found);
    }

    /// <summary>
    /// <see cref="SearchText"/> without reading the hits' stems: ids and scores only, for a caller that has the stems'
    /// details at hand (the server keeps them cached).
    /// </summary>
    /// <exception cref="ModelNotFoundException">CLAP is not installed (the message says how to install it).</exception>
    /// <exception cref="InvalidInputException">Empty text, k below 1, or a bad filter.</exception>
    public VectorSearchResult MatchText(string text, int k, SearchFilters? filters = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new InvalidInputException("The search text is empty; describe the sound, e.g. \"dusty vinyl drum loop\".");
        var embedder = Models.RequireText();
        var vector = embedder.EmbedText([text.Trim()], cancellationToken)[0];
        return Match(embedder.ModelId, embedder.Dimension, vector, k, filters, exclude: null, cancellationToken);
    }

    /// <summary>The stems most similar to an audio file (which need not be in the library).</summary>
    /// <exception cref="AudioFormatException">The file cannot be decoded.</exception>
    public SearchResults SimilarToFile(string path, int k, SearchFilters? filters = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        AudioBuffer audio;
        using (var reader = AudioFile.OpenRead(full, cancellationToken))
        {
            var budget = (long)Math.Ceiling(_options.MaxExampleSeconds * reader.Info.SampleRate) * reader.Info.Channels;
            audio = AudioFile.ReadAll(reader, budget, cancellationToken);
        }
        CheckAudible(audio, full);
        var embedder = Models.ExampleEmbedder;
        var vector = embedder.EmbedAudio([audio], cancellationToken)[0];
        return Query(full, embedder.ModelId, embedder.Dimension, vector, k, filters, exclude: null, cancellationToken);
    }

    /// <summary>
    /// The stems most similar to stem <paramref name="stemId"/> (itself excluded). A stem without a stored embedding is
    /// embedded for the query and nothing is written.
    /// </summary>
    /// <exception cref="NotFoundException">No such stem.</exception>
    public SearchResults SimilarToStem(long stemId, int k, SearchFilters? filters = null, CancellationToken cancellationToken = default)
    {
        var stem = _library.Catalog.GetRequiredStem(stemId);
        var embedder = Models.ExampleEmbedder;
        var vector = _library.Catalog.GetEmbedding(stemId, embedder.ModelId)?.Vector;
        if (vector is null)
        {
            var audio = AudioFile.Read(_library.ResolveFile(stem.FilePath), cancellationToken);
            CheckAudible(audio, stem.Name);
            // Embedded for this query only: a read never writes to the catalog (reindex and ingest store embeddings).
            vector = embedder.EmbedAudio([audio], cancellationToken)[0];
        }
        return Query($"stem {stemId} ({stem.Name})", embedder.ModelId, embedder.Dimension, vector, k, filters, exclude: stemId, cancellationToken);
    }

    /// <summary>
    /// The stem's semantic profile under the current prompts, with percentiles across the library; null when it has
    /// none (no CLAP, or not analysed yet: run <c>traum reindex</c>).
    /// </summary>
    public SemanticProfile? GetProfile(long stemId)
    {
        if (Models.ProfileKey is not { } key) return null;
        var all = _library.Catalog.GetProfiles(key);
        return all.ContainsKey(stemId) ? SemanticAnalyzer.Rank(all)[stemId] : null;
    }

    /// <summary>
    /// The in-process index of <paramref name="modelId"/>, loaded on first use and brought up to date with the catalog
    /// (what needs every vector in memory, such as near-duplicate pairs; searches go through the catalog's port).
    /// </summary>
    public VectorIndex IndexFor(string modelId, int dimension)
    {
        var index = _library.LocalVectors.IndexFor(modelId, dimension);
        LogIndexLoaded(_logger, modelId, index.Count);
        return index;
    }

    /// <summary>Nothing to release: the in-process indexes belong to the library (<see cref="Library.LocalVectors"/>).</summary>
    public void Dispose()
    {
    }

    private SearchResults Query(string query, string modelId, int dimension, float[] vector, int k, SearchFilters? filters, long? exclude, CancellationToken cancellationToken) =>
        Hydrate(query, modelId, Match(modelId, dimension, vector, k, filters, exclude, cancellationToken));

    private VectorSearchResult Match(string modelId, int dimension, float[] vector, int k, SearchFilters? filters, long? exclude, CancellationToken cancellationToken)
    {
        if (k < 1) throw new InvalidInputException($"-k must be at least 1 (it is {k}).");
        if (vector.Length != dimension) throw new InvalidInputException($"The query embedding has {vector.Length} values; the model '{modelId}' makes {dimension}.");
        filters ??= SearchFilters.None;
        var catalogQuery = filters.HasCatalogCriteria ? filters.ToStemQuery() : null;
        if (filters.Profile.Count > 0)
        {
            if (Models.ProfileKey is not { } key)
            {
                throw new ModelNotFoundException($"Profile filters need semantic profiles, which need the CLAP model. Install it with '{SearchModels.InstallClap}' and run 'traum reindex'.");
            }
            var ranked = SemanticAnalyzer.Rank(_library.Catalog.GetProfiles(key));
            var ids = ranked.Where(p => filters.Profile.All(c => c.IsSatisfiedBy(p.Value))).Select(p => p.Key).ToList();
            catalogQuery = (catalogQuery ?? StemQuery.All) with { Ids = ids };
        }
        // Searched where the catalog keeps its vectors: in SQL on PostgreSQL, in an in-process index with SQLite.
        return _library.Catalog.SearchVectors(new VectorSearchRequest
        {
            ModelId = modelId, Vector = vector, K = k, Filter = catalogQuery, Exclude = exclude, Exact = _options.ExactSearch,
        }, cancellationToken);
    }

    private SearchResults Hydrate(string query, string modelId, VectorSearchResult found)
    {
        // Hydrated with one query per kind of data (stems, descriptors), not one per hit.
        var hitIds = found.Matches.Select(h => h.StemId).ToList();
        var stems = _library.Catalog.GetStems(hitIds);
        var descriptors = _library.Catalog.GetDescriptors(hitIds);
        var results = new List<SearchHit>(found.Matches.Count);
        foreach (var h in found.Matches)
        {
            if (stems.TryGetValue(h.StemId, out var stem)) results.Add(ToHit(stem, descriptors.GetValueOrDefault(h.StemId), h.Score, modelId));
        }
        var total = _library.Catalog.CountStems();
        return new SearchResults(query, modelId, results, found.Indexed, Math.Max(0, total - found.Indexed));
    }

    private SearchHit ToHit(Stem stem, double score, string modelId) => ToHit(stem, _library.Catalog.GetDescriptors(stem.Id), score, modelId);

    private SearchHit ToHit(Stem stem, Descriptors? d, double score, string modelId)
    {
        string? key = null;
        if (d?.Key is { } tonic) key = d.Mode == "minor" ? tonic + "m" : tonic;
        return new SearchHit(stem.Id, stem.Name, score, stem.Kind, stem.Category, stem.Origin, d?.Bpm, key, stem.Duration,
            _library.ResolveFile(stem.FilePath), modelId, stem.SourcePath);
    }

    private static void CheckAudible(AudioBuffer audio, string what)
    {
        if (audio.Length == 0) throw new AudioFormatException(what, "holds no samples, so there is nothing to compare");
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Loaded vector index of {ModelId}: {Count} vectors")]
    private static partial void LogIndexLoaded(ILogger logger, string modelId, int count);
}
