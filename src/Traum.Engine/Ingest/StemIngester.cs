using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;

namespace Traum.Engine.Ingest;

/// <summary>One file to ingest and what to record about it.</summary>
/// <param name="SourcePath">The audio file (relative paths are taken from the current directory).</param>
public sealed record IngestItem(string SourcePath)
{
    /// <summary>Kind to record (null: decided by <see cref="StemClassifier"/>).</summary>
    public string? Kind { get; init; }
    /// <summary>Category to record (null: decided by <see cref="StemClassifier"/>).</summary>
    public string? Category { get; init; }
    /// <summary>Folder the user named; the classifier looks at folder names only up to it.</summary>
    public string? Root { get; init; }
    /// <summary>
    /// How the stem came into the library (default imported). A separated file counts as a duplicate only of a separated
    /// stem of the same <see cref="TrackId"/>, a generated one only of a generated stem of the same
    /// <see cref="GenerationId"/>; an import, of any stem with the same sound.
    /// </summary>
    public StemOrigin Origin { get; init; } = StemOrigin.Imported;
    /// <summary>The track a separated stem came from.</summary>
    public long? TrackId { get; init; }
    /// <summary>The generation a generated stem came from.</summary>
    public long? GenerationId { get; init; }
    /// <summary>Display name (default: the file name without extension).</summary>
    public string? Name { get; init; }
    /// <summary>User tags of a newly added stem (a duplicate keeps its own).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>Delete the source after storing it (for files Traum wrote itself, e.g. separation or generation output).</summary>
    public bool MoveSource { get; init; }

    /// <summary>
    /// Index the file where it is (the catalog keeps its absolute path) instead of copying it into the library; Traum
    /// never moves or deletes it, and <c>traum doctor --relink DIR</c> finds it again by content hash when it moves.
    /// </summary>
    public bool InPlace { get; init; }

    /// <summary>
    /// The file's samples, when the caller has them in memory and the file holds them exactly (generation writes
    /// float WAV): they are hashed and analysed as given, so the file is not decoded again.
    /// </summary>
    public AudioBuffer? Decoded { get; init; }
}

/// <summary>What happened to one file.</summary>
public enum IngestStatus
{
    /// <summary>A new stem was added.</summary>
    Added,
    /// <summary>The same sound is already in the library; nothing was added (missing analysis was filled in).</summary>
    Duplicate,
    /// <summary>The file could not be read; nothing was added.</summary>
    Failed,
}

/// <summary>The outcome for one file.</summary>
/// <param name="SourcePath">The file.</param>
/// <param name="Status">Added, duplicate or failed.</param>
/// <param name="Stem">The stem added, or the existing stem it duplicates.</param>
/// <param name="Seconds">Seconds of audio decoded (0 when the file was recognised without decoding).</param>
/// <param name="Error">Why it failed (without the path).</param>
/// <param name="AnalysisErrors">Analysers that failed on this stem ("name: reason"); the stem was kept.</param>
public sealed record IngestResult(string SourcePath, IngestStatus Status, Stem? Stem, double Seconds, string? Error, IReadOnlyList<string> AnalysisErrors);

/// <summary>
/// Ingests single files: decode → content hash → store the file once per hash → catalog row → analysers.
/// Re-ingesting adds nothing: an imported source file whose path, size and modification time match a stem is
/// recognised without decoding, and any file whose content hash is already a stem is a duplicate. Either way,
/// analyses missing from that stem (e.g. after a crash) are filled in. Thread-safe; the batch
/// <see cref="IngestService"/> runs several at once.
/// </summary>
public sealed partial class StemIngester
{
    private readonly Library _library;
    private readonly IReadOnlyList<IStemAnalyzer> _analyzers;
    private readonly ILogger<StemIngester> _logger;

    /// <param name="library">Where stems go.</param>
    /// <param name="analyzers">Run over each stem in order; unavailable ones are skipped.</param>
    /// <param name="logger">Optional logger.</param>
    public StemIngester(Library library, IReadOnlyList<IStemAnalyzer> analyzers, ILogger<StemIngester>? logger = null)
    {
        _library = library ?? throw new ArgumentNullException(nameof(library));
        _analyzers = (analyzers ?? throw new ArgumentNullException(nameof(analyzers))).Where(a => a.IsAvailable).ToArray();
        _logger = logger ?? NullLogger<StemIngester>.Instance;
    }

