using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Ingest;
using Traum.Generative;

namespace Traum.Engine.StemGeneration;

/// <summary>
/// Makes new stems with trained VAEs: chooses latents (random, interpolation, hybrid of real stems, or a cross of
/// two categories' models), decodes them to log-magnitude spectrograms, reconstructs phase (fast Griffin-Lim or
/// random phase), peak-normalises, writes a WAV to <c>generated/</c> (atomically) and ingests it with its lineage.
/// Models are loaded once per folder and kept (thread-safe cache). CPU-bound and synchronous.
/// </summary>
public sealed partial class GenerativeService : IDisposable
{
    private readonly Library _library;
    private readonly StemIngester _ingester;
    private readonly ILogger<GenerativeService> _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Lazy<VaeModel>> _cache = new(StringComparer.Ordinal);

    /// <param name="ingester">Ingests the generated stems; its <see cref="StemIngester.Library"/> is where models are read and output is written.</param>
    /// <param name="logger">Optional logger.</param>
    /// <param name="time">Clock of the seeds chosen when a request gives none; default the system clock.</param>
    /// <exception cref="ArgumentNullException"><paramref name="ingester"/> is null.</exception>
    public GenerativeService(StemIngester ingester, ILogger<GenerativeService>? logger = null, TimeProvider? time = null)
    {
        _ingester = ingester ?? throw new ArgumentNullException(nameof(ingester));
        _library = ingester.Library;
        _logger = logger ?? NullLogger<GenerativeService>.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The model registered as <paramref name="name"/>/<paramref name="version"/>, or the newest one that loads.</summary>
    /// <exception cref="ModelNotFoundException">None registered, the named version is missing, or it is corrupt.</exception>
    public (TrainedModel Record, VaeModel Model) ResolveModel(string name, string? version = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        TorchRuntime.EnsureAvailable();
        var key = name.Trim().ToLowerInvariant();
        var catalog = _library.Catalog;
        if (version is not null)
        {
            var rec = catalog.GetModel(key, version)
                ?? throw new ModelNotFoundException($"No VAE '{key}' version '{version}'; list them with 'traum train list'.");
            return (rec, Load(rec));
        }
        var all = catalog.ListModels(key).OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).ToList();
        if (all.Count == 0) throw new ModelNotFoundException($"No trained VAE for '{key}'; train one with 'traum train --category {key}'.");
        // The version made default first, then the newest; failed runs are never used unless named.
        var pinned = ReadDefault(key);
        all = [.. all.OrderBy(m => m.Version == pinned ? 0 : 1)];
        ModelNotFoundException? first = null;
        foreach (var rec in all)
        {
            try
            {
                var model = Load(rec);
                if (model.Metadata.IsFailed)
                {
                    first ??= new ModelNotFoundException($"{key}/{rec.Version} is a failed training run ({model.Metadata.Failure}); train again.");
                    continue;
                }
                return (rec, model);
            }
            catch (ModelNotFoundException e)
            {
                LogSkipped(_logger, rec.Category, rec.Version, e.Message);
                first ??= e;
            }
        }
        throw new ModelNotFoundException($"No usable VAE for '{key}': {first!.Message}", first);
    }

    private string? ReadDefault(string key)
    {
        var path = Path.Combine(_library.ModelsPath, key, Training.TrainingService.DefaultFile);
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private VaeModel Load(TrainedModel rec)
    {
        var dir = _library.GetFullPath(rec.Path);
        var lazy = _cache.GetOrAdd(dir, d => new Lazy<VaeModel>(() => VaeModel.Load(d), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch (ModelNotFoundException)
        {
            _cache.TryRemove(new KeyValuePair<string, Lazy<VaeModel>>(dir, lazy)); // retry after the user fixes it
            throw;
        }
    }

    /// <summary>Generates stems as the request says and ingests them; returns them in order.</summary>
    public IReadOnlyList<GeneratedStem> Generate(GenerationRequest request, IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var seed = request.Seed ?? (int)(_time.GetUtcNow().ToUnixTimeMilliseconds() & 0x7FFFFFFF);
        if (request.Mode == GenerationMode.Blend) return GenerateBlend(request, request.Category!, request.BlendWith!, seed, progress, cancellationToken);

        var (record, model) = ResolveModel(request.Category!, request.Version);
        var plan = Plan(request, record, model, seed, cancellationToken);
        var logs = model.DecodeLog(plan.Latents);
        return Emit(request, record, model.Metadata, model.Features, logs, plan.Items, seed, new Dictionary<string, object?>(), progress, cancellationToken);
    }

    /// <summary>Generates <see cref="GenerationRequest.Count"/> stems for every model name in the library; returns them by name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<GeneratedStem>> GenerateAll(GenerationRequest template, IProgress<ProgressInfo>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(template);
        var names = _library.Catalog.ListModels().Select(m => m.Category).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0) throw new ModelNotFoundException("There are no trained VAEs in this library; train one with 'traum train --category <name>'.");
        var result = new Dictionary<string, IReadOnlyList<GeneratedStem>>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(new ProgressInfo(i, names.Count, "models", names[i]));
            result[names[i]] = Generate(template with { Category = names[i], Version = null, BlendWith = null, Mode = template.Mode == GenerationMode.Blend ? GenerationMode.Random : template.Mode }, null, cancellationToken);
        }
        progress?.Report(new ProgressInfo(names.Count, names.Count, "models"));
        return result;
    }

