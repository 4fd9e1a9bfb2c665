using System.Diagnostics;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Ingest;
using Traum.TestKit;
using static Traum.Engine.Tests.Ingest.IngestTestKit;

namespace Traum.Engine.Tests.Ingest;

public sealed class StemIngesterTests : IDisposable
{
    private readonly TempDir _dir = new("ingest");
    private readonly Library _lib;

    public StemIngesterTests() => _lib = Library.Open(_dir.File("lib"));

    public void Dispose()
    {
        _lib.Dispose();
        _dir.Dispose();
    }

    private StemIngester Ingester(params IStemAnalyzer[] analyzers) => new(_lib, [new DescriptorStemAnalyzer(FakeDescribe), .. analyzers]);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Ingest_NewWav_AddsStemStoresFileAndDescribes()
    {
        var src = _dir.File("in/Kick 01.wav");
        WriteSound(src, 1, seconds: 0.5);
        var r = Ingester().Ingest(new IngestItem(src), Ct);
        Assert.Equal(IngestStatus.Added, r.Status);
        var stem = r.Stem!;
        Assert.Equal("Kick 01", stem.Name);
        Assert.Equal(("drums", "kick"), (stem.Kind, stem.Category));
        Assert.Equal(StemOrigin.Imported, stem.Origin);
        Assert.Equal(0.5, stem.Duration, 9);
        Assert.Equal((44100, 2), (stem.SampleRate, stem.Channels));
        // The stored file is a byte copy of the source, named by the hash of the decoded samples.
        var stored = _lib.GetFullPath(stem.FilePath);
        Assert.Equal(File.ReadAllBytes(src), File.ReadAllBytes(stored));
        Assert.Equal(ContentHasher.Of(AudioFile.Read(src, Ct)), stem.ContentHash);
        Assert.Equal(Library.StemFileName(stem.ContentHash, ".wav"), stem.FilePath);
        Assert.Equal(0.5, _lib.Catalog.GetDescriptors(stem.Id)!.Duration, 9);
    }

    [Fact]
    public void Ingest_EveryAnalyserReadsTheSameDecodedSound()
    {
        var src = _dir.File("in/Bass 01.wav");
        WriteSound(src, 3, seconds: 0.5);
        var seen = new List<DecodedAudio>();
        var r = Ingester(new RecordingAnalyzer("a", seen), new RecordingAnalyzer("b", seen)).Ingest(new IngestItem(src), Ct);
        Assert.Equal(IngestStatus.Added, r.Status);
        Assert.Equal(2, seen.Count);
        Assert.Same(seen[0], seen[1]);
        Assert.Equal(AudioFile.Read(src, Ct).Channels[0], seen[0].Audio.Channels[0]);
    }

    private sealed class RecordingAnalyzer(string name, List<DecodedAudio> seen) : IStemAnalyzer
    {
        public string Name => name;

        public bool IsAvailable => true;

        public bool NeedsAnalysis(Stem stem, StoredAnalysis stored) => true;

        public AnalysisResults Analyze(Stem stem, DecodedAudio audio, StoredAnalysis stored, CancellationToken cancellationToken)
        {
            seen.Add(audio);
            return AnalysisResults.None;
        }
    }

    [Fact]
    public void Ingest_SameFileTwice_SecondIsDuplicateWithoutDecoding()
    {
        var src = _dir.File("a.wav");
        WriteSound(src, 1);
        var ing = Ingester();
        var first = ing.Ingest(new IngestItem(src), Ct);
        var second = ing.Ingest(new IngestItem(src), Ct);
        Assert.Equal(IngestStatus.Duplicate, second.Status);
        Assert.Equal(first.Stem!.Id, second.Stem!.Id);
        Assert.Equal(0, second.Seconds); // recognised by path, size and time: nothing decoded
        Assert.Equal(1, _lib.Catalog.CountStems());
    }