    /// <summary>The analysers that run (the available ones).</summary>
    public IReadOnlyList<IStemAnalyzer> Analyzers => _analyzers;

    /// <summary>The library stems are stored in and catalogued by.</summary>
    public Library Library => _library;

    /// <summary>Peak level below which an imported file counts as silent (digital silence or one 16-bit step of noise).</summary>
    public const double SilenceDb = -90;

    /// <summary>True when no sample of <paramref name="audio"/> reaches <see cref="SilenceDb"/>.</summary>
    internal static bool IsSilent(AudioBuffer audio)
    {
        var threshold = (float)Math.Pow(10, SilenceDb / 20);
        foreach (var channel in audio.Channels)
        {
            // MaxMagnitude returns the sample of largest magnitude with its sign.
            if (channel.Length > 0 && Math.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(channel)) >= threshold) return false;
        }
        return true;
    }

    /// <summary>Ingests one file. Unreadable files give <see cref="IngestStatus.Failed"/> rather than an exception.</summary>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public IngestResult Ingest(IngestItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        var source = Path.GetFullPath(item.SourcePath);
        var catalog = _library.Catalog;
        try
        {
            var info = new FileInfo(source);
            if (!info.Exists) return Failed(source, "no such file");
            var modified = new DateTimeOffset(info.LastWriteTimeUtc);
            if (item.Origin == StemOrigin.Imported && catalog.FindStemBySource(source, info.Length, modified) is { } known
                && !NeedsAny(known, catalog.GetStoredAnalysis(known.Id)))
            {
                return new IngestResult(source, IngestStatus.Duplicate, known, 0, null, []);
            }

            cancellationToken.ThrowIfCancellationRequested();
            var audio = item.Decoded ?? AudioFile.Read(source, cancellationToken);
            if (item.Origin == StemOrigin.Imported && IsSilent(audio))
            {
                return Failed(source, $"is silent (no sample reaches {SilenceDb} dBFS): there is nothing in it to search, compare or train on, so it was not added");
            }
            var hash = ContentHasher.Of(audio);
            var sameSound = catalog.FindStemsByHash(hash);
            var duplicate = sameSound.FirstOrDefault(s => IsSameStem(s, item));
            if (duplicate is not null)
            {
                // The same sound ingested in place from where its file is now: the stem follows the file.
                if (item.InPlace && Library.IsInPlace(duplicate.FilePath) && !File.Exists(duplicate.FilePath))
                {
                    duplicate = catalog.RelinkStem(duplicate.Id, Path.GetFullPath(source));
                }
                var errs = RunAnalyzers(duplicate, audio, catalog.GetStoredAnalysis(duplicate.Id), cancellationToken);
                if (item.MoveSource && source != _library.ResolveFile(duplicate.FilePath)) AtomicFile.TryDelete(source);
                LogDuplicate(_logger, source, duplicate.Id);
                return new IngestResult(source, IngestStatus.Duplicate, duplicate, audio.Duration, null, errs);
            }

            cancellationToken.ThrowIfCancellationRequested();
            // In place: the catalog refers to the user's file (absolute) and nothing is copied.
            var filePath = item.InPlace
                ? Path.GetFullPath(source)
                : sameSound.FirstOrDefault(s => !Library.IsInPlace(s.FilePath)) is { } stored && File.Exists(_library.ResolveFile(stored.FilePath))
                    ? stored.FilePath
                    : _library.StoreStemFile(source, hash, item.MoveSource);
            var cls = StemClassifier.Classify(source, item.Kind, item.Category, item.Root ?? Path.GetDirectoryName(source));
            Stem stem;
            try
            {
                stem = catalog.AddStem(new NewStem
                {
                    Name = item.Name ?? Path.GetFileNameWithoutExtension(source),
                    Kind = cls.Kind,
                    Category = cls.Category,
                    Origin = item.Origin,
                    TrackId = item.TrackId,
                    GenerationId = item.GenerationId,
                    FilePath = filePath,
                    ContentHash = hash,
                    SourcePath = item.MoveSource ? null : source,
                    SourceSize = item.MoveSource ? null : info.Length,
                    SourceModified = item.MoveSource ? null : modified,
                    SampleRate = audio.SampleRate,
                    Channels = audio.ChannelCount,
                    Duration = audio.Duration,
                    Tags = item.Tags,
                });
            }
            catch (StemExistsException e)
            {
                // Another ingest added the same sound between the look-up and the insert: it won.
                if (e.Existing.FilePath != filePath && !catalog.ListReferencedFiles().Contains(filePath)) AtomicFile.TryDelete(_library.GetFullPath(filePath));
                var errs = RunAnalyzers(e.Existing, audio, catalog.GetStoredAnalysis(e.Existing.Id), cancellationToken);
                LogDuplicate(_logger, source, e.Existing.Id);
                return new IngestResult(source, IngestStatus.Duplicate, e.Existing, audio.Duration, null, errs);
            }
            LogAdded(_logger, source, stem.Id, stem.Kind, stem.Category);
            // Once the row is in, its analysis is finished even when the run is cancelled, so a cancel never leaves a
            // stem without descriptors (a kill still can; reindex and the doctor complete those).
            var errors = RunAnalyzers(stem, audio, StoredAnalysis.None, CancellationToken.None);
            return new IngestResult(source, IngestStatus.Added, stem, audio.Duration, null, errors);
        }
        catch (AudioFormatException e)
        {
            return Failed(source, e.Problem ?? e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Failed(source, e.Message);
        }
    }

    /// <summary>
    /// Whether an existing stem with the same sound counts as "already ingested": an import of a sound that is
    /// already in the library always does; a separated stem does when it is the same track's; a generated one
    /// when it is the same generation's.
    /// </summary>
    private static bool IsSameStem(Stem existing, IngestItem item) => item.Origin switch
    {
        StemOrigin.Separated => existing.Origin == StemOrigin.Separated && existing.TrackId == item.TrackId,
        StemOrigin.Generated => existing.Origin == StemOrigin.Generated && existing.GenerationId == item.GenerationId,
        _ => true,
    };

    private bool NeedsAny(Stem stem, StoredAnalysis stored) => _analyzers.Any(a => a.NeedsAnalysis(stem, stored));

    /// <summary>
    /// Runs the analysers that <paramref name="stored"/> says are still needed and saves their results in one
    /// transaction. An analyser that throws fails only its own step; a failed save fails the steps it held.
    /// </summary>
    private List<string> RunAnalyzers(Stem stem, AudioBuffer decoded, StoredAnalysis stored, CancellationToken cancellationToken)
    {
        // One decoded sound for every analyser: the mono mixes per rate and the descriptors' frame analysis are
        // computed once and read by every analyser that needs them.
        var audio = new DecodedAudio(decoded);
        var errors = new List<string>();
        var results = AnalysisResults.None;
        var ran = new List<string>();
        foreach (var a in _analyzers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (!a.NeedsAnalysis(stem, stored)) continue;
                var r = a.Analyze(stem, audio, stored, cancellationToken);
                if (r.IsEmpty) continue;
                results = results.Merge(r);
                ran.Add(a.Name);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception e)
            {
                LogAnalyzerFailed(_logger, e, a.Name, stem.Id);
                errors.Add($"{a.Name}: {e.Message}");
            }
        }
        if (results.IsEmpty) return errors;
        try
        {
            _library.Catalog.SaveAnalysis(stem.Id, results);
        }
        catch (Exception e)
        {
            foreach (var name in ran)
            {
                LogAnalyzerFailed(_logger, e, name, stem.Id);
                errors.Add($"{name}: {e.Message}");
            }
        }
        return errors;
    }

    private static IngestResult Failed(string source, string reason) => new(source, IngestStatus.Failed, null, 0, reason, []);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Added {Path} as stem {Id} ({Kind}/{Category})")]
    private static partial void LogAdded(ILogger logger, string path, long id, string kind, string category);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Path} is already stem {Id}")]
    private static partial void LogDuplicate(ILogger logger, string path, long id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Analyser {Analyzer} failed on stem {Id}")]
    private static partial void LogAnalyzerFailed(ILogger logger, Exception e, string analyzer, long id);
}
