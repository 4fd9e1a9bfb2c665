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
/// duplicates; fills in missing embeddings and profiles (<see cref="Reindex"/>). One in-process
/// <see cref="VectorIndex"/> per embedding model is loaded from the catalog on first use and kept in step with it
/// through the catalog's change log before every query. Thread-safe.
/// </summary>
public sealed partial class SearchService : IDisposable
{
    private readonly Library _library;
    private readonly SearchOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, VectorIndex> _indexes = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public SearchService(Library library, SearchModels models, SearchOptions? options = null, ILogger<SearchService>? logger = null)
    {
        _library = library ?? throw new ArgumentNullException(nameof(library));
        Models = models ?? throw new ArgumentNullException(nameof(models));
        _options = options ?? new SearchOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public SearchModels Models { get; }

    public SearchOptions Options => _options;

    /// <summary>The <paramref name="k"/> stems whose CLAP embedding is closest to the text's.</summary>
    /// <exception cref="ModelNotFoundException">CLAP is not installed (the message says how to install it).</exception>
    /// <exception cref="InvalidInputException">Empty text, k below 1, or a bad filter.</exception>
    public SearchResults SearchText(string text, int k, SearchFilters? filters = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new InvalidInputException("The search text is empty; describe the sound, e.g. \"dusty vinyl drum loop\".");
        var embedder = Models.RequireText();
        var vector = embedder.EmbedText([text.Trim()], cancellationToken)[0];
        return Query(text.Trim(), embedder.ModelId, embedder.Dimension, vector, k, filters, exclude: null, cancellationToken);
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
            audio = AudioFile.ReadAll(reader, cancellationToken, budget);
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
            var audio = AudioFile.Read(_library.GetFullPath(stem.FilePath), cancellationToken);
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

    /// <summary>The in-process index of <paramref name="modelId"/>, loaded on first use and brought up to date with the catalog.</summary>
    public VectorIndex IndexFor(string modelId, int dimension)
    {
        lock (_gate)
        {
            var catalog = _library.Catalog;
            if (!_indexes.TryGetValue(modelId, out var index))
            {
                var sequence = catalog.ChangeSequence;
                index = new VectorIndex(modelId, dimension, _options.Index);
                try
                {
                    index.UpsertRange(catalog.GetEmbeddings(modelId).Select(v => (v.StemId, v.Vector)));
                }
                catch (InvalidInputException e)
                {
                    index.Dispose();
                    throw new InvalidInputException($"Stored embeddings of '{modelId}' do not fit the model ({e.Message}). Run 'traum reindex'.", e);
                }
                index.CatalogVersion = sequence;
                _indexes[modelId] = index;
                LogIndexLoaded(_logger, modelId, index.Count);
                return index;
            }
            while (true)
            {
                var changes = catalog.GetChangesSince(index.CatalogVersion, 10_000);
                if (changes.Count == 0) return index;
                foreach (var change in changes)
                {
                    if (change.Kind == CatalogChangeKind.StemRemoved)
                    {
                        index.Remove(change.StemId);
                    }
                    else if (change.Kind == CatalogChangeKind.EmbeddingSet && change.ModelId == modelId)
                    {
                        if (catalog.GetEmbedding(change.StemId, modelId) is { } e) index.Upsert(change.StemId, e.Vector);
                        else index.Remove(change.StemId);
                    }
                }
                index.CatalogVersion = changes[^1].Sequence;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var index in _indexes.Values) index.Dispose();
            _indexes.Clear();
        }
    }

    private SearchResults Query(string query, string modelId, int dimension, float[] vector, int k, SearchFilters? filters, long? exclude, CancellationToken cancellationToken)
    {
        if (k < 1) throw new InvalidInputException($"-k must be at least 1 (it is {k}).");
        filters ??= SearchFilters.None;
        var index = IndexFor(modelId, dimension);
        var filter = BuildFilter(filters);
        if (exclude is { } self) filter = VectorFilter.And(filter, VectorFilter.Where(id => id != self));
        var hits = index.Search(vector, k, filter, cancellationToken);
        // Hydrated with one query per kind of data (stems, descriptors), not one per hit.
        var ids = hits.Select(h => h.Id).ToList();
        var stems = _library.Catalog.GetStems(ids);
        var descriptors = _library.Catalog.GetDescriptors(ids);
        var results = new List<SearchHit>(hits.Count);
        foreach (var h in hits)
        {
            if (stems.TryGetValue(h.Id, out var stem)) results.Add(ToHit(stem, descriptors.GetValueOrDefault(h.Id), h.Score, modelId));
        }
        var total = _library.Catalog.CountStems();
        return new SearchResults(query, modelId, results, index.Count, Math.Max(0, total - index.Count));
    }

    private VectorFilter? BuildFilter(SearchFilters filters)
    {
        VectorFilter? filter = null;
        if (filters.HasCatalogCriteria)
        {
            filter = VectorFilter.Only(_library.Catalog.ListStems(filters.ToStemQuery()).Select(s => s.Id));
        }
        if (filters.Profile.Count > 0)
        {
            if (Models.ProfileKey is not { } key)
            {
                throw new ModelNotFoundException($"Profile filters need semantic profiles, which need the CLAP model. Install it with '{SearchModels.InstallClap}' and run 'traum reindex'.");
            }
            var ranked = SemanticAnalyzer.Rank(_library.Catalog.GetProfiles(key));
            var ids = ranked.Where(p => filters.Profile.All(c => c.IsSatisfiedBy(p.Value))).Select(p => p.Key);
            filter = VectorFilter.And(filter, VectorFilter.Only(ids));
        }
        return filter;
    }

    private SearchHit ToHit(Stem stem, double score, string modelId) => ToHit(stem, _library.Catalog.GetDescriptors(stem.Id), score, modelId);

    private SearchHit ToHit(Stem stem, Descriptors? d, double score, string modelId)
    {
        string? key = null;
        if (d?.Key is { } tonic) key = d.Mode == "minor" ? tonic + "m" : tonic;
        return new SearchHit(stem.Id, stem.Name, score, stem.Kind, stem.Category, stem.Origin, d?.Bpm, key, stem.Duration,
            _library.GetFullPath(stem.FilePath), modelId, stem.SourcePath);
    }

    private static void CheckAudible(AudioBuffer audio, string what)
    {
        if (audio.Length == 0) throw new AudioFormatException(what, "holds no samples, so there is nothing to compare");
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Loaded vector index of {ModelId}: {Count} vectors")]
    private static partial void LogIndexLoaded(ILogger logger, string modelId, int count);
}
