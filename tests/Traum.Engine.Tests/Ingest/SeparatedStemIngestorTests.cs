using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Ingest;
using Traum.Engine.Separation;
using Traum.TestKit;
using static Traum.Engine.Tests.Ingest.IngestTestKit;

namespace Traum.Engine.Tests.Ingest;

public sealed class SeparatedStemIngestorTests
{
    [Fact]
    public void Ingest_SeparatedTrackTwice_RecordsTrackAndStemsOnce()
    {
        using var dir = new TempDir("sep-ingest");
        using var lib = Library.Open(dir.File("lib"));
        var folder = dir.File("out/song-abcdef12/htdemucs");
        var stems = new[] { "drums", "bass", "vocals" }.Select((k, i) =>
        {
            var p = Path.Combine(folder, k + ".wav");
            WriteSound(p, 20 + i);
            return new SeparatedStem(k, k, p);
        }).ToList();
        File.WriteAllBytes(Path.Combine(folder, "broken.wav"), [1, 2, 3]);
        stems.Add(new SeparatedStem("other", "other", Path.Combine(folder, "broken.wav")));
        var track = new SeparatedTrack("/music/Song.flac", "separated", folder, stems, null, 180, 12);
        var ingestor = new SeparatedStemIngestor(new StemIngester(lib, []));
        var hash = new string('e', 64);

        var lines = ingestor.Ingest(track, hash, TestContext.Current.CancellationToken);
        Assert.Equal(4, lines.Count);
        Assert.StartsWith("other: failed: ", lines[3], StringComparison.Ordinal);
        var t = lib.Catalog.FindTrackByHash(hash)!;
        Assert.Equal(("Song", "flac", 180.0), (t.Name, t.Format, t.Duration));
        var added = lib.Catalog.ListStems(new StemQuery { TrackId = t.Id });
        Assert.Equal(new[] { "drums", "bass", "vocals" }, added.Select(s => s.Kind));
        Assert.All(added, s => Assert.Equal(StemOrigin.Separated, s.Origin));
        Assert.Equal("Song – drums", added[0].Name);

        var again = ingestor.Ingest(track, hash, TestContext.Current.CancellationToken);
        Assert.Contains("already in the library", again[0], StringComparison.Ordinal);
        Assert.Single(lib.Catalog.ListTracks());
        Assert.Equal(3, lib.Catalog.CountStems());
    }
}
