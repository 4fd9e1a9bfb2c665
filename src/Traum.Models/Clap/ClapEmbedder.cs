using System.Buffers;
using System.Numerics.Tensors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Traum.Audio;
using Traum.Core;
using Traum.Models.Embedding;
using Traum.Models.Store;

namespace Traum.Models.Clap;

/// <summary>
/// CLAP audio and text embeddings in one 512-d space (L2-normalised). Audio: mono 48 kHz, 10 s windows
/// (<see cref="ClapFeatureExtractor"/>), batched through the audio graph; a stem longer than 10 s is the normalised
/// mean of its normalised window embeddings. Text: <see cref="ClapTokenizer"/> ids, batched only among texts of equal
/// token length (the graph takes no mask), with an LRU cache. Sessions are created once, on first use, and shared;
/// the embedder is thread-safe.
/// </summary>
public sealed partial class ClapEmbedder : IAudioEmbedder, ITextEmbedder, IDisposable
{
    private readonly ClapOptions _options;
    private readonly ILogger _logger;
    private readonly SessionOptions _sessionOptions;
    private readonly Lazy<ClapAudioGraph> _audio;
    private readonly Lazy<ClapTextGraph> _text;
    private readonly Lazy<ClapTokenizer> _tokenizer;
    private readonly TextEmbeddingCache _cache;
    private bool _disposed;

