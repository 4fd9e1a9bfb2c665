using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Core;
using Traum.Models.Demucs;

namespace Traum.Engine.Separation;

/// <summary>What <c>traum separate</c> asks for. Every default is here.</summary>
/// <param name="Paths">Files and folders (folders are searched recursively for audio files).</param>
public sealed record SeparateRequest(IReadOnlyList<string> Paths)
{
    /// <summary>Model name (htdemucs, htdemucs_6s, htdemucs_ft) when no export folder is given.</summary>
    public string Model { get; init; } = DemucsKnownModels.Default;

    /// <summary>A folder with the user's own export (graph(s) + model.json); wins over <see cref="Model"/>.</summary>
    public string? ModelPath { get; init; }

    /// <summary>Write only this source and the sum of the others ("no_&lt;source&gt;").</summary>
    public string? TwoStems { get; init; }

    /// <summary>wav, flac or mp3.</summary>
    public string Format { get; init; } = "wav";

    /// <summary>16, 24 or 32f (float); FLAC takes 16 or 24.</summary>
    public string Bits { get; init; } = "24";

    /// <summary>rescale or clamp.</summary>
    public ClipMode Clip { get; init; } = ClipMode.Rescale;

    /// <summary>Shifts, overlap, seed, threads, execution provider.</summary>
    public DemucsOptions Demucs { get; init; } = new();

    /// <summary>Output root; default <c>&lt;library&gt;/separated</c>.</summary>
    public string? OutDir { get; init; }

    /// <summary>Hand the stems to ingest (kind from the source name, parent track recorded).</summary>
    public bool Ingest { get; init; } = true;

    /// <summary>Separate again even when the same model and settings already did.</summary>
    public bool Force { get; init; }

    /// <summary>
    /// Never replace stem files already in an output folder: a run with other settings (or <see cref="Force"/>)
    /// writes to the first free folder beside it (<c>&lt;model&gt;-2</c>, …). Set when the library indexes the stems
    /// where they are written, so a file the catalog refers to never changes under it.
    /// </summary>
    public bool KeepExisting { get; init; }
}

/// <summary>One written stem.</summary>
/// <param name="Name">Output name: a source (drums…) or "no_&lt;source&gt;".</param>
/// <param name="Kind">Stem kind for the catalog: the source name, or "other" for a two-stem remainder.</param>
/// <param name="Path">Absolute path of the file.</param>
public sealed record SeparatedStem(string Name, string Kind, string Path);

/// <summary>Outcome for one input.</summary>
/// <param name="Source">The input file.</param>
/// <param name="Status">separated, skipped (already done) or failed.</param>
/// <param name="Folder">Output folder.</param>
/// <param name="Stems">Stems written (or found, when skipped).</param>
/// <param name="Message">Why it failed, or notes (mono duplicated, channels dropped, resampled).</param>
/// <param name="AudioSeconds">Track duration, seconds.</param>
/// <param name="Seconds">Wall time spent, seconds.</param>
public sealed record SeparatedTrack(string Source, string Status, string? Folder, IReadOnlyList<SeparatedStem> Stems, string? Message, double AudioSeconds, double Seconds)
{
    /// <summary>Ids or messages from ingest, when it ran.</summary>
    public IReadOnlyList<string> Ingested { get; init; } = [];
}

/// <summary>Hands separated stems to the library (the catalog's ingest pipeline).</summary>
public interface IStemIngestor
{
    /// <summary>Ingests the stems of <paramref name="track"/>; returns one line per stem (id or problem).</summary>
    /// <param name="track">The separated track and its stem files.</param>
    /// <param name="identity">The mix's catalog identity from separation's own decode, or null when it is not known
    /// (the ingestor then decodes the mix for it).</param>
    /// <param name="cancellationToken">Stops between stems.</param>
    IReadOnlyList<string> Ingest(SeparatedTrack track, ContentIdentity? identity, CancellationToken cancellationToken);
}

