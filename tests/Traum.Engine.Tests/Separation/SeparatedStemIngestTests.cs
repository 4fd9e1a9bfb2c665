using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Ingest;
using Traum.Engine.Separation;
using Traum.Models.Demucs;
using Traum.TestKit;
using Xunit;
using static Traum.Engine.Tests.Ingest.IngestTestKit;

namespace Traum.Engine.Tests.Separation;

public sealed class SeparatedStemIngestTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Fixture(string name)
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Traum.slnx"))) d = d.Parent;
        return Path.Combine(d!.FullName, "tests", "fixtures", "demucs", name);
    }

    private static string WriteTrack(TempDir tmp, string name)
    {
        var path = tmp.File(name);
        var l = Signals.Chord([50, 57, 62], 3.0, 44100, 0.4);
        var r = Signals.PinkNoise(3.0, 44100, 0.2, 3);
        AudioFile.Write(path, new AudioBuffer([l, r], 44100), new AudioWriteOptions(SampleFormat.Float32));
        return path;
    }

    private static SeparateRequest Request(TempDir tmp, string input, bool ingest) => new([input])
    {
        ModelPath = Fixture("time4"),
        OutDir = tmp.File("out"),
        Ingest = ingest,
        Bits = "32f",
        Demucs = new DemucsOptions { IntraOpThreads = 1 },
    };

    [Fact]
    public async Task RunAsync_RerunAfterIngestWasKilled_CompletesTheCatalog()
    {
        using var tmp = new TempDir("sep-ingest");
        var input = WriteTrack(tmp, "Song.wav");
        var context = TraumContext.ForLibrary(tmp.File("lib"));
        using var library = Library.Open(context.LibraryPath);
        var ingester = new StemIngester(library, [new DescriptorStemAnalyzer(FakeDescribe)]);

        // The state a kill -9 during ingest leaves: stems and separation.json on disk, nothing in the catalog.
        var first = Assert.Single(await new SeparationPipeline(context).RunAsync(Request(tmp, input, ingest: false), null, Ct));
        Assert.Equal("separated", first.Status);
        Assert.Equal(0, library.Catalog.CountStems());

        var rerun = Assert.Single(await new SeparationPipeline(context, new LibraryStemIngestor(ingester)).RunAsync(Request(tmp, input, ingest: true), null, Ct));
        Assert.Equal("skipped", rerun.Status); // nothing separated twice
        Assert.Equal(4, library.Catalog.CountStems());
        Assert.All(library.Catalog.ListStems(), s => Assert.NotNull(library.Catalog.GetDescriptors(s.Id)));

        // A third run adds nothing.
        await new SeparationPipeline(context, new LibraryStemIngestor(ingester)).RunAsync(Request(tmp, input, ingest: true), null, Ct);
        Assert.Equal(4, library.Catalog.CountStems());
        Assert.Single(library.Catalog.ListTracks());
    }

    [Fact]
    public void Ingest_SameTrackAsTheCommandLineAndTheServerDoIt_OneTrack()
    {
        using var tmp = new TempDir("sep-identity");
        using var library = Library.Open(tmp.File("lib"));
        var ingester = new StemIngester(library, [new DescriptorStemAnalyzer(FakeDescribe)]);
        var source = WriteTrack(tmp, "Song.wav");
        // The server receives the same file as an upload, stored under a name of its own.
        var upload = tmp.File("uploads/3f2a.upload.wav");
        Directory.CreateDirectory(Path.GetDirectoryName(upload)!);
        File.Copy(source, upload);
        SeparatedTrack Stems(string src, string folder)
        {
            var stems = new List<SeparatedStem>();
            foreach (var (name, seed) in new[] { ("drums", 11), ("bass", 12) })
            {
                var p = tmp.File($"{folder}/{name}.wav");
                WriteSound(p, seed, seconds: 0.3);
                stems.Add(new SeparatedStem(name, name, p));
            }
            return new SeparatedTrack(src, "separated", tmp.File(folder), stems, null, 3, 1);
        }

        var cli = new LibraryStemIngestor(ingester);
        cli.Ingest(Stems(source, "cli"), null, Ct);
        var server = new LibraryStemIngestor(ingester, new SeparatedStemOptions { TrackName = "Song", StoreTrack = true, MoveStems = true });
        server.Ingest(Stems(upload, "server"), null, Ct);

        var track = Assert.Single(library.Catalog.ListTracks());
        Assert.Equal(track.Id, cli.TrackId);
        Assert.Equal(track.Id, server.TrackId);
        Assert.Equal(cli.StemIds.Order(), server.StemIds.Order());
        Assert.Equal(2, library.Catalog.CountStems());
        Assert.Equal("Song - drums", library.Catalog.GetStem(cli.StemIds[0])!.Name);
        // The server's stem files went into the library (moved, not copied); the command line's stay where the user asked.
        Assert.False(File.Exists(tmp.File("server/drums.wav")));
        Assert.True(File.Exists(tmp.File("cli/drums.wav")));
    }

    /// <summary>Records what the pipeline hands to the library.</summary>
    private sealed class RecordingIngestor : IStemIngestor
    {
        public List<ContentIdentity?> Identities { get; } = [];

        public IReadOnlyList<string> Ingest(SeparatedTrack track, ContentIdentity? identity, CancellationToken cancellationToken)
        {
            Identities.Add(identity);
            return [];
        }
    }

    [Theory]
    [InlineData(44100, 2)]
    [InlineData(48000, 1)]
    public async Task RunAsync_TheSeparationsOwnDecode_GivesTheTracksIdentity(int rate, int channels)
    {
        using var tmp = new TempDir("sep-identity");
        var path = tmp.File("Mix.wav");
        var data = Enumerable.Range(0, channels).Select(c => Signals.Chord([45 + c, 52, 57], 2.0, rate, 0.3)).ToArray();
        AudioFile.Write(path, new AudioBuffer(data, rate), new AudioWriteOptions(SampleFormat.Pcm24));
        // The independent truth: the hash of a decode of its own, as any ingest computes it.
        var decoded = AudioFile.Read(path, Ct);
        var expected = ContentHasher.Of(decoded);

        var recording = new RecordingIngestor();
        var context = TraumContext.ForLibrary(tmp.File("lib"));
        var first = Assert.Single(await new SeparationPipeline(context, recording).RunAsync(Request(tmp, path, ingest: true), null, Ct));
        Assert.Equal("separated", first.Status);
        var identity = Assert.Single(recording.Identities);
        Assert.NotNull(identity);
        Assert.Equal(expected, identity.Hash);
        Assert.Equal(decoded.Length, identity.Frames);
        Assert.Equal(rate, identity.Info.SampleRate);

        // A rerun that skips the separation takes the identity from the record beside the stems.
        var again = Assert.Single(await new SeparationPipeline(context, recording).RunAsync(Request(tmp, path, ingest: true), null, Ct));
        Assert.Equal("skipped", again.Status);
        Assert.Equal(expected, recording.Identities[1]?.Hash);
    }

    [Fact]
    public async Task RunAsync_StemsIndexedInPlace_AreStoredOnceAndNeverReplacedByALaterRun()
    {
        using var tmp = new TempDir("sep-inplace");
        var input = WriteTrack(tmp, "Song.wav");
        var context = TraumContext.ForLibrary(tmp.File("lib"));
        using var library = Library.Open(context.LibraryPath);
        var ingestor = new LibraryStemIngestor(new StemIngester(library, [new DescriptorStemAnalyzer(FakeDescribe)]), new SeparatedStemOptions { InPlace = true });
        var request = Request(tmp, input, ingest: true) with { KeepExisting = true };

        var first = Assert.Single(await new SeparationPipeline(context, ingestor).RunAsync(request, null, Ct));
        Assert.Equal("separated", first.Status);
        var stems = library.Catalog.ListStems();
        Assert.Equal(4, stems.Count);
        // One copy on disk: the catalog refers to the written files, and the store holds no stem files.
        Assert.All(stems, s => Assert.Contains(library.ResolveFile(s.FilePath), first.Stems.Select(x => x.Path)));
        Assert.False(Directory.Exists(Path.Combine(library.Root, "stems")) && Directory.EnumerateFiles(Path.Combine(library.Root, "stems"), "*", SearchOption.AllDirectories).Any());
        var bytes = first.Stems.ToDictionary(s => s.Path, s => File.ReadAllBytes(s.Path));

        // Other settings and --force write beside the first folder; the indexed files keep their bytes.
        var other = Assert.Single(await new SeparationPipeline(context, ingestor).RunAsync(request with { Bits = "16" }, null, Ct));
        Assert.Equal("separated", other.Status);
        Assert.Equal(first.Folder + "-2", other.Folder);
        // --force separates again; the model is deterministic, so its stems are the first folder's: no second copy is kept.
        var forced = Assert.Single(await new SeparationPipeline(context, ingestor).RunAsync(request with { Force = true }, null, Ct));
        Assert.Equal("separated", forced.Status);
        Assert.Equal(first.Folder, forced.Folder);
        Assert.Contains("the same stems as the earlier separation", forced.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(first.Folder + "-3"));
        Assert.Equal(first.Stems.Select(s => s.Path), forced.Stems.Select(s => s.Path));
        // Forced with the other settings: the same as the -2 folder, which is kept.
        var forcedOther = Assert.Single(await new SeparationPipeline(context, ingestor).RunAsync(request with { Bits = "16", Force = true }, null, Ct));
        Assert.Equal(first.Folder + "-2", forcedOther.Folder);
        Assert.False(Directory.Exists(first.Folder + "-3"));
        Assert.All(bytes, kv => Assert.Equal(kv.Value, File.ReadAllBytes(kv.Key)));
        // The same settings again find the first folder and separate nothing.
        Assert.Equal("skipped", Assert.Single(await new SeparationPipeline(context, ingestor).RunAsync(request, null, Ct)).Status);
        // Every catalog row still describes the file it points at.
        foreach (var s in library.Catalog.ListStems())
        {
            Assert.Equal(s.ContentHash, ContentHasher.Of(AudioFile.Read(library.ResolveFile(s.FilePath), Ct)));
        }
        Assert.Single(library.Catalog.ListTracks());
    }
}