    [Fact]
    public void Ingest_SameSamplesAsPcm16AndFloatWav_IsOneStem()
    {
        // Decoded 16-bit samples are k/32768, exactly representable as float32: both files decode to identical samples.
        var a = _dir.File("a.wav");
        var decoded = WriteSound(a, 3);
        var pcm = AudioFile.Read(a, Ct);
        var b = _dir.File("copy/b.wav");
        Directory.CreateDirectory(Path.GetDirectoryName(b)!);
        AudioFile.Write(b, pcm, new AudioWriteOptions(SampleFormat.Float32));
        Assert.NotEqual(new FileInfo(a).Length, new FileInfo(b).Length);
        _ = decoded;
        var ing = Ingester();
        var first = ing.Ingest(new IngestItem(a), Ct);
        var second = ing.Ingest(new IngestItem(b), Ct);
        Assert.Equal(IngestStatus.Added, first.Status);
        Assert.Equal(IngestStatus.Duplicate, second.Status);
        Assert.Equal(first.Stem!.Id, second.Stem!.Id);
        Assert.Single(Directory.EnumerateFiles(_lib.StemsPath, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Ingest_FlacOfSameWav_IsOneStem()
    {
        var wav = _dir.File("x.wav");
        WriteSound(wav, 4);
        var flac = _dir.File("x.flac");
        using (var p = Process.Start(new ProcessStartInfo("ffmpeg", ["-v", "error", "-y", "-i", wav, flac]) { RedirectStandardError = true })!)
        {
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
        }
        var ing = Ingester();
        var first = ing.Ingest(new IngestItem(flac), Ct);
        Assert.True(first.Status == IngestStatus.Added, first.Error);
        Assert.EndsWith(".flac", first.Stem!.FilePath, StringComparison.Ordinal);
        var second = ing.Ingest(new IngestItem(wav), Ct);
        Assert.Equal(IngestStatus.Duplicate, second.Status);
        Assert.Equal(first.Stem.Id, second.Stem!.Id);
    }

    [Theory]
    [InlineData("empty.wav", new byte[0], "empty")]
    [InlineData("text.wav", new byte[] { 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x77, 0x6f, 0x72, 0x6c, 0x64, 0x21, 0x21 }, "")]
    [InlineData("truncated.wav", new byte[] { 0x52, 0x49, 0x46, 0x46, 0x24, 0, 0, 0, 0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74 }, "")]
    public void Ingest_UnreadableFile_FailsWithReasonAndAddsNothing(string name, byte[] content, string reasonPart)
    {
        var src = _dir.File(name);
        File.WriteAllBytes(src, content);
        var r = Ingester().Ingest(new IngestItem(src), Ct);
        Assert.Equal(IngestStatus.Failed, r.Status);
        Assert.False(string.IsNullOrWhiteSpace(r.Error));
        Assert.Contains(reasonPart, r.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, _lib.Catalog.CountStems());
        Assert.Empty(Directory.EnumerateFiles(_lib.StemsPath, "*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f / 32768)] // one 16-bit step: -90.3 dBFS
    public void Ingest_SilentFile_FailsWithReasonAndAddsNothing(float level)
    {
        var src = _dir.File("silent.wav");
        var samples = Enumerable.Range(0, 44100).Select(i => i % 2 == 0 ? level : -level).ToArray();
        AudioFile.Write(src, AudioBuffer.Mono(samples, 44100), new AudioWriteOptions(SampleFormat.Pcm16));
        var r = Ingester().Ingest(new IngestItem(src), Ct);
        Assert.Equal(IngestStatus.Failed, r.Status);
        Assert.Contains("is silent", r.Error, StringComparison.Ordinal);
        Assert.Equal(0, _lib.Catalog.CountStems());
        Assert.Empty(Directory.EnumerateFiles(_lib.StemsPath, "*", SearchOption.AllDirectories));
        Assert.True(File.Exists(src), "the user's file was touched");
    }

    [Fact]
    public void Ingest_QuietButAudibleFile_IsAdded()
    {
        // -80 dBFS: a very quiet tail or room tone is a sound, not silence. Its peak is negative (the level is a magnitude).
        var src = _dir.File("quiet.wav");
        var quiet = Signals.Sine(440, 1.0, 44100, 1e-4).Select(x => -Math.Abs(x)).ToArray();
        AudioFile.Write(src, AudioBuffer.Mono(quiet, 44100), new AudioWriteOptions(SampleFormat.Pcm24));
        var r = Ingester().Ingest(new IngestItem(src), Ct);
        Assert.True(r.Status == IngestStatus.Added, r.Error);
    }

    [Fact]
    public void Ingest_MissingFile_Fails()
    {
        var r = Ingester().Ingest(new IngestItem(_dir.File("nope.wav")), Ct);
        Assert.Equal(IngestStatus.Failed, r.Status);
        Assert.Contains("no such file", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Ingest_AnalyzerFails_KeepsStemReportsError_RerunRetries()
    {
        var src = _dir.File("pad.wav");
        WriteSound(src, 5);
        var flaky = new CountingAnalyzer("clap", fail: true);
        var r = Ingester(flaky).Ingest(new IngestItem(src), Ct);
        Assert.Equal(IngestStatus.Added, r.Status);
        Assert.Equal(["clap: model exploded"], r.AnalysisErrors);
        Assert.NotNull(_lib.Catalog.GetDescriptors(r.Stem!.Id)); // the other analyser still ran

        flaky.Fail = false;
        var again = Ingester(flaky).Ingest(new IngestItem(src), Ct);
        Assert.Equal(IngestStatus.Duplicate, again.Status);
        Assert.Empty(again.AnalysisErrors);
        Assert.Contains(r.Stem.Id, flaky.Done);
        Assert.Equal(2, flaky.Calls);
        Assert.True(again.Seconds > 0); // decoded again to fill in the missing analysis
    }

    [Fact]
    public void Ingest_NewStem_SavesAllAnalysisInOneCommitWithoutTheFailedStep()
    {
        var src = _dir.File("lead.wav");
        var written = WriteSound(src, 6);
        var events = new List<IReadOnlyList<CatalogChange>>();
        _lib.Catalog.Changed += (_, e) => events.Add(e.Changes);
        var vector = new[] { 0.6f, 0.8f };
        var embed = new FixedEmbeddingAnalyzer("test:v1", vector);
        var r = Ingester(embed, new CountingAnalyzer("clap", fail: true)).Ingest(new IngestItem(src), Ct);
        Assert.Equal(IngestStatus.Added, r.Status);
        Assert.Equal(["clap: model exploded"], r.AnalysisErrors);
        // Two commits: the stem row, then descriptors and embedding together.
        Assert.Equal(2, events.Count);
        Assert.Equal([CatalogChangeKind.StemAdded], events[0].Select(c => c.Kind));
        Assert.Equal([CatalogChangeKind.DescriptorsSet, CatalogChangeKind.EmbeddingSet], events[1].Select(c => c.Kind));
        Assert.Equal(vector, _lib.Catalog.GetEmbedding(r.Stem!.Id, "test:v1")!.Vector);
        Assert.Equal(written.Length / 44100.0, _lib.Catalog.GetDescriptors(r.Stem.Id)!.Duration, 9);

        // A rerun runs only what is missing: the embedding is stored, so its analyser is not called again.
        events.Clear();
        var again = Ingester(embed).Ingest(new IngestItem(src), Ct);
        Assert.Equal(IngestStatus.Duplicate, again.Status);
        Assert.Equal(1, embed.Calls);
        Assert.Empty(events);
    }

    [Fact]
    public void Ingest_CrashAfterFileBeforeRow_RerunAddsRowReusingFile()
    {
        var src = _dir.File("b.wav");
        WriteSound(src, 6);
        var hash = ContentHasher.Of(AudioFile.Read(src, Ct));
        var stored = _lib.StoreStemFile(src, hash); // the file landed; the process died before the row
        var doctor = new LibraryDoctor(_lib).Run(repair: false, new DoctorOptions(TimeSpan.Zero), Ct);
        Assert.Equal(new[] { stored }, doctor.OrphanFiles);

        var r = Ingester().Ingest(new IngestItem(src), Ct);
        Assert.Equal(IngestStatus.Added, r.Status);
        Assert.Equal(stored, r.Stem!.FilePath);
        Assert.True(new LibraryDoctor(_lib).Run(repair: false, new DoctorOptions(TimeSpan.Zero), Ct).Healthy);
    }

    [Fact]
    public void Ingest_SeparatedStemsOfTwoTracks_WithSameSound_AreTwoStemsSharingOneFile()
    {
        var src = _dir.File("t/piano.wav");
        WriteSound(src, 7);
        var t1 = _lib.Catalog.AddTrack(new NewTrack { Name = "a", SourcePath = "/a", Format = "wav", Duration = 1, ContentHash = new string('a', 64) });
        var t2 = _lib.Catalog.AddTrack(new NewTrack { Name = "b", SourcePath = "/b", Format = "wav", Duration = 1, ContentHash = new string('b', 64) });
        var ing = Ingester();
        var s1 = ing.Ingest(new IngestItem(src) { Origin = StemOrigin.Separated, TrackId = t1.Id }, Ct).Stem!;
        var s2 = ing.Ingest(new IngestItem(src) { Origin = StemOrigin.Separated, TrackId = t2.Id }, Ct).Stem!;
        var again = ing.Ingest(new IngestItem(src) { Origin = StemOrigin.Separated, TrackId = t1.Id }, Ct);
        Assert.NotEqual(s1.Id, s2.Id);
        Assert.Equal(s1.FilePath, s2.FilePath);
        Assert.Equal(("piano", "piano"), (s1.Kind, s1.Category));
        Assert.Equal(IngestStatus.Duplicate, again.Status);
        Assert.True(_lib.DeleteStem(s1.Id).FileShared);
        Assert.True(File.Exists(_lib.GetFullPath(s2.FilePath)));
    }

    [Fact]
    public void Ingest_MoveSource_DeletesSourceAfterStoring()
    {
        var src = Path.Combine(_lib.GeneratedPath, "gen-1.wav");
        WriteSound(src, 8);
        var g = _lib.Catalog.AddGeneration(new Traum.Catalog.Generation { ModelCategory = "bass", ModelVersion = "v1", Mode = "random", Seed = 1 });
        var r = Ingester().Ingest(new IngestItem(src) { Origin = StemOrigin.Generated, GenerationId = g.Id, Category = "bass", MoveSource = true }, Ct);
        Assert.Equal(IngestStatus.Added, r.Status);
        Assert.False(File.Exists(src));
        Assert.True(File.Exists(_lib.GetFullPath(r.Stem!.FilePath)));
        Assert.Equal(g.Id, r.Stem.GenerationId);
        Assert.Null(r.Stem.SourcePath);
    }
}

public sealed class ConcurrentIngestTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunAsync_IdenticalPairsWithTwoWorkersAndTwoConcurrentRuns_OneStemPerSound()
    {
        using var dir = new TempDir("ingest-race");
        using var lib = Library.Open(dir.File("lib"));
        // 20 sounds, each present twice under different names: every pair races between workers and between runs.
        for (var i = 0; i < 20; i++)
        {
            WriteSound(dir.File($"in/a{i:00}.wav"), i + 1, seconds: 0.2);
            File.Copy(dir.File($"in/a{i:00}.wav"), dir.File($"in/b{i:00}.wav"));
        }
        var ingester = new StemIngester(lib, [new DescriptorStemAnalyzer(FakeDescribe)]);
        var request = new IngestRequest([dir.File("in")]) { Jobs = 2 };
        var runs = await Task.WhenAll(
            new IngestService(ingester).RunAsync(request, null, Ct),
            new IngestService(ingester).RunAsync(request, null, Ct));

        Assert.Equal(20, lib.Catalog.CountStems());
        Assert.Equal(20, runs.Sum(r => r.Added));
        Assert.Equal(60, runs.Sum(r => r.Duplicates));
        Assert.Equal(20, lib.Catalog.ListStems().Select(s => s.ContentHash).Distinct().Count());
        Assert.All(lib.Catalog.ListStems(), s => Assert.NotNull(lib.Catalog.GetDescriptors(s.Id)));
    }
}