    /// <summary>An embedder over located files. Graphs and tokenizer open on first use (call <see cref="Open"/> to open them now).</summary>
    public ClapEmbedder(ClapModelFiles files, ClapOptions? options = null, ILogger<ClapEmbedder>? logger = null)
    {
        Files = files ?? throw new ArgumentNullException(nameof(files));
        _options = options ?? new ClapOptions();
        if (_options.BatchSize < 1) throw new InvalidInputException($"models:clap:batchSize must be at least 1 (it is {_options.BatchSize}).");
        if (_options.IntraOpThreads < 0) throw new InvalidInputException($"models:clap:intraOpThreads must be 0 (automatic) or more (it is {_options.IntraOpThreads}).");
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = _options.IntraOpThreads,
        };
        _audio = new Lazy<ClapAudioGraph>(() =>
        {
            var g = new ClapAudioGraph(Files.AudioModel, _sessionOptions);
            LogOpened(_logger, "audio", Files.AudioModel, g.Dimension);
            return g;
        }, LazyThreadSafetyMode.ExecutionAndPublication);
        _text = new Lazy<ClapTextGraph>(() =>
        {
            var g = new ClapTextGraph(Files.TextModel, _sessionOptions);
            LogOpened(_logger, "text", Files.TextModel, g.Dimension);
            return g;
        }, LazyThreadSafetyMode.ExecutionAndPublication);
        _tokenizer = new Lazy<ClapTokenizer>(() => ClapTokenizer.FromFiles(Files.Vocab, Files.Merges), LazyThreadSafetyMode.ExecutionAndPublication);
        _cache = new TextEmbeddingCache(_options.TextCacheSize);
    }

    /// <summary>
    /// Finds the model (explicit folder → store → Hugging Face cache) and makes an embedder over it.
    /// </summary>
    /// <param name="options">Settings (section <c>models:clap</c>).</param>
    /// <param name="modelsPath">The model store root (TraumContext.ModelsPath).</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <exception cref="ModelNotFoundException">The model is not installed; the message says where Traum looked and what to run.</exception>
    public static ClapEmbedder Load(ClapOptions options, string modelsPath, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var store = new ModelStore(modelsPath, logger: loggerFactory?.CreateLogger<ModelStore>());
        var files = ClapModelLocator.Locate(options, store);
        return new ClapEmbedder(files, options, loggerFactory?.CreateLogger<ClapEmbedder>());
    }

    /// <summary>
    /// Like <see cref="Load"/>, but returns null with the reason (what is missing, where Traum looked, the fix command)
    /// when the model is not installed, so callers such as ingest can carry on without embeddings.
    /// </summary>
    public static ClapEmbedder? TryLoad(ClapOptions options, string modelsPath, out string? reason, ILoggerFactory? loggerFactory = null)
    {
        try
        {
            reason = null;
            return Load(options, modelsPath, loggerFactory);
        }
        catch (ModelNotFoundException e)
        {
            reason = e.Message;
            return null;
        }
    }

    /// <summary>The files in use.</summary>
    public ClapModelFiles Files { get; }

    /// <inheritdoc />
    public string ModelId => Files.ModelId;

    /// <summary>512 for CLAP (read from the graphs' output shape).</summary>
    public int Dimension => _audio.IsValueCreated ? _audio.Value.Dimension : _text.Value.Dimension;

    /// <summary>The tokenizer.</summary>
    public ClapTokenizer Tokenizer => _tokenizer.Value;

    /// <summary>Text-cache hits so far.</summary>
    public long TextCacheHits => _cache.Hits;

    /// <summary>Text-cache misses so far.</summary>
    public long TextCacheMisses => _cache.Misses;

    /// <summary>Opens both graphs and the tokenizer now and checks that the two embedding sizes agree.</summary>
    /// <exception cref="ModelNotFoundException">A graph does not load or does not have CLAP's interface.</exception>
    public void Open()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var a = _audio.Value.Dimension;
        var t = _text.Value.Dimension;
        _ = _tokenizer.Value;
        if (a != t)
        {
            throw new ModelNotFoundException($"The CLAP graphs disagree: {Files.AudioModel} makes {a}-d embeddings, {Files.TextModel} {t}-d.");
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<float[]> EmbedAudio(IReadOnlyList<AudioBuffer> audio, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audio);
        return EmbedMono([.. audio.Select(ClapFeatureExtractor.ToModelRate)], cancellationToken);
    }

    /// <inheritdoc />
    public IReadOnlyList<float[]> EmbedAudio(IReadOnlyList<DecodedAudio> audio, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audio);
        return EmbedMono([.. audio.Select(ClapFeatureExtractor.ToModelRate)], cancellationToken);
    }

    private float[][] EmbedMono(float[][] monos, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (monos.Length == 0) return [];
        var graph = _audio.Value;
        var dim = graph.Dimension;
        var jobs = new List<(int Item, int Window)>();
        for (var i = 0; i < monos.Length; i++)
        {
            var windows = ClapFeatureExtractor.WindowCount(monos[i].Length);
            for (var w = 0; w < windows; w++) jobs.Add((i, w));
        }
        var sums = new float[monos.Length][];
        for (var i = 0; i < monos.Length; i++) sums[i] = new float[dim];
        var batch = Math.Min(_options.BatchSize, jobs.Count);
        // One window of samples at a time (1.9 MB) and the batch's features (256 kB per window), from the shared pool:
        // every stem needs them for a moment, and fresh ones per stem would be large-object garbage that keeps the heap high.
        var samples = ArrayPool<float>.Shared.Rent(ClapFeatureExtractor.WindowSamples);
        var features = ArrayPool<float>.Shared.Rent(batch * ClapFeatureExtractor.FeaturesPerWindow);
        var embeds = new float[batch * dim];
        try
        {
            Embed(monos, jobs, batch, samples, features, embeds, sums, graph, cancellationToken);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(samples);
            ArrayPool<float>.Shared.Return(features);
        }
        foreach (var s in sums) Normalize(s);
        return sums;
    }

    private static void Embed(float[][] monos, List<(int Item, int Window)> jobs, int batch, float[] samples, float[] features, float[] embeds,
        float[][] sums, ClapAudioGraph graph, CancellationToken cancellationToken)
    {
        var dim = graph.Dimension;
        for (var start = 0; start < jobs.Count; start += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = Math.Min(batch, jobs.Count - start);
            for (var b = 0; b < n; b++)
            {
                var (item, window) = jobs[start + b];
                var one = samples.AsSpan(0, ClapFeatureExtractor.WindowSamples);
                ClapFeatureExtractor.FillWindow(monos[item], window, one);
                ClapFeatureExtractor.Instance.Compute(one, 1, features.AsSpan(b * ClapFeatureExtractor.FeaturesPerWindow, ClapFeatureExtractor.FeaturesPerWindow));
            }
            graph.Run(features, n, embeds);
            for (var b = 0; b < n; b++)
            {
                var v = embeds.AsSpan(b * dim, dim);
                Normalize(v);
                TensorPrimitives.Add(sums[jobs[start + b].Item], v, sums[jobs[start + b].Item]);
            }
        }
    }

    /// <summary>
    /// Embeds precomputed features: <paramref name="features"/> is <c>[windows, 1, 1001, 64]</c> → one normalised
    /// embedding per window, in batches of <see cref="ClapOptions.BatchSize"/>.
    /// </summary>
    public float[][] EmbedFeatures(ReadOnlySpan<float> features, int windows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (windows < 1 || features.Length != windows * ClapFeatureExtractor.FeaturesPerWindow)
        {
            throw new ArgumentException("Expected windows × 1001 × 64 features.", nameof(features));
        }
        var graph = _audio.Value;
        var batch = Math.Min(_options.BatchSize, windows);
        var buffer = new float[batch * ClapFeatureExtractor.FeaturesPerWindow];
        var embeds = new float[batch * graph.Dimension];
        var result = new float[windows][];
        for (var start = 0; start < windows; start += batch)
        {
            var n = Math.Min(batch, windows - start);
            features.Slice(start * ClapFeatureExtractor.FeaturesPerWindow, n * ClapFeatureExtractor.FeaturesPerWindow).CopyTo(buffer);
            graph.Run(buffer, n, embeds);
            for (var b = 0; b < n; b++)
            {
                var v = embeds.AsSpan(b * graph.Dimension, graph.Dimension).ToArray();
                Normalize(v);
                result[start + b] = v;
            }
        }
        return result;
    }

    /// <inheritdoc />
    public IReadOnlyList<float[]> EmbedText(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var result = new float[texts.Count][];
        var pending = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < texts.Count; i++)
        {
            var t = texts[i] ?? throw new ArgumentException("Texts must not be null.", nameof(texts));
            if (pending.TryGetValue(t, out var same))
            {
                same.Add(i);
            }
            else if (_cache.TryGet(t, out var hit))
            {
                result[i] = (float[])hit.Clone();
            }
            else
            {
                pending[t] = [i];
            }
        }
        if (pending.Count > 0)
        {
            var graph = _text.Value;
            var dim = graph.Dimension;
            var tokenizer = _tokenizer.Value;
            var byLength = pending.Keys.Select(t => (Text: t, Ids: tokenizer.Encode(t))).GroupBy(x => x.Ids.Length);
            foreach (var group in byLength)
            {
                var items = group.ToList();
                var length = group.Key;
                for (var start = 0; start < items.Count; start += _options.BatchSize)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var n = Math.Min(_options.BatchSize, items.Count - start);
                    var ids = new long[n * length];
                    for (var b = 0; b < n; b++) items[start + b].Ids.CopyTo(ids, b * length);
                    var embeds = new float[n * dim];
                    graph.Run(ids, n, length, embeds);
                    for (var b = 0; b < n; b++)
                    {
                        var v = embeds.AsSpan(b * dim, dim).ToArray();
                        Normalize(v);
                        var text = items[start + b].Text;
                        _cache.Add(text, v);
                        foreach (var index in pending[text]) result[index] = (float[])v.Clone();
                    }
                }
            }
        }
        return result;
    }

    /// <summary>Scales <paramref name="v"/> to unit L2 norm (a zero vector stays zero).</summary>
    internal static void Normalize(Span<float> v)
    {
        var norm = TensorPrimitives.Norm(v);
        if (norm > 0 && float.IsFinite(norm)) TensorPrimitives.Divide(v, norm, v);
    }

    /// <summary>Releases the ONNX Runtime sessions that were loaded and their options.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_audio.IsValueCreated) _audio.Value.Dispose();
        if (_text.IsValueCreated) _text.Value.Dispose();
        _sessionOptions.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "CLAP {Kind} graph opened from {Path} ({Dimension}-d)")]
    private static partial void LogOpened(ILogger logger, string kind, string path, int dimension);
}
