using System.Globalization;
using System.IO.Compression;
using System.Text;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;

namespace Traum.Engine.Export;

/// <summary>One stem of a pack, with its file name inside the zip.</summary>
/// <param name="Stem">The stem.</param>
/// <param name="Descriptors">Its descriptors (tempo, key) for the manifest, when analysed.</param>
/// <param name="FileName">Name in the pack ("Kick 01.wav").</param>
public sealed record PackItem(Stem Stem, Descriptors? Descriptors, string FileName);

/// <summary>
/// Writes stems as a pack: a zip of audio files with clean names in one format, and <c>manifest.csv</c> (file, id,
/// name, kind, category, bpm, key, duration). The one implementation behind <c>traum export</c> and <c>/api/export</c>.
/// </summary>
/// <param name="library">The library the stems and their files are read from.</param>
public sealed class StemPackExporter(Library library)
{
    /// <summary>The manifest's name in the pack.</summary>
    public const string ManifestName = "manifest.csv";

    /// <summary>Most stems one pack holds.</summary>
    public const int MaxStems = 10_000;

    private readonly Library _library = library ?? throw new ArgumentNullException(nameof(library));

    /// <summary>The stems a selection names, in pack order, with their file names for <paramref name="format"/>.</summary>
    /// <exception cref="InvalidInputException">Nothing or too much is selected, or ids and filters are mixed, or a filter value is malformed.</exception>
    /// <exception cref="NotFoundException">An id or the track does not exist, or no stem matches.</exception>
    public IReadOnlyList<PackItem> Resolve(ExportSelection selection, ExportFormat format)
    {
        ArgumentNullException.ThrowIfNull(selection);
        ArgumentNullException.ThrowIfNull(format);
        var catalog = _library.Catalog;
        IReadOnlyList<Stem> stems;
        if (selection.Ids is { Count: > 0 } ids)
        {
            if (selection.TrackId is not null || selection.HasFilter)
            {
                throw new InvalidInputException("Export either stems by id or the stems of a track, tag or filters, not both.");
            }
            if (ids.Count > MaxStems) throw new InvalidInputException($"A pack holds at most {MaxStems} stems.");
            var found = catalog.GetStems([.. ids.Distinct()]);
            var missing = ids.Where(id => !found.ContainsKey(id)).Distinct().ToList();
            if (missing.Count > 0)
            {
                throw new NotFoundException($"No stem with id {string.Join(", ", missing.Select(m => m.ToString(CultureInfo.InvariantCulture)))} in the library; `traum stems list` shows the ids.");
            }
            stems = [.. ids.Distinct().Select(id => found[id])];
        }
        else if (selection.TrackId is not null || selection.HasFilter)
        {
            if (selection.TrackId is { } t && catalog.GetTrack(t) is null)
            {
                throw new NotFoundException($"No track with id {t} in the library; `traum tracks list` shows the ids.");
            }
            var filter = selection.Filter ?? StemFilter.None;
            var query = StemFilters.ToQuery(filter, catalog.CountByCategory(), selection.TrackId is null ? StemSort.Id : StemSort.Kind)
                with { TrackId = selection.TrackId, Limit = MaxStems + 1 };
            stems = catalog.ListStems(query);
            if (stems.Count > MaxStems) throw new InvalidInputException($"More than {MaxStems} stems match; narrow the filters (a pack holds at most {MaxStems}).");
            if (stems.Count == 0)
            {
                throw new NotFoundException(selection.TrackId is { } tr && !selection.HasFilter
                    ? $"Track {tr} has no stems to export."
                    : "No stems match these filters; nothing to export.");
            }
        }
        else
        {
            throw new InvalidInputException("Say which stems to export: ids, a tag, a track, or listing filters (kind, category, bpm, key, …).");
        }
        if (format.Container == "mp3" && format.SampleRate is null && stems.FirstOrDefault(s => s.SampleRate > ExportFormat.MaxMp3Rate) is { } high)
        {
            throw new InvalidInputException(
                $"Stem {high.Id} ('{high.Name}') is at {high.SampleRate} Hz and MP3 holds at most {ExportFormat.MaxMp3Rate} Hz; give a rate (44100 or 48000), or export as wav or flac.");
        }
        var descriptors = catalog.GetDescriptors([.. stems.Select(s => s.Id)]);
        var names = new PackNames();
        names.Reserve(ManifestName);
        return [.. stems.Select(s => new PackItem(s, descriptors.GetValueOrDefault(s.Id), names.Next(s.Name, format.Container)))];
    }

