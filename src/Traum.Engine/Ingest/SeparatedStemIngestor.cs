using System.Globalization;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Separation;

namespace Traum.Engine.Ingest;

/// <summary>
/// Hands separation output to the library: records the track (once per content hash) and ingests each stem file
/// with origin <see cref="StemOrigin.Separated"/>, the track as parent, and the separation's kind and stem name as
/// kind and category. The stem files stay where separation wrote them; the library keeps its own copy.
/// </summary>
public sealed class SeparatedStemIngestor(StemIngester ingester) : IStemIngestor
{
    private readonly StemIngester _ingester = ingester ?? throw new ArgumentNullException(nameof(ingester));

    /// <summary>An ingestor over <paramref name="context"/>'s library with this build's analysers.</summary>
    public static SeparatedStemIngestor Create(TraumContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var library = Library.Open(context.LibraryPath, context.Time);
        return new SeparatedStemIngestor(new StemIngester(library, StemAnalyzerRegistry.Create(context)));
    }

    /// <returns>One line per stem: "stem 12 drums", "stem 12 drums (already in the library)" or "drums: failed: reason".</returns>
    public IReadOnlyList<string> Ingest(SeparatedTrack track, string contentHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(track);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentHash);
        var source = Path.GetFullPath(track.Source);
        var t = _ingester.Library.Catalog.AddTrack(new NewTrack
        {
            Name = Path.GetFileNameWithoutExtension(source),
            SourcePath = source,
            Format = Path.GetExtension(source).TrimStart('.').ToLowerInvariant() is { Length: > 0 } ext ? ext : "unknown",
            Duration = track.AudioSeconds,
            ContentHash = contentHash,
        });
        var lines = new List<string>();
        foreach (var s in track.Stems)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var r = _ingester.Ingest(new IngestItem(s.Path)
            {
                Origin = StemOrigin.Separated,
                TrackId = t.Id,
                Kind = s.Kind,
                Category = s.Name,
                Name = $"{t.Name} – {s.Name}",
            }, cancellationToken);
            lines.Add(r.Status switch
            {
                IngestStatus.Added => string.Create(CultureInfo.InvariantCulture, $"stem {r.Stem!.Id} {s.Name}"),
                IngestStatus.Duplicate => string.Create(CultureInfo.InvariantCulture, $"stem {r.Stem!.Id} {s.Name} (already in the library)"),
                _ => $"{s.Name}: failed: {r.Error}",
            });
        }
        return lines;
    }
}
