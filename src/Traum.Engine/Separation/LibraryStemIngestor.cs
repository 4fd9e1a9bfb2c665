using System.Globalization;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Ingest;

namespace Traum.Engine.Separation;

/// <summary>
/// Puts separated stems into the library: records the parent track (by the content hash of its decoded samples) and
/// ingests every stem with its kind from the source name, origin "separated" and the track's id, through the same
/// <see cref="StemIngester"/> (and so the same analysers: descriptors, CLAP embedding when installed) as any import.
/// The stem files stay where separation wrote them; the library keeps its own copy per content hash.
/// </summary>
public sealed class LibraryStemIngestor(StemIngester ingester) : IStemIngestor
{
    public IReadOnlyList<string> Ingest(SeparatedTrack track, string contentHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(track);
        var library = ingester.Library;
        var lines = new List<string>();
        Track parent;
        try
        {
            var (hash, info, frames) = HashTrack(track.Source, cancellationToken);
            parent = library.Catalog.AddTrack(new NewTrack
            {
                Name = Path.GetFileNameWithoutExtension(track.Source),
                SourcePath = track.Source,
                Format = info.Format,
                Duration = (double)frames / info.SampleRate,
                ContentHash = hash,
            });
        }
        catch (AudioFormatException e)
        {
            return [$"track not recorded: {e.Problem ?? e.Message}"];
        }
        foreach (var stem in track.Stems)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = ingester.Ingest(new IngestItem(stem.Path)
            {
                Kind = stem.Kind,
                Origin = StemOrigin.Separated,
                TrackId = parent.Id,
                Name = $"{parent.Name} - {stem.Name}",
            }, cancellationToken);
            lines.Add(result.Status switch
            {
                IngestStatus.Added => string.Create(CultureInfo.InvariantCulture, $"{stem.Name}: stem {result.Stem!.Id} added (track {parent.Id})"),
                IngestStatus.Duplicate => string.Create(CultureInfo.InvariantCulture, $"{stem.Name}: already in the library as stem {result.Stem!.Id}"),
                _ => $"{stem.Name}: not ingested ({result.Error})",
            });
            foreach (var a in result.AnalysisErrors) lines.Add($"{stem.Name}: analysis {a}");
        }
        return lines;
    }

    /// <summary>The catalog's content hash of the decoded track (streamed).</summary>
    private static (string Hash, AudioFileInfo Info, long Frames) HashTrack(string path, CancellationToken cancellationToken)
    {
        using var reader = AudioFile.OpenRead(path);
        var info = reader.Info;
        using var hasher = new ContentHasher(info.SampleRate, info.Channels);
        var buf = new float[info.Channels][];
        for (var c = 0; c < buf.Length; c++) buf[c] = new float[65536];
        int n;
        while ((n = reader.Read(buf, 0, 65536)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            hasher.Append(buf, 0, n);
        }
        var frames = hasher.Frames;
        return (hasher.Finish(), info, frames);
    }
}
