using System.Collections.Concurrent;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Export;
using Traum.Server.Hosting;

namespace Traum.Server.Services;

/// <summary>Maps catalog file paths to files on disk, never outside the library, and converts for download.</summary>
internal sealed class LibraryFiles
{
    private readonly string _library;
    private readonly PathGuard _guard;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _converting = new(StringComparer.Ordinal);

    public LibraryFiles(Traum.Engine.TraumContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _library = context.LibraryPath;
        _guard = new PathGuard([_library]);
    }

    /// <summary>Where the stem's audio file is (or should be) on the server's disk, for display; not checked.</summary>
    public string PathOf(Stem stem)
    {
        ArgumentNullException.ThrowIfNull(stem);
        return Path.GetFullPath(Path.IsPathFullyQualified(stem.FilePath) ? stem.FilePath : Path.Combine(_library, stem.FilePath));
    }

    /// <summary>The stem's audio file.</summary>
    /// <exception cref="NotFoundException">The file is missing, or its recorded path leads outside the library.</exception>
    public string StemFile(Stem stem)
    {
        ArgumentNullException.ThrowIfNull(stem);
        var inPlace = Library.IsInPlace(stem.FilePath);
        var full = inPlace ? stem.FilePath : Path.Combine(_library, stem.FilePath);
        var canonical = PathGuard.Canonical(Path.GetFullPath(full));
        // A file indexed in place was named by whoever ingested it (the command line, or /api/ingest under the ingest
        // roots); every other catalog path must stay inside the library.
        if (inPlace && !File.Exists(canonical))
        {
            throw new NotFoundException($"Stem {stem.Id} is indexed in place and its file {stem.FilePath} is gone; if it moved, run `traum doctor --relink FOLDER`.");
        }
        if (!inPlace && (!_guard.IsUnderRoot(canonical) || !File.Exists(canonical)))
        {
            throw new NotFoundException($"The audio file of stem {stem.Id} is missing from the library; run `traum doctor` to repair the catalog.");
        }
        return canonical;
    }

    /// <summary>The track's kept mix.</summary>
    /// <exception cref="NotFoundException">The library did not keep the mix, or its file is missing.</exception>
    public string TrackFile(Track track)
    {
        ArgumentNullException.ThrowIfNull(track);
        if (track.FilePath is null)
        {
            throw new NotFoundException($"The library did not keep the mix of track {track.Id} (it was separated from the command line); its stems are all there is.");
        }
        var canonical = PathGuard.Canonical(Path.GetFullPath(Path.Combine(_library, track.FilePath)));
        if (!_guard.IsUnderRoot(canonical) || !File.Exists(canonical))
        {
            throw new NotFoundException($"The mix of track {track.Id} is missing from the library; run `traum doctor --repair`.");
        }
        return canonical;
    }

    /// <summary>The stem's audio as <paramref name="format"/> ("wav" or "flac"), converted once into <c>LIBRARY/cache/downloads</c>.</summary>
    public async Task<string> InFormatAsync(Stem stem, string format, CancellationToken cancellationToken)
    {
        var source = StemFile(stem);
        if (Path.GetExtension(source).Equals("." + format, StringComparison.OrdinalIgnoreCase)) return source;
        var folder = Path.Combine(_library, "cache", "downloads");
        Directory.CreateDirectory(folder);
        var hash = new string(stem.ContentHash.Where(char.IsAsciiLetterOrDigit).Take(64).ToArray());
        var target = Path.Combine(folder, $"{(hash.Length > 0 ? hash : stem.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))}.{format}");
        var gate = _converting.GetOrAdd(target, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (File.Exists(target)) return target;
            var tmp = Path.Combine(folder, $"{Guid.NewGuid():N}.{format}");
            // The conversion of export packs too: the stem's rate, 24 bit for 24-bit and float sources, else 16.
            await Task.Run(() => AudioConverter.Convert(source, tmp, new ExportFormat(format), cancellationToken), cancellationToken).ConfigureAwait(false);
            File.Move(tmp, target, overwrite: true);
            return target;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// The stem's audio played <paramref name="tempoRatio"/> times as fast and shifted by <paramref name="semitones"/> (16-bit WAV),
    /// rendered once per (content hash, ratio, shift) into <c>LIBRARY/cache/audition</c>.
    /// </summary>
    /// <exception cref="AudioFormatException">ffmpeg or its rubberband filter is missing, or the file cannot be decoded.</exception>
    public async Task<string> AuditionAsync(Stem stem, double tempoRatio, int semitones, CancellationToken cancellationToken)
    {
        var source = StemFile(stem);
        var folder = Path.Combine(_library, "cache", "audition");
        Directory.CreateDirectory(folder);
        var hash = new string(stem.ContentHash.Where(char.IsAsciiLetterOrDigit).Take(64).ToArray());
        var name = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{(hash.Length > 0 ? hash : "stem" + stem.Id)}-t{tempoRatio:0.000000}-p{semitones}.wav");
        var target = Path.Combine(folder, name);
        var gate = _converting.GetOrAdd(target, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (File.Exists(target)) return target;
            var tmp = Path.Combine(folder, $"{Guid.NewGuid():N}.wav");
            await Task.Run(() => TimeStretch.Render(source, tmp, tempoRatio, semitones, cancellationToken), cancellationToken).ConfigureAwait(false);
            File.Move(tmp, target, overwrite: true);
            return target;
        }
        finally
        {
            gate.Release();
        }
    }

    public static string ContentType(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".wav" => "audio/wav",
        ".flac" => "audio/flac",
        ".mp3" => "audio/mpeg",
        ".ogg" => "audio/ogg",
        ".aiff" or ".aif" => "audio/aiff",
        ".m4a" => "audio/mp4",
        _ => "application/octet-stream",
    };

    /// <summary>A download file name from the stem's name: safe characters only.</summary>
    public static string DownloadName(string name, string format)
    {
        var safe = new string((name ?? "stem").Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or ' ' or '.' ? c : '_').ToArray()).Trim('.', ' ');
        return (safe.Length == 0 ? "stem" : safe) + "." + format;
    }
}
