using System.Globalization;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Ingest;

namespace Traum.Engine.Separation;

/// <summary>How <see cref="LibraryStemIngestor"/> treats the files of a separation.</summary>
public sealed record SeparatedStemOptions
{
    /// <summary>The track's display name (default: the source file name without extension).</summary>
    public string? TrackName { get; init; }

    /// <summary>Keep a copy of the mix in the library as the track's stored file (the server does; uploads go away).</summary>
    public bool StoreTrack { get; init; }

    /// <summary>
    /// Move the stem files into the library instead of leaving them where separation wrote them (the server does:
    /// its output folder is its own, so a second copy would only double the disk use).
    /// </summary>
    public bool MoveStems { get; init; }

    /// <summary>
    /// Index the stem files where separation wrote them, with no copy in the store (the command line does: the
    /// output folder is the one copy). Pair it with <see cref="SeparateRequest.KeepExisting"/> so a later run never
    /// replaces those files. Ignored with <see cref="MoveStems"/>.
    /// </summary>
    public bool InPlace { get; init; }
}

/// <summary>
/// Puts separated stems into the library, for the command line and the server alike: records the parent track
/// (identified by the content hash of its decoded samples, so the same file separated from either gives one track)
/// and ingests every stem with its kind from the source name, origin "separated" and the track's id, through the
/// same <see cref="StemIngester"/> (and so the same analysers) as any import. Running it again over the same
/// separation adds nothing and completes what an interrupted run left out (missing stems, missing analyses).
/// </summary>
/// <param name="ingester">Ingests each stem file (and names the library).</param>
/// <param name="options">How the track and stem files are treated; default <see cref="SeparatedStemOptions"/>'s.</param>
public sealed class LibraryStemIngestor(StemIngester ingester, SeparatedStemOptions? options = null) : IStemIngestor
{
    private readonly SeparatedStemOptions _options = options ?? new SeparatedStemOptions();

    /// <summary>The track of the last <see cref="Ingest"/> call, when it was recorded.</summary>
    public long? TrackId { get; private set; }

    /// <summary>The stems (added or already present) of the last <see cref="Ingest"/> call.</summary>
    public IReadOnlyList<long> StemIds { get; private set; } = [];

    /// <summary>How a separated stem is named: "TRACK - STEM".</summary>
    public static string StemName(string trackName, string stemName) => $"{trackName} - {stemName}";

    /// <inheritdoc/>
    public IReadOnlyList<string> Ingest(SeparatedTrack track, ContentIdentity? identity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(track);
        var library = ingester.Library;
        var lines = new List<string>();
        var stemIds = new List<long>();
        Track parent;
        try
        {
            var (hash, info, frames) = identity is { } known ? (known.Hash, known.Info, known.Frames) : HashTrack(track.Source, cancellationToken);
            parent = library.Catalog.FindTrackByHash(hash) ?? library.Catalog.AddTrack(new NewTrack
            {
                Name = _options.TrackName ?? Path.GetFileNameWithoutExtension(track.Source),
                SourcePath = track.Source,
                FilePath = _options.StoreTrack ? library.StoreTrackFile(track.Source, hash) : null,
                Format = info.Format,
                Duration = (double)frames / info.SampleRate,
                ContentHash = hash,
            });
        }
        catch (AudioFormatException e)
        {
            return [$"track not recorded: {e.Problem ?? e.Message}"];
        }
        TrackId = parent.Id;
        foreach (var stem in track.Stems)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = ingester.Ingest(new IngestItem(stem.Path)
            {
                Kind = stem.Kind,
                Category = stem.Kind,
                Origin = StemOrigin.Separated,
                TrackId = parent.Id,
                Name = StemName(parent.Name, stem.Name),
                MoveSource = _options.MoveStems,
                InPlace = _options.InPlace && !_options.MoveStems,
            }, cancellationToken);
            if (result.Stem is { } s) stemIds.Add(s.Id);
            lines.Add(result.Status switch
            {
                IngestStatus.Added => string.Create(CultureInfo.InvariantCulture, $"{stem.Name}: stem {result.Stem!.Id} added (track {parent.Id})"),
                IngestStatus.Duplicate => string.Create(CultureInfo.InvariantCulture, $"{stem.Name}: already in the library as stem {result.Stem!.Id}"),
                _ => $"{stem.Name}: not ingested ({result.Error})",
            });
            foreach (var a in result.AnalysisErrors) lines.Add($"{stem.Name}: analysis {a}");
        }
        StemIds = stemIds;
        return lines;
    }

    /// <summary>The catalog's content hash of the decoded track (streamed), when separation's decode did not give it.</summary>
    private static (string Hash, AudioFileInfo Info, long Frames) HashTrack(string path, CancellationToken cancellationToken)
    {
        using var reader = AudioFile.OpenRead(path, cancellationToken);
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
