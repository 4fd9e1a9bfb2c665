using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Generative;
using Traum.Models.Embedding;

namespace Traum.Engine.Training;

/// <summary>
/// Trains a VAE on a category (or tag, or list) of the library's stems and files it as
/// <c>models/&lt;name&gt;/v&lt;N&gt;/</c>: the model is written to a temporary folder beside it and renamed when
/// complete, then registered in the catalog, so a cancelled or crashed run leaves no model behind (at most a
/// temporary folder that the next run of this service removes). Versions count up and never overwrite each other.
/// CPU-bound and synchronous; run it on a worker.
/// </summary>
public sealed partial class TrainingService
{
    /// <summary>Temporary model folders start with this.</summary>
    public const string TempPrefix = ".traum-train-";

    private readonly Library _library;
    private readonly ILogger<TrainingService> _logger;
    private readonly TimeProvider _time;
    private readonly Lazy<IAudioEmbedder?> _evaluationEmbedder;

    /// <param name="library">The library the stems come from and the models go to.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="time">Clock.</param>
    /// <param name="evaluationEmbedder">The embedding of the end-of-training evaluation (CLAP when installed, for a FAD);
    /// null: the descriptor embedding.</param>
    public TrainingService(Library library, ILogger<TrainingService>? logger = null, TimeProvider? time = null, IAudioEmbedder? evaluationEmbedder = null)
        : this(library, logger, time, () => evaluationEmbedder)
    {
    }