/// <summary>The record kept beside a track's stems, so the same separation is not done twice.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Settings">The settings key (<see cref="SeparationPipeline.SettingsKey"/>): equal keys, the same stems.</param>
/// <param name="SourcePath">The input file.</param>
/// <param name="ContentHash">SHA-256 of the source file's bytes (the cache key of the folder).</param>
/// <param name="TrackHash">The catalog identity of the decoded mix (content hash of its samples), when separation's decode gave it.</param>
/// <param name="TrackFrames">The mix's length in frames at its own rate, with <paramref name="TrackHash"/>.</param>
/// <param name="Stems">The stem files written.</param>
/// <param name="Provider">The ONNX Runtime execution provider that ran the graph.</param>
/// <param name="AudioSeconds">Length of the separated audio.</param>
/// <param name="Seconds">Wall-clock seconds the separation took.</param>
/// <param name="CreatedAt">When it was written.</param>
internal sealed record SeparationRecord(string Model, string Settings, string SourcePath, string ContentHash, IReadOnlyList<SeparatedStem> Stems,
    string Provider, double AudioSeconds, double Seconds, DateTimeOffset CreatedAt, string? TrackHash = null, long TrackFrames = 0)
{
    public const string FileName = "separation.json";
}

/// <summary>
/// <c>traum separate</c>: for every input file, decode (any format), bring to the model's rate and to stereo, separate
/// with Demucs streaming, write the stems into <c>&lt;out&gt;/&lt;name&gt;-&lt;hash8&gt;/&lt;model&gt;/</c>, record the
/// separation, and ingest the stems. One file failing does not stop the others.
/// </summary>
public sealed partial class SeparationPipeline
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private static readonly HashSet<string> s_audioExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".wav", ".wave", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".aif", ".aiff", ".wma", ".mka", ".webm", ".mp4",
    };

    private readonly TraumContext _context;
    private readonly IStemIngestor? _ingestor;
    private readonly ILogger _logger;

    /// <param name="context">Library, models path, logging, time.</param>
    /// <param name="ingestor">Where stems go after writing; null: not ingested.</param>
    public SeparationPipeline(TraumContext context, IStemIngestor? ingestor = null)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _ingestor = ingestor;
        _logger = context.LoggerFactory.CreateLogger<SeparationPipeline>();
    }

    /// <summary>The audio files named by <paramref name="paths"/> (folders searched recursively), sorted, and the paths that do not exist.</summary>
    public static (IReadOnlyList<string> Files, IReadOnlyList<string> Missing) Enumerate(IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = new List<string>();
        var missing = new List<string>();
        foreach (var p in paths)
        {
            if (Directory.Exists(p))
            {
                files.AddRange(Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories)
                    .Where(f => s_audioExtensions.Contains(Path.GetExtension(f)) && !Path.GetFileName(f).StartsWith('.'))
                    .Select(Path.GetFullPath).Order(StringComparer.Ordinal));
            }
            else if (File.Exists(p)) files.Add(Path.GetFullPath(p));
            else missing.Add(p);
        }
        return (files.Distinct(StringComparer.Ordinal).ToList(), missing);
    }

    /// <summary>Validates the request's options (before any model is loaded).</summary>
    /// <exception cref="InvalidInputException">An option is out of range or the combination is impossible.</exception>
    public static (string Extension, AudioWriteOptions Write) ValidateOutput(SeparateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Demucs.Validate();
        var format = request.Format.ToLowerInvariant();
        var ext = format switch
        {
            "wav" => ".wav",
            "flac" => ".flac",
            "mp3" => ".mp3",
            _ => throw new InvalidInputException($"--format '{request.Format}' is not supported; use wav, flac or mp3."),
        };
        var sample = request.Bits.ToLowerInvariant() switch
        {
            "16" => SampleFormat.Pcm16,
            "24" => SampleFormat.Pcm24,
            "32f" or "32" or "float" => SampleFormat.Float32,
            _ => throw new InvalidInputException($"--bits '{request.Bits}' is not supported; use 16, 24 or 32f."),
        };
        if (format == "flac" && sample == SampleFormat.Float32) throw new InvalidInputException("FLAC stores 16 or 24 bit only; use --bits 16 or 24, or --format wav for float.");
        return (ext, new AudioWriteOptions(sample));
    }

    /// <summary>Separates every input; progress counts chunks over all files.</summary>
    public async Task<IReadOnlyList<SeparatedTrack>> RunAsync(SeparateRequest request, IProgress<ProgressInfo>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (ext, write) = ValidateOutput(request);
        var (files, missing) = Enumerate(request.Paths);
        if (files.Count == 0 && missing.Count > 0) throw new InvalidInputException($"No such file or folder: {string.Join(", ", missing)}.");
        if (files.Count == 0) throw new InvalidInputException($"No audio files found in {string.Join(", ", request.Paths)} (looked for {string.Join(" ", s_audioExtensions.Order(StringComparer.Ordinal))}).");
        var modelPath = request.ModelPath ?? (_context.Configuration["models:demucs:path"] is { Length: > 0 } configured ? configured : null);
        var (folder, manifest) = DemucsKnownModels.Resolve(request.Model, modelPath, _context.ModelsPath);
        if (request.TwoStems is { } two && manifest.IndexOf(two) < 0)
        {
            throw new InvalidInputException($"--two-stems '{two}' is not a source of {manifest.Name}; use one of {string.Join(", ", manifest.Sources)}.");
        }
        var outRoot = Path.GetFullPath(request.OutDir ?? Path.Combine(_context.LibraryPath, "separated"));
        var results = new List<SeparatedTrack>();
        results.AddRange(missing.Select(m => new SeparatedTrack(m, "failed", null, [], "no such file or folder", 0, 0)));

        return await Task.Run(() =>
        {
            using var separator = new DemucsSeparator(manifest, folder, request.Demucs, _context.LoggerFactory, _context.Time);
            LogProvider(_logger, manifest.Name, separator.Provider);
            for (var i = 0; i < files.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var fileProgress = progress is null ? null : new FileProgress(progress, i, files.Count, Path.GetFileName(files[i]));
                results.Add(SeparateOne(separator, files[i], request, ext, write, outRoot, fileProgress, cancellationToken));
            }
            return (IReadOnlyList<SeparatedTrack>)results;
        }, cancellationToken).ConfigureAwait(false);
    }

    private SeparatedTrack SeparateOne(DemucsSeparator separator, string path, SeparateRequest request, string ext, AudioWriteOptions write,
        string outRoot, IProgress<ProgressInfo>? progress, CancellationToken cancellationToken)
    {
        var started = _context.Time.GetTimestamp();
        var manifest = separator.Manifest;
        AudioFileInput input;
        string hash;
        try
        {
            input = new AudioFileInput(path, manifest.SampleRate);
            hash = HashFile(path, cancellationToken);
        }
        catch (AudioFormatException e)
        {
            return new SeparatedTrack(path, "failed", null, [], e.Problem ?? e.Message, 0, 0);
        }
        catch (IOException e)
        {
            return new SeparatedTrack(path, "failed", null, [], $"cannot read the file ({e.Message})", 0, 0);
        }
        var notes = Notes(input.Info, manifest.SampleRate);
        var (names, kinds, groups) = Outputs(manifest, request.TwoStems);
        var leaf = request.TwoStems is null ? manifest.Name : $"{manifest.Name}-{request.TwoStems.ToLowerInvariant()}-2stems";
        var settings = SettingsKey(request, manifest, ext);
        var folder = OutputFolder(Path.Combine(outRoot, $"{SafeName(Path.GetFileNameWithoutExtension(path))}-{hash[..8]}", leaf), request, settings, hash);

        if (!request.Force && ReadRecord(folder) is { } rec && rec.Settings == settings && rec.ContentHash == hash && rec.Stems.All(s => File.Exists(s.Path)))
        {
            var skipped = new SeparatedTrack(path, "skipped", folder, rec.Stems, "already separated with this model and these settings", rec.AudioSeconds, 0);
            // The files being there does not mean the library has them: a run killed while ingesting leaves stems out
            // of the catalog. Ingest is idempotent, so it runs again and completes what is missing.
            var known = rec.TrackHash is { } th ? new ContentIdentity(th, rec.TrackFrames, input.Info) : null;
            if (request.Ingest && _ingestor is not null) skipped = skipped with { Ingested = _ingestor.Ingest(skipped, known, cancellationToken) };
            return skipped;
        }
        foreach (var leftover in StemFileSink.Leftovers(folder)) File.Delete(leftover);

        var stems = new List<SeparatedStem>();
        SeparationResult result;
        try
        {
            using var sink = new StemFileSink(folder, names, groups, ext, write, request.Clip, manifest.SampleRate);
            try
            {
                result = separator.Separate(new CheckedInput(input), sink, progress, cancellationToken);
                var finals = sink.Complete(cancellationToken);
                for (var i = 0; i < names.Count; i++) stems.Add(new SeparatedStem(names[i], kinds[i], finals[i]));
            }
            catch
            {
                sink.Abort();
                throw;
            }
        }
        catch (SilentTrackException)
        {
            return new SeparatedTrack(path, "failed", null, [], "the track is silent (every sample is zero); nothing to separate", input.Info.Duration ?? 0, 0);
        }
        catch (AudioFormatException e)
        {
            return new SeparatedTrack(path, "failed", null, [], e.Problem ?? e.Message, input.Info.Duration ?? 0, 0);
        }
        catch (InvalidInputException e)
        {
            return new SeparatedTrack(path, "failed", null, [], e.Message, 0, 0);
        }
        var seconds = _context.Time.GetElapsedTime(started).TotalSeconds;
        var audioSeconds = (double)result.Length / manifest.SampleRate;
        if (request.KeepExisting && SameStemsIn(folder, settings, hash, stems) is { } earlier)
        {
            // --force with a deterministic model wrote what a folder beside it already holds: keep one copy.
            foreach (var stem in stems) File.Delete(stem.Path);
            if (!Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
            var kept = ReadRecord(earlier)!;
            var same = new SeparatedTrack(path, "separated", earlier, kept.Stems,
                $"the same stems as the earlier separation in {earlier}, which are kept (a second copy was not)", audioSeconds, seconds);
            var earlierIdentity = kept.TrackHash is { } th ? new ContentIdentity(th, kept.TrackFrames, input.Info) : input.Identity;
            if (request.Ingest && _ingestor is not null) same = same with { Ingested = _ingestor.Ingest(same, earlierIdentity, cancellationToken) };
            return same;
        }
        // Separation decoded the whole mix: its catalog identity came with it (no decode of its own for the track).
        var identity = input.Identity;
        WriteRecord(folder, new SeparationRecord(manifest.Name, settings, path, hash, stems, result.Provider, audioSeconds, seconds, _context.Time.GetUtcNow(),
            identity?.Hash, identity?.Frames ?? 0));
        var track = new SeparatedTrack(path, "separated", folder, stems, notes, audioSeconds, seconds);
        if (request.Ingest && _ingestor is not null)
        {
            track = track with { Ingested = _ingestor.Ingest(track, identity, cancellationToken) };
        }
        return track;
    }

    /// <summary>
    /// Where this run writes: <paramref name="folder"/>, or with <see cref="SeparateRequest.KeepExisting"/> the first
    /// folder beside it whose stems are either absent or this very separation (which is then skipped as usual).
    /// </summary>
    private static string OutputFolder(string folder, SeparateRequest request, string settings, string hash)
    {
        if (!request.KeepExisting) return folder;
        for (var n = 1; ; n++)
        {
            var candidate = n == 1 ? folder : string.Create(CultureInfo.InvariantCulture, $"{folder}-{n}");
            var rec = ReadRecord(candidate);
            var holdsStems = rec is not null && rec.Stems.Any(s => File.Exists(s.Path));
            if (!holdsStems) return candidate;
            if (!request.Force && rec!.Settings == settings && rec.ContentHash == hash && rec.Stems.All(s => File.Exists(s.Path))) return candidate;
        }
    }

    /// <summary>
    /// The folder beside <paramref name="folder"/> (the first one, or an earlier <c>-N</c>) that holds a separation of the
    /// same track with the same settings whose stem files are byte for byte <paramref name="stems"/>, or null.
    /// </summary>
    private static string? SameStemsIn(string folder, string settings, string hash, List<SeparatedStem> stems)
    {
        var dash = folder.LastIndexOf('-');
        if (dash < 0 || !int.TryParse(folder[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 2) return null;
        var first = folder[..dash];
        for (var k = 1; k < n; k++)
        {
            var candidate = k == 1 ? first : string.Create(CultureInfo.InvariantCulture, $"{first}-{k}");
            if (ReadRecord(candidate) is not { } rec || rec.Settings != settings || rec.ContentHash != hash || rec.Stems.Count != stems.Count) continue;
            var byName = rec.Stems.ToDictionary(x => x.Name, x => x.Path, StringComparer.Ordinal);
            if (stems.All(x => byName.TryGetValue(x.Name, out var old) && File.Exists(old) && SameBytes(old, x.Path))) return candidate;
        }
        return null;
    }

    private static bool SameBytes(string a, string b)
    {
        using var fa = new FileStream(a, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var fb = new FileStream(b, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        if (fa.Length != fb.Length) return false;
        var ba = new byte[1 << 16];
        var bb = new byte[1 << 16];
        while (true)
        {
            var na = fa.ReadAtLeast(ba, ba.Length, throwOnEndOfStream: false);
            var nb = fb.ReadAtLeast(bb, bb.Length, throwOnEndOfStream: false);
            if (na != nb || !ba.AsSpan(0, na).SequenceEqual(bb.AsSpan(0, nb))) return false;
            if (na == 0) return true;
        }
    }

    /// <summary>Output names, catalog kinds and the sources summed into each output.</summary>
    internal static (IReadOnlyList<string> Names, IReadOnlyList<string> Kinds, IReadOnlyList<int[]> Groups) Outputs(DemucsManifest manifest, string? twoStems)
    {
        if (twoStems is null)
        {
            var names = manifest.Sources.Select(s => s.ToLowerInvariant()).ToList();
            return (names, names, manifest.Sources.Select((_, i) => new[] { i }).ToList());
        }
        var k = manifest.IndexOf(twoStems);
        var stem = manifest.Sources[k].ToLowerInvariant();
        var rest = Enumerable.Range(0, manifest.Sources.Count).Where(i => i != k).ToArray();
        return ([stem, "no_" + stem], [stem, StemKinds.Other], [[k], rest]);
    }

    /// <summary>What happens to this input on the way to the model, for the user.</summary>
    internal static string? Notes(AudioFileInfo info, int rate)
    {
        var notes = new List<string>();
        if (info.Channels == 1) notes.Add("mono: duplicated to both channels");
        if (info.Channels > 2) notes.Add($"{info.Channels} channels: only the first two (front left/right) are separated");
        if (info.SampleRate != rate) notes.Add(string.Create(CultureInfo.InvariantCulture, $"resampled from {info.SampleRate} Hz to {rate} Hz"));
        return notes.Count == 0 ? null : string.Join("; ", notes);
    }

    /// <summary>The settings that change the output; equal keys mean the same stems.</summary>
    internal static string SettingsKey(SeparateRequest request, DemucsManifest manifest, string ext) =>
        string.Create(CultureInfo.InvariantCulture,
            $"model={manifest.Name};sources={string.Join(',', manifest.Sources)};segment={manifest.Segment};overlap={request.Demucs.Overlap:R};shifts={request.Demucs.Shifts};seed={(request.Demucs.Shifts > 0 ? request.Demucs.Seed : 0)};two={request.TwoStems?.ToLowerInvariant()};ext={ext};bits={request.Bits};clip={request.Clip}");

    private static SeparationRecord? ReadRecord(string folder)
    {
        var path = Path.Combine(folder, SeparationRecord.FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<SeparationRecord>(File.ReadAllText(path), s_json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void WriteRecord(string folder, SeparationRecord record)
    {
        var path = Path.Combine(folder, SeparationRecord.FileName);
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(record, s_json));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Hex SHA-256 of the file's bytes.</summary>
    internal static string HashFile(string path, CancellationToken cancellationToken)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buf = new byte[1 << 16];
        int n;
        while ((n = fs.Read(buf)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sha.AppendData(buf, 0, n);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>A file-name-safe version of <paramref name="name"/>.</summary>
    internal static string SafeName(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var chars = name.Select(c => invalid.Contains(c) || char.IsControl(c) ? '_' : c).ToArray();
        var s = new string(chars).Trim().TrimStart('.');
        if (s.Length > 80) s = s[..80];
        return s.Length == 0 ? "track" : s;
    }

    /// <summary>Raised by <see cref="CheckedInput"/> when the first pass finds only zeros.</summary>
    private sealed class SilentTrackException : Exception
    {
    }

    /// <summary>Lets the separator measure the track and refuses digital silence before anything is separated.</summary>
    private sealed class CheckedInput(AudioFileInput inner) : ISeparationInput
    {
        private bool _measured;

        public IStereoSource Open()
        {
            var first = !_measured;
            _measured = true;
            return first ? new PeakReader(inner.Open(), inner.Path) : inner.Open();
        }

        private sealed class PeakReader(IStereoSource source, string path) : IStereoSource
        {
            private float _peak;
            private long _frames;

            public int Read(float[][] destination, int offset, int count)
            {
                var n = source.Read(destination, offset, count);
                if (n > 0)
                {
                    _frames += n;
                    _peak = Math.Max(_peak, Math.Max(Math.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(destination[0].AsSpan(offset, n))),
                        Math.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(destination[1].AsSpan(offset, n)))));
                }
                else if (_frames > 0 && _peak == 0)
                {
                    throw new SilentTrackException();
                }
                else if (_frames == 0)
                {
                    throw new AudioFormatException(path, "holds no audio samples");
                }
                return n;
            }

            public void Dispose() => source.Dispose();
        }
    }

    /// <summary>Reports one file's chunk progress as part of the batch.</summary>
    private sealed class FileProgress(IProgress<ProgressInfo> outer, int index, int count, string name) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) =>
            outer.Report(new ProgressInfo(index + value.Fraction, count, "tracks", count > 1 ? $"{name} ({index + 1}/{count}): {value.Message}" : $"{name}: {value.Message}"));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Separating with {Model} on {Provider}")]
    private static partial void LogProvider(ILogger logger, string model, string provider);
}