    private sealed record PlanItem(int Seed, IReadOnlyList<long> Parents, Dictionary<string, object?> Extra);

    private sealed record LatentPlan(float[] Latents, IReadOnlyList<PlanItem> Items);

    private LatentPlan Plan(GenerationRequest r, TrainedModel record, VaeModel model, int seed, CancellationToken ct)
    {
        var latent = model.Latent;
        switch (r.Mode)
        {
            case GenerationMode.Random:
            {
                var z = model.SampleLatents(r.Count, r.Temperature, seed);
                return new LatentPlan(z, [.. Enumerable.Range(0, r.Count).Select(i => new PlanItem(seed + i, [], new Dictionary<string, object?> { ["index"] = i }))]);
            }
            case GenerationMode.Interpolate:
            {
                float[] a, b;
                IReadOnlyList<long> parents = [];
                if (r.FromStemId is { } from && r.ToStemId is { } to)
                {
                    a = EncodeStem(model, from, ct);
                    b = EncodeStem(model, to, ct);
                    parents = [from, to];
                }
                else
                {
                    var ends = model.SampleLatents(2, r.Temperature, seed);
                    a = ends[..latent];
                    b = ends[latent..];
                }
                var path = Latents.Interpolate(a, b, r.Steps, r.Spherical);
                return new LatentPlan(path, [.. Enumerable.Range(0, r.Steps).Select(i => new PlanItem(seed + i, parents,
                    new Dictionary<string, object?> { ["step"] = i, ["t"] = (double)i / (r.Steps - 1) }))]);
            }
            case GenerationMode.Hybrid:
            {
                var pool = StemsOf(record.Category, model.Metadata);
                if (pool.Count == 0) throw new InvalidInputException($"Hybrid mode needs real stems of '{record.Category}' in the library and there are none; use --mode random.");
                var rng = new Random(seed);
                var z = new float[r.Count * latent];
                var items = new List<PlanItem>(r.Count);
                var encoded = new Dictionary<long, float[]>();
                for (var i = 0; i < r.Count; i++)
                {
                    var parent = pool[rng.Next(pool.Count)];
                    if (!encoded.TryGetValue(parent.Id, out var mu)) encoded[parent.Id] = mu = EncodeStem(model, parent.Id, ct);
                    model.Mutate(mu, r.HybridNoise, seed + i).CopyTo(z, i * latent);
                    items.Add(new PlanItem(seed + i, [parent.Id], new Dictionary<string, object?> { ["index"] = i }));
                }
                return new LatentPlan(z, items);
            }
            default:
                throw new InvalidInputException($"Unknown generation mode {r.Mode}.");
        }
    }

    /// <summary>
    /// Blend: the same seeds give one latent per model (each from its own N(0, t²·I)); both are decoded and
    /// the two log-magnitude spectrograms are blended, (1 − mix)·A + mix·B, before phase reconstruction. Both models
    /// must use the same spectrogram settings.
    /// </summary>
    private List<GeneratedStem> GenerateBlend(GenerationRequest r, string nameA, string nameB, int seed, IProgress<ProgressInfo>? progress, CancellationToken ct)
    {
        var (recA, a) = ResolveModel(nameA, r.Version);
        var (recB, b) = ResolveModel(nameB);
        if (a.Features.FeatureCount != b.Features.FeatureCount || a.Features.SampleRate != b.Features.SampleRate
            || a.Features.Compression != b.Features.Compression || a.Features.Hop != b.Features.Hop)
        {
            throw new InvalidInputException($"Models '{nameA}' and '{nameB}' use different spectrogram settings (rate, excerpt, n_fft, hop or log) and cannot be blended; train them with the same settings.");
        }
        var logA = a.DecodeLog(a.SampleLatents(r.Count, r.Temperature, seed));
        var logB = b.DecodeLog(b.SampleLatents(r.Count, r.Temperature, seed));
        var blended = SpectrogramAudio.Blend(logA, logB, r.Mix);
        var items = Enumerable.Range(0, r.Count).Select(i => new PlanItem(seed + i, [], new Dictionary<string, object?> { ["index"] = i })).ToList();
        var extra = new Dictionary<string, object?>
        {
            ["blend"] = new[] { recA.Category, recB.Category },
            ["blendVersions"] = new[] { recA.Version, recB.Version },
            ["mix"] = r.Mix,
        };
        return Emit(r with { Category = recA.Category }, recA, a.Metadata, a.Features, blended, items, seed, extra, progress, ct, "blend", $"{recA.Category}+{recB.Category}");
    }

