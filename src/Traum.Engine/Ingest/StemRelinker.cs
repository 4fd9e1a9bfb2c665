using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;

namespace Traum.Engine.Ingest;

/// <summary>One stem pointed at the file it was found in.</summary>
/// <param name="StemId">The stem.</param>
/// <param name="From">Where the catalog had it.</param>
/// <param name="To">The file of the same sound found now (absolute: indexed in place).</param>
public sealed record RelinkedStem(long StemId, string From, string To);

/// <summary>
/// Finds stems whose files are gone (files indexed in place that their owner moved, or lost store copies) in folders the
/// user names: every audio file there is decoded and matched by content hash (the hash of the decoded samples, so a
/// renamed or re-tagged file matches), and the stem is pointed at it, in place. Files are only read.
/// </summary>
/// <param name="library">The library whose stems are relinked.</param>
public sealed class StemRelinker(Library library)
{
    private readonly Library _library = library ?? throw new ArgumentNullException(nameof(library));

    /// <summary>Stems whose file is missing, by content hash.</summary>
    public IReadOnlyDictionary<string, List<Stem>> MissingByHash()
    {
        var missing = new Dictionary<string, List<Stem>>(StringComparer.Ordinal);
        foreach (var stem in _library.Catalog.ListStems())
        {
            if (File.Exists(_library.ResolveFile(stem.FilePath))) continue;
            if (!missing.TryGetValue(stem.ContentHash, out var list)) missing[stem.ContentHash] = list = [];
            list.Add(stem);
        }
        return missing;
    }

    /// <summary>Searches <paramref name="folders"/> (recursively) and relinks every missing stem found there.</summary>
    /// <exception cref="InvalidInputException">A folder does not exist.</exception>
    public IReadOnlyList<RelinkedStem> Relink(IReadOnlyList<string> folders, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folders);
        foreach (var f in folders)
        {
            if (!Directory.Exists(f)) throw new InvalidInputException($"--relink {f}: no such folder. Name the folder the moved files are in now.");
        }
        var missing = new Dictionary<string, List<Stem>>(MissingByHash(), StringComparer.Ordinal);
        var relinked = new List<RelinkedStem>();
        if (missing.Count == 0) return relinked;
        var (items, _) = IngestService.Enumerate(new IngestRequest(folders) { Recursive = true });
        foreach (var item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string hash;
            try
            {
                hash = ContentHasher.Of(AudioFile.Read(item.SourcePath, cancellationToken));
            }
            catch (Exception e) when (e is AudioFormatException or IOException or UnauthorizedAccessException)
            {
                continue; // not audio Traum can read: it cannot be any stem's file
            }
            if (!missing.Remove(hash, out var stems)) continue;
            var path = Path.GetFullPath(item.SourcePath);
            foreach (var s in stems)
            {
                _library.Catalog.RelinkStem(s.Id, path);
                relinked.Add(new RelinkedStem(s.Id, s.FilePath, path));
            }
            if (missing.Count == 0) break;
        }
        return relinked;
    }
}