    /// <summary>Checks that every stem's audio file is in the library, before anything is written.</summary>
    /// <exception cref="NotFoundException">A file is missing (the message names the stem).</exception>
    public void Verify(IReadOnlyList<PackItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items) _ = SourceOf(item);
    }

    private string SourceOf(PackItem item)
    {
        var source = _library.ResolveFile(item.Stem.FilePath);
        if (!File.Exists(source))
        {
            throw new NotFoundException($"The audio file of stem {item.Stem.Id} ('{item.Stem.Name}') is missing from the library; run `traum doctor` to repair the catalog.");
        }
        return source;
    }

    /// <summary>
    /// Writes the pack to <paramref name="output"/> (which may be a network stream that cannot seek): each stem
    /// converted to <paramref name="format"/> (a file already in it is copied as it is), then the manifest.
    /// </summary>
    /// <exception cref="NotFoundException">A stem's audio file is missing from the library.</exception>
    /// <exception cref="AudioFormatException">A file cannot be read or written.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; what was written is incomplete.</exception>
    public async Task WriteAsync(IReadOnlyList<PackItem> items, ExportFormat format, Stream output, IProgress<ProgressInfo>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(output);
        Verify(items);
        var scratch = Path.Combine(_library.Root, "cache", "export", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(scratch);
        try
        {
            var zip = await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: Encoding.UTF8, cancellationToken).ConfigureAwait(false);
            await using (zip.ConfigureAwait(false))
            {
                var rows = new List<string[]>(items.Count);
                for (var i = 0; i < items.Count; i++)
                {
                    var item = items[i];
                    progress?.Report(new ProgressInfo(i, items.Count, "stems", item.FileName));
                    var (path, duration) = await PrepareAsync(item, format, scratch, cancellationToken).ConfigureAwait(false);
                    try
                    {
                        var entry = zip.CreateEntry(item.FileName, CompressionLevel.NoCompression); // audio does not deflate
                        entry.LastWriteTime = item.Stem.CreatedAt;
                        var to = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
                        await using (to.ConfigureAwait(false))
                        {
                            var from = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                            await using (from.ConfigureAwait(false))
                            {
                                await from.CopyToAsync(to, 1 << 16, cancellationToken).ConfigureAwait(false);
                            }
                        }
                    }
                    finally
                    {
                        if (path.StartsWith(scratch, StringComparison.Ordinal)) File.Delete(path);
                    }
                    rows.Add(ManifestRow(item, duration));
                }
                var manifest = zip.CreateEntry(ManifestName, CompressionLevel.Optimal);
                var ms = await manifest.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (ms.ConfigureAwait(false))
                {
                    var bytes = Encoding.UTF8.GetBytes(Manifest(rows));
                    await ms.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                }
            }
            progress?.Report(new ProgressInfo(items.Count, items.Count, "stems", $"{items.Count} stem(s) written"));
        }
        finally
        {
            try
            {
                Directory.Delete(scratch, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The file to put in the pack for one stem (the stored file when it already is in the format, else a converted copy in <paramref name="scratch"/>), and its duration in seconds.</summary>
    private async Task<(string Path, double Duration)> PrepareAsync(PackItem item, ExportFormat format, string scratch, CancellationToken cancellationToken)
    {
        var source = SourceOf(item);
        var info = AudioFile.Probe(source);
        if (format.IsSatisfiedBy(source, info)) return (source, item.Stem.Duration);
        var target = Path.Combine(scratch, Guid.NewGuid().ToString("N") + "." + format.Container);
        await Task.Run(() => AudioConverter.Convert(source, target, format, cancellationToken), cancellationToken).ConfigureAwait(false);
        return (target, item.Stem.Duration);
    }

    private static string[] ManifestRow(PackItem item, double duration)
    {
        var inv = CultureInfo.InvariantCulture;
        var d = item.Descriptors;
        var bpm = d?.StatedBpm ?? d?.Bpm;
        return
        [
            item.FileName, item.Stem.Id.ToString(inv), item.Stem.Name, item.Stem.Kind, item.Stem.Category,
            bpm is { } b && double.IsFinite(b) ? b.ToString("0.##", inv) : "",
            KeyText(d),
            double.IsFinite(duration) ? duration.ToString("0.000", inv) : "",
        ];
    }

    /// <summary>The key as the filters see it: the one the name states, else the estimate; "Am", "F#", or empty.</summary>
    public static string KeyText(Descriptors? d)
    {
        if (d is null) return "";
        var (key, mode) = d.StatedKey is { } sk ? (sk, d.StatedMode) : (d.Key, d.Mode);
        return key is null ? "" : mode == "minor" ? key + "m" : key;
    }

    /// <summary>RFC 4180 CSV: a header, CRLF line ends, fields with commas, quotes or line breaks quoted.</summary>
    internal static string Manifest(IEnumerable<string[]> rows)
    {
        var sb = new StringBuilder("file,id,name,kind,category,bpm,key,duration\r\n");
        foreach (var row in rows)
        {
            sb.AppendJoin(',', row.Select(Quote)).Append("\r\n");
        }
        return sb.ToString();
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
