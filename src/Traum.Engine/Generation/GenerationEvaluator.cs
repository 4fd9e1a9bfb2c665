using System.Globalization;
using Traum.Audio;
using Traum.Audio.Descriptors;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Generative;
using Traum.Models.Embedding;

namespace Traum.Engine.StemGeneration;

/// <summary>
/// The generation evaluation (<c>traum eval generation</c>, and the report at the end of training): renders
/// <c>n</c> random stems in memory (nothing is written or ingested), embeds them and the training stems with CLAP when
/// it is installed (so the Fréchet distance is the FAD) and with the descriptor embedding (<see cref="DescriptorEmbedder"/>)
/// otherwise, and measures diversity, novelty and a Fréchet distance, with another category's stems as the scale.
/// CPU-bound and synchronous.
/// </summary>
public sealed class GenerationEvaluator
{
    /// <summary>At most this many training stems are embedded.</summary>
    public const int MaxTrainingStems = 64;

    /// <summary>A generated stem nearer a training stem than this share of the training set's own nearest-neighbour distance is flagged as a copy.</summary>
    public const double CopyFraction = 0.1;

    /// <summary>The name the report gives the descriptor embedding.</summary>
    public const string DescriptorEmbedding = "descriptor";

    private readonly Library _library;
    private readonly DescriptorEmbedder _descriptors = new();
    private readonly IAudioEmbedder? _embedder;

    /// <param name="library">The library with the training stems and other categories.</param>
    /// <param name="embedder">The embedding to measure in (CLAP's audio embedder when installed); null: the descriptor embedding.</param>
    public GenerationEvaluator(Library library, IAudioEmbedder? embedder = null)
    {
        _library = library ?? throw new ArgumentNullException(nameof(library));
        _embedder = embedder;
    }

    /// <summary>The embedding the report is measured in: the embedder's model id, or <see cref="DescriptorEmbedding"/>.</summary>
    public string Embedding => _embedder?.ModelId ?? DescriptorEmbedding;

    private float[] Embed(AudioBuffer audio, CancellationToken ct) =>
        _embedder is null ? _descriptors.Embed(audio, ct) : _embedder.EmbedAudio([audio], ct)[0];

    /// <summary>Evaluates <paramref name="model"/> (trained on <paramref name="category"/>) with <paramref name="count"/> random stems from <paramref name="seed"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="category">Its category (for the training stems and to pick another category).</param>
    /// <param name="count">Generated stems (at least 2).</param>
    /// <param name="seed">Seed of the latents and phases.</param>
    /// <param name="griffinLimIterations">Phase reconstruction iterations.</param>
    /// <param name="cancellationToken">Stops between stems.</param>
    public GenerationEvaluation Evaluate(VaeModel model, string category, int count = 16, int seed = 1, int griffinLimIterations = 32, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(category);
        if (count < 2) throw new InvalidInputException("The evaluation needs at least 2 generated stems (-n 2 or more).");
        var training = EmbedStems(TrainingStems(category, model.Metadata), cancellationToken);
        if (training.Count < 2) throw new InvalidInputException($"The evaluation needs at least 2 stems of '{category}' in the library to compare with.");
        var generated = Generate(model, count, seed, griffinLimIterations, cancellationToken);

        var genPair = EmbeddingStatistics.MeanPairwise(generated);
        var trainPair = EmbeddingStatistics.MeanPairwise(training);
        var nearest = EmbeddingStatistics.Nearest(generated, training);
        var trainNearest = EmbeddingStatistics.Nearest(training, training, leaveOneOut: true).Average();
        var copies = nearest.Count(d => d < CopyFraction * trainNearest);
        var frechet = EmbeddingStatistics.Frechet(generated, training);

        double? otherFrechet = null;
        int? nearerOwn = null;
        string? otherName = null;
        foreach (var other in OtherCategories(category))
        {
            var others = EmbedStems(other.Stems, cancellationToken);
            if (others.Count < 2) continue;
            otherName = other.Name;
            otherFrechet = EmbeddingStatistics.Frechet(training, others);
            var own = EmbeddingStatistics.Mean(training);
            var alien = EmbeddingStatistics.Mean(others);
            nearerOwn = generated.Count(g => Distance(g, own) < Distance(g, alien));
            break;
        }
        return new GenerationEvaluation(Embedding, generated.Count, training.Count, trainPair > 0 ? genPair / trainPair : double.NaN, genPair, trainPair,
            nearest.Average(), trainNearest, copies, frechet, otherFrechet, otherName, nearerOwn, model.Metadata.ActiveLatents, model.Latent,
            model.Metadata.Evaluation);
    }

    /// <summary>Renders random stems in memory and embeds them.</summary>
    private List<float[]> Generate(VaeModel model, int count, int seed, int iterations, CancellationToken ct)
    {
        var logs = model.DecodeLog(model.SampleLatents(count, 1.0, seed));
        var d = model.Features.FeatureCount;
        var render = GenerativeService.RenderFor(model.Metadata, new GenerationRequest { Category = model.Metadata.Category });
        var list = new List<float[]>(count);
        for (var i = 0; i < count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var stem = StemRenderer.Render(logs.AsSpan(i * d, d), model.Features, render, PhaseMode.GriffinLim, iterations, seed + i);
            list.Add(Embed(stem.Audio, ct));
        }
        return list;
    }

    private List<float[]> EmbedStems(List<Stem> stems, CancellationToken ct)
    {
        var list = new List<float[]>(stems.Count);
        foreach (var s in stems.Take(MaxTrainingStems))
        {
            ct.ThrowIfCancellationRequested();
            AudioBuffer audio;
            try
            {
                audio = AudioFile.Read(_library.ResolveFile(s.FilePath), ct);
            }
            catch (AudioFormatException)
            {
                continue;
            }
            catch (IOException)
            {
                continue;
            }
            list.Add(Embed(audio, ct));
        }
        return list;
    }

    private List<Stem> TrainingStems(string category, VaeMetadata metadata)
    {
        var ids = metadata.Data?.StemIds.Select(s => long.TryParse(s, CultureInfo.InvariantCulture, out var v) ? v : -1).Where(v => v > 0).ToHashSet() ?? [];
        var trained = ids.Count > 0 ? _library.Catalog.ListStems(new StemQuery { Ids = ids }) : [];
        return trained.Count > 0 ? [.. trained] : RealStems(category);
    }

    private List<Stem> RealStems(string category) =>
        [.. _library.Catalog.ListStems(new StemQuery { Category = category }).Concat(_library.Catalog.ListStems(new StemQuery { Kind = category }))
            .Where(s => s.Origin != StemOrigin.Generated).DistinctBy(s => s.Id).OrderBy(s => s.Id)];

    /// <summary>Other categories with real stems: trained model names first, then stem categories, in name order.</summary>
    private IEnumerable<(string Name, List<Stem> Stems)> OtherCategories(string category)
    {
        var key = category.Trim().ToLowerInvariant();
        var names = _library.Catalog.ListModels().Select(m => m.Category)
            .Concat(_library.Catalog.ListStems(new StemQuery()).Where(s => s.Origin != StemOrigin.Generated).Select(s => s.Category ?? s.Kind))
            .Where(n => !string.IsNullOrWhiteSpace(n) && !string.Equals(n, key, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var n in names)
        {
            var stems = RealStems(n!);
            if (stems.Count >= 2) yield return (n!, stems);
        }
    }

    private static double Distance(float[] a, double[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
        return Math.Sqrt(s);
    }
}