    private List<GeneratedStem> Emit(GenerationRequest r, TrainedModel record, VaeMetadata metadata, SpectrogramOptions features, float[] logs,
        IReadOnlyList<PlanItem> items, int seed, Dictionary<string, object?> extra, IProgress<ProgressInfo>? progress, CancellationToken ct,
        string? modeName = null, string? label = null)
    {
        var d = features.FeatureCount;
        var mode = modeName ?? r.Mode.ToString().ToLowerInvariant();
        var category = label ?? record.Category;
        var kind = metadata.Data?.Kind ?? "other";
        var render = RenderFor(metadata, r);
        var outDir = Path.Combine(_library.GeneratedPath, record.Category);
        Directory.CreateDirectory(outDir);
        var results = new List<GeneratedStem>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            progress?.Report(new ProgressInfo(i, items.Count, "stems", $"{category} {i + 1}/{items.Count}"));
            var item = items[i];
            var rendered = StemRenderer.Render(logs.AsSpan(i * d, d), features, render, r.Phase, r.GriffinLimIterations, item.Seed);
            if (Useless(rendered) is { } problem)
            {
                throw new TraumException($"Generated stem {i + 1} of '{record.Category}' {record.Version} (seed {item.Seed}) {problem}; nothing was added. " +
                    "Train the category again (more stems or epochs), or use another version with 'traum train list'.");
            }
            var parameters = new Dictionary<string, object?>(extra)
            {
                ["batchSeed"] = seed,
                ["temperature"] = r.Temperature,
                ["phase"] = r.Phase == PhaseMode.GriffinLim ? "griffin-lim" : "random",
                ["griffinLimIterations"] = r.Phase == PhaseMode.GriffinLim ? r.GriffinLimIterations : null,
                ["modelSampleRate"] = features.SampleRate,
                ["sampleRate"] = render.SampleRate,
                ["channels"] = render.Channels,
                ["seconds"] = render.Seconds,
                ["loop"] = render.Loop,
                ["targetLufs"] = render.LoudnessLufs,
                ["lufs"] = double.IsFinite(rendered.LoudnessLufs) ? Math.Round(rendered.LoudnessLufs, 2) : (double?)null,
                ["peakLimited"] = rendered.PeakLimited,
                ["spectralConvergence"] = Math.Round(rendered.SpectralConvergence, 4),
            };
            if (r.Mode == GenerationMode.Interpolate && modeName is null) { parameters["steps"] = r.Steps; parameters["spherical"] = r.Spherical; }
            if (r.Mode == GenerationMode.Hybrid && modeName is null) parameters["hybridNoise"] = r.HybridNoise;
            foreach (var (k, v) in item.Extra) parameters[k] = v;
            var lineage = _library.Catalog.AddGeneration(new Catalog.Generation
            {
                ModelId = record.Id,
                ModelCategory = record.Category,
                ModelVersion = record.Version,
                Mode = mode,
                Seed = item.Seed,
                ParametersJson = JsonSerializer.Serialize(parameters),
                ParentStemIds = item.Parents,
            });
            var name = $"{category}-{record.Version}-{mode}-{item.Seed.ToString(CultureInfo.InvariantCulture)}-{i + 1:D2}";
            var file = Path.Combine(outDir, $"{name.Replace('+', '_')}-g{lineage.Id.ToString(CultureInfo.InvariantCulture)}.wav");
            AtomicFile.Write(file, temp =>
            {
                using var w = WavWriter.Create(temp, render.SampleRate, rendered.Audio.ChannelCount, new AudioWriteOptions(SampleFormat.Float32));
                w.Write(rendered.Audio.Channels, 0, rendered.Audio.Length);
                w.Complete();
            });
            var ingested = _ingester.Ingest(new IngestItem(file)
            {
                Kind = kind,
                Category = record.Category,
                Origin = StemOrigin.Generated,
                GenerationId = lineage.Id,
                Name = name,
                Tags = ["generated", $"vae:{record.Category}/{record.Version}"],
                MoveSource = true,
                // Float WAV holds the rendered samples exactly: no decode of the file just written.
                Decoded = rendered.Audio,
            }, ct);
            if (ingested.Stem is null || ingested.Status == IngestStatus.Failed)
            {
                throw new TraumException($"Generated stem {file} could not be ingested: {ingested.Error ?? "unknown error"}.");
            }
            results.Add(new GeneratedStem(ingested.Stem, lineage));
        }
        progress?.Report(new ProgressInfo(items.Count, items.Count, "stems"));
        LogGenerated(_logger, items.Count, category, record.Version, mode);
        return results;
    }

    /// <summary>
    /// Why a rendered stem is no use to anyone (silent: below the −70 LUFS absolute gate of BS.1770, which is also what
    /// non-finite decoder output becomes), or null when it is a sound.
    /// </summary>
    internal static string? Useless(RenderedStem stem)
    {
        ArgumentNullException.ThrowIfNull(stem);
        return !(stem.LoudnessLufs > -70) ? "is silent (the model decoded its latent to nothing)" : null;
    }

    /// <summary>
    /// How a model's stems are rendered: at its material's rate and channels, of its material's length (whole bars at the
    /// tempo, or the median length; <see cref="GenerationRequest.Seconds"/>/<see cref="GenerationRequest.Bars"/> override),
    /// looping when the material loops, at its median loudness. Models without a material profile render one excerpt, mono,
    /// at the training rate, peak-normalised.
    /// </summary>
    public static RenderOptions RenderFor(VaeMetadata metadata, GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(request);
        var m = metadata.Material;
        if (m is null)
        {
            return new RenderOptions(metadata.Features.SampleRate, 1, request.Seconds ?? metadata.Features.ExcerptSeconds, false, null);
        }
        var seconds = request.Seconds ?? (request.Bars is { } b && m.Bpm is { } bpm ? b * 240.0 / bpm : (double?)null) ?? metadata.Features.ExcerptSeconds;
        return new RenderOptions(m.SampleRate, m.Channels, seconds, m.Loops, m.LoudnessLufs);
    }

    /// <summary>μ of the first non-silent excerpt of a stem under the model's spectrogram settings: <c>[Latent]</c>.</summary>
    /// <exception cref="NotFoundException">No such stem.</exception>
    /// <exception cref="InvalidInputException">The stem is silent.</exception>
    public float[] EncodeStem(VaeModel model, long stemId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var stem = _library.Catalog.GetStem(stemId) ?? throw new NotFoundException($"No stem with id {stemId}; list stems with 'traum stems'.");
        var audio = AudioFile.Read(_library.ResolveFile(stem.FilePath), cancellationToken);
        var desc = _library.Catalog.GetDescriptors(stemId);
        var ds = AudioDataset.Build([new DatasetSource(audio, stemId.ToString(CultureInfo.InvariantCulture), new ExcerptHints(desc?.Bpm, null, desc?.IsOneShot))],
            model.Features with { MaxExcerptsPerStem = 1 }, cancellationToken);
        if (ds.Count == 0) throw new InvalidInputException($"Stem {stemId} ({stem.Name}) is silent at the start; choose another stem.");
        return model.EncodeMean(ds.Row(0));
    }

    private List<Stem> StemsOf(string category, VaeMetadata metadata)
    {
        var catalog = _library.Catalog;
        var ids = metadata.Data?.StemIds.Select(s => long.TryParse(s, CultureInfo.InvariantCulture, out var v) ? v : -1).Where(v => v > 0).ToHashSet() ?? [];
        // Prefer the stems the model was trained on (still in the library); otherwise the category's non-generated stems.
        var trained = ids.Count > 0 ? catalog.ListStems(new StemQuery { Ids = ids }) : [];
        if (trained.Count > 0) return [.. trained];
        return [.. catalog.ListStems(new StemQuery { Category = category }).Concat(catalog.ListStems(new StemQuery { Kind = category }))
            .Where(s => s.Origin != StemOrigin.Generated).DistinctBy(s => s.Id).OrderBy(s => s.Id)];
    }

    /// <summary>Disposes the models loaded so far and empties the cache.</summary>
    public void Dispose()
    {
        foreach (var lazy in _cache.Values)
        {
            if (lazy.IsValueCreated) lazy.Value.Dispose();
        }
        _cache.Clear();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping VAE {Name}/{Version}: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string name, string version, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Generated {Count} stems with {Name}/{Version} ({Mode})")]
    private static partial void LogGenerated(ILogger logger, int count, string name, string version, string mode);
}