    /// <param name="library">The library the stems come from and the models go to.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="time">Clock.</param>
    /// <param name="evaluationEmbedder">Gives the embedding of the end-of-training evaluation when the first training ends
    /// (so listing or deleting models never loads CLAP); null from it: the descriptor embedding.</param>
    public TrainingService(Library library, ILogger<TrainingService>? logger, TimeProvider? time, Func<IAudioEmbedder?> evaluationEmbedder)
    {
        ArgumentNullException.ThrowIfNull(evaluationEmbedder);
        _library = library ?? throw new ArgumentNullException(nameof(library));
        _logger = logger ?? NullLogger<TrainingService>.Instance;
        _time = time ?? TimeProvider.System;
        _evaluationEmbedder = new Lazy<IAudioEmbedder?>(evaluationEmbedder, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The stems a request selects, in id order.</summary>
    /// <exception cref="InvalidInputException">No selection, or more than one.</exception>
    /// <exception cref="NotFoundException">An explicit id does not exist.</exception>
    public IReadOnlyList<Stem> SelectStems(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var given = (request.Category is not null ? 1 : 0) + (request.Tag is not null ? 1 : 0) + (request.StemIds is not null ? 1 : 0);
        if (given != 1) throw new InvalidInputException("Choose the training stems with exactly one of --category, --tag or --ids.");
        var catalog = _library.Catalog;
        IEnumerable<Stem> stems;
        if (request.Category is { } category)
        {
            var c = category.Trim();
            stems = catalog.ListStems(new StemQuery { Category = c }).Concat(catalog.ListStems(new StemQuery { Kind = c }));
        }
        else if (request.Tag is { } tag)
        {
            stems = catalog.ListStems(new StemQuery { Tag = tag });
        }
        else
        {
            stems = request.StemIds!.Select(id => catalog.GetStem(id) ?? throw new NotFoundException($"No stem with id {id}; list stems with 'traum stems'."));
        }
        return stems.Where(s => request.IncludeGenerated || s.Origin != StemOrigin.Generated)
            .DistinctBy(s => s.Id).OrderBy(s => s.Id).ToList();
    }

    /// <summary>The folder name a request's model goes under.</summary>
    public static string ModelName(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = (request.ModelName ?? request.Category ?? request.Tag ?? "custom").Trim().ToLowerInvariant();
        if (!ValidName().IsMatch(name))
        {
            throw new InvalidInputException($"'{name}' cannot name a model folder; use letters, digits, '-' and '_' (at most 64), or pass --name.");
        }
        return name;
    }

    /// <summary>
    /// Trains and registers a model. Throws <see cref="InvalidInputException"/> when the selection has too little
    /// audio (the message says how much it has and needs), <see cref="OperationCanceledException"/> when cancelled
    /// (nothing is written).
    /// </summary>
    public TrainedVae Train(TrainingRequest request, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Features.Validate();
        request.Training.Validate();
        TorchRuntime.EnsureAvailable();
        var name = ModelName(request);
        var stems = SelectStems(request);
        var what = Describe(request);
        var seconds = stems.Sum(s => s.Duration);
        if (stems.Count == 0 || seconds < request.MinimumSeconds)
        {
            throw new InvalidInputException(
                $"{what} has {stems.Count} stem{(stems.Count == 1 ? "" : "s")} with {seconds.ToString("0.0", CultureInfo.InvariantCulture)} s of audio; "
                + $"training needs at least {request.MinimumSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s. Add stems with 'traum ingest' (or lower the minimum with --min-seconds).");
        }

        LogLoading(_logger, stems.Count, what);
        var material = Material(stems);
        if (request.ExcerptFromMaterial)
        {
            var length = material.OutputSeconds();
            if (material.Bpm is { } bpm && material.Loops && length > request.MaximumAutoExcerptSeconds)
            {
                length = Math.Max(1, Math.Floor(request.MaximumAutoExcerptSeconds / (240.0 / bpm))) * 240.0 / bpm; // whole bars
            }
            request = request with { Features = request.Features with { ExcerptSeconds = Math.Clamp(length, request.MinimumAutoExcerptSeconds, request.MaximumAutoExcerptSeconds) } };
            request.Features.Validate();
        }
        if (material.Loops && material.Bpm is { } beatBpm && request.Training.LoopShiftFrames == 0)
        {
            // Loops learnt whole are also learnt started on each other beat (augmentation of the training split only).
            var frames = (int)Math.Round(60.0 / beatBpm * request.Features.SampleRate / request.Features.Hop);
            if (frames > 0 && frames < request.Features.Frames) request = request with { Training = request.Training with { LoopShiftFrames = frames } };
        }
        var sources = new List<DatasetSource>(stems.Count);
        foreach (var stem in stems)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var audio = AudioFile.Read(_library.ResolveFile(stem.FilePath), cancellationToken);
            // Keep only the mono mix at the training rate (a quarter of a 44.1 kHz stereo stem at 22.05 kHz).
            var mono = Audio.AudioBuffer.Mono(AudioDataset.ToTrainingMono(audio, request.Features.SampleRate), request.Features.SampleRate);
            var d = _library.Catalog.GetDescriptors(stem.Id);
            sources.Add(new DatasetSource(mono, stem.Id.ToString(CultureInfo.InvariantCulture), new ExcerptHints(d?.Bpm, null, d?.IsOneShot)));
        }
        var dataset = AudioDataset.Build(sources, request.Features, cancellationToken);
        sources.Clear();
        if (dataset.Count < request.MinimumExcerpts)
        {
            throw new InvalidInputException(
                $"{what} gives {dataset.Count} non-silent excerpt{(dataset.Count == 1 ? "" : "s")} of {request.Features.ExcerptSeconds.ToString("0.##", CultureInfo.InvariantCulture)} s "
                + $"({dataset.Summary.SilentDropped} silent ones dropped); training needs at least {request.MinimumExcerpts}. Add stems with 'traum ingest' or use shorter --excerpt.");
        }

        var result = VaeTrainer.Train(dataset, request.Shape, request.Training, progress, cancellationToken);
        var model = new VaeModel(result.Model, result.Scaler, BuildMetadata(request, name, stems, dataset, result) with { Material = material });
        try
        {
            if (result.Failure is null && request.EvaluationStems >= 2)
            {
                try
                {
                    var report = new StemGeneration.GenerationEvaluator(_library, _evaluationEmbedder.Value).Evaluate(model, name, request.EvaluationStems, request.Training.Seed, 32, cancellationToken);
                    model = new VaeModel(model.Network, model.Scaler, model.Metadata with { GenerationReport = report });
                }
                catch (InvalidInputException e)
                {
                    LogNoEvaluation(_logger, name, e.Message);
                }
            }
            cancellationToken.ThrowIfCancellationRequested();
            return Finish(name, model, result);
        }
        finally
        {
            model.Dispose();
        }
    }

    private TrainedVae Finish(string name, VaeModel model, TrainingResult result)
    {
        var trained = Register(name, model);
        if (result.Failure is { } why)
        {
            LogFailed(_logger, name, trained.Record.Version, why);
            throw new TrainingFailedException($"Training {name}/{trained.Record.Version} failed: {why} (kept as a failed version, not the default)", trained);
        }
        return trained;
    }

    /// <summary>The material profile of stems: dominant rate, channels, median length, tempo and loudness.</summary>
    public MaterialProfile Material(IReadOnlyList<Stem> stems)
    {
        ArgumentNullException.ThrowIfNull(stems);
        return MaterialProfile.Measure([.. stems.Select(s =>
        {
            var d = _library.Catalog.GetDescriptors(s.Id);
            return (s.SampleRate, s.Channels, s.Duration, d?.Bpm, d is null ? (double?)null : d.Lufs, d is null ? (bool?)null : d.IsOneShot);
        })]);
    }

    /// <summary>The version generation uses when none is named: the one made default, else the newest that did not fail; null when none.</summary>
    public string? DefaultVersion(string name)
    {
        var key = name.Trim().ToLowerInvariant();
        var models = ListModels(key);
        var pinned = ReadDefault(key);
        if (pinned is not null && models.Any(m => m.Record.Version == pinned && m.Metadata is { IsFailed: false })) return pinned;
        return models.FirstOrDefault(m => m.Metadata is { IsFailed: false }).Record?.Version;
    }

    /// <summary>Makes <paramref name="version"/> the default of <paramref name="name"/>.</summary>
    /// <exception cref="NotFoundException">No such version.</exception>
    /// <exception cref="InvalidInputException">The version failed (a failed run is never a default).</exception>
    public void SetDefault(string name, string version)
    {
        var key = name.Trim().ToLowerInvariant();
        var m = ListModels(key).FirstOrDefault(x => x.Record.Version == version);
        if (m.Record is null) throw new NotFoundException($"No model {key}/{version}; list them with 'traum train list'.");
        if (m.Metadata is null || m.Metadata.IsFailed) throw new InvalidInputException($"{key}/{version} failed or cannot be read and cannot be the default; train again or choose another version.");
        var dir = Path.Combine(_library.ModelsPath, key);
        Directory.CreateDirectory(dir);
        AtomicText(Path.Combine(dir, DefaultFile), version);
    }

    /// <summary>Deletes a version: its catalog row and its folder (the default pointer is cleared if it named it).</summary>
    /// <exception cref="NotFoundException">No such version.</exception>
    public void Delete(string name, string version)
    {
        var key = name.Trim().ToLowerInvariant();
        var rec = _library.Catalog.GetModel(key, version) ?? throw new NotFoundException($"No model {key}/{version}; list them with 'traum train list'.");
        _library.Catalog.DeleteModel(rec.Id);
        var dir = _library.GetFullPath(rec.Path);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        var pointer = Path.Combine(_library.ModelsPath, key, DefaultFile);
        if (ReadDefault(key) == version) File.Delete(pointer);
    }

    /// <summary>File in <c>models/&lt;name&gt;/</c> that names the default version.</summary>
    public const string DefaultFile = "default";

    private string? ReadDefault(string key)
    {
        var path = Path.Combine(_library.ModelsPath, key, DefaultFile);
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void AtomicText(string path, string text)
    {
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }

    private VaeMetadata BuildMetadata(TrainingRequest request, string name, IReadOnlyList<Stem> stems, AudioDataset dataset, TrainingResult r) => new()
    {
        Category = name,
        CreatedAt = _time.GetUtcNow(),
        Model = r.Model.Config,
        Features = request.Features,
        Training = request.Training,
        Data = new TrainingData
        {
            Category = name,
            Selection = request.Category is not null ? "category" : request.Tag is not null ? "tag" : "ids",
            Kind = stems.GroupBy(s => s.Kind).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key,
            Summary = dataset.Summary,
            TrainExcerpts = r.TrainExcerpts,
            ValidationExcerpts = r.ValidationExcerpts,
            StemIds = [.. stems.Select(s => s.Id.ToString(CultureInfo.InvariantCulture))],
        },
        Losses = r.Losses,
        BestEpoch = r.BestEpoch,
        StoppedEarly = r.StoppedEarly,
        InitialValidationLoss = r.InitialValidationLoss,
        TrainingSeconds = r.Elapsed.TotalSeconds,
        Threads = r.Threads,
        Device = r.Device,
        Parameters = VaeModel.CountParameters(r.Model),
        Evaluation = r.Report,
        Status = r.Failure is null ? VaeMetadata.StatusOk : VaeMetadata.StatusFailed,
        Failure = r.Failure,
        MeanBaselineValidation = r.MeanBaselineValidation,
        ActiveLatents = r.ActiveLatents,
        LatentActivity = r.LatentActivity,
        LatentMean = r.LatentMean,
        LatentStd = r.LatentStd,
        Posteriors = r.Posteriors,
    };

    /// <summary>Writes the model to a temporary folder, renames it to the next version, registers it.</summary>
    private TrainedVae Register(string name, VaeModel model)
    {
        var parent = Path.Combine(_library.ModelsPath, name);
        Directory.CreateDirectory(parent);
        RemoveStaleTemporaries(parent);
        var temp = Path.Combine(parent, $"{TempPrefix}{Guid.NewGuid():N}");
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var version = NextVersion(name, parent);
                var metadata = model.Metadata with { Version = version };
                new VaeModel(model.Network, model.Scaler, metadata).Save(temp);
                var final = Path.Combine(parent, version);
                try
                {
                    Directory.Move(temp, final);
                }
                catch (IOException) when (Directory.Exists(final) && attempt < 5)
                {
                    Directory.Delete(temp, recursive: true);
                    continue; // another process took this version: take the next
                }
                var json = JsonSerializer.Serialize(metadata, VaeModel.JsonOptions);
                var record = _library.Catalog.AddModel(name, version, _library.GetRelativePath(final), json);
                LogSaved(_logger, name, version, final);
                return new TrainedVae(record, final, metadata);
            }
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
    }

    /// <summary>"v1", "v2", … one above the highest version in the catalog or on disk.</summary>
    private string NextVersion(string name, string parent)
    {
        var used = _library.Catalog.ListModels(name).Select(m => m.Version)
            .Concat(Directory.EnumerateDirectories(parent).Select(Path.GetFileName).OfType<string>());
        var max = 0;
        foreach (var v in used)
        {
            if (v.Length > 1 && v[0] == 'v' && int.TryParse(v.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n)) max = Math.Max(max, n);
        }
        return "v" + (max + 1).ToString(CultureInfo.InvariantCulture);
    }

    private void RemoveStaleTemporaries(string parent)
    {
        foreach (var d in Directory.EnumerateDirectories(parent, TempPrefix + "*"))
        {
            // Only folders older than a day: a concurrent training in another process may own a fresh one.
            if (Directory.GetLastWriteTimeUtc(d) < _time.GetUtcNow().UtcDateTime.AddDays(-1))
            {
                try { Directory.Delete(d, recursive: true); }
                catch (IOException) { }
            }
        }
    }

    /// <summary>Trained VAE models of the library (optionally of one name), newest first, with their metadata where readable.</summary>
    public IReadOnlyList<(TrainedModel Record, VaeMetadata? Metadata)> ListModels(string? name = null) =>
        [.. _library.Catalog.ListModels(name?.Trim().ToLowerInvariant()).OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Select(m => (m, TryRead(m)))];

    private VaeMetadata? TryRead(TrainedModel m)
    {
        try
        {
            return VaeModel.ReadMetadata(_library.GetFullPath(m.Path));
        }
        catch (TraumException)
        {
            return null;
        }
    }

    private static string Describe(TrainingRequest r) =>
        r.Category is not null ? $"Category '{r.Category}'" : r.Tag is not null ? $"Tag '{r.Tag}'" : "The chosen stems";

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex ValidName();

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading {Count} stems of {What}")]
    private static partial void LogLoading(ILogger logger, int count, string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "No generation evaluation for {Name}: {Reason}")]
    private static partial void LogNoEvaluation(ILogger logger, string name, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training {Name}/{Version} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string name, string version, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Saved VAE {Name}/{Version} to {Path}")]
    private static partial void LogSaved(ILogger logger, string name, string version, string path);
}
