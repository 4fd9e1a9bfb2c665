using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Ingest;
using Traum.TestKit;

namespace Traum.Engine.Tests.Ingest;

public sealed class StemAnalyzerRegistryTests
{
    [Fact]
    public void Create_DefaultContext_IncludesDescriptors()
    {
        using var dir = new TempDir("registry");
        var names = StemAnalyzerRegistry.Create(TraumContext.ForLibrary(dir.Path)).Select(a => a.Name);
        Assert.Contains("descriptors", names);
    }

    [Fact]
    public void Create_InvalidDescriptorSetting_ThrowsInvalidInput()
    {
        using var dir = new TempDir("registry");
        var context = TraumContext.ForLibrary(dir.Path, new Dictionary<string, string?> { ["descriptors:FftSize"] = "-5" });
        Assert.Throws<InvalidInputException>(() => StemAnalyzerRegistry.Create(context));
    }

    [Fact]
    public void Ingest_ClickLoopAndSingleHit_RecordsTempoDurationAndShape()
    {
        // Independent truths: a click track made at 120 BPM, and the durations the signals were made with.
        using var dir = new TempDir("registry");
        var context = TraumContext.ForLibrary(dir.File("lib"));
        using var lib = Library.Open(context.LibraryPath);
        var ingester = new StemIngester(lib, StemAnalyzerRegistry.Create(context));
        var loop = dir.File("loop.wav");
        AudioFile.Write(loop, new AudioBuffer([Signals.ClickTrack(120, 8, 44100)], 44100));
        var hit = dir.File("hit.wav");
        AudioFile.Write(hit, new AudioBuffer([Signals.DrumHit(0.4, 44100)], 44100));
        var ct = TestContext.Current.CancellationToken;

        var l = ingester.Ingest(new IngestItem(loop), ct).Stem!;
        var h = ingester.Ingest(new IngestItem(hit), ct).Stem!;
        var dl = lib.Catalog.GetDescriptors(l.Id)!;
        var dh = lib.Catalog.GetDescriptors(h.Id)!;
        Assert.Equal(8.0, dl.Duration, 3);
        Assert.InRange(dl.Bpm!.Value, 119, 121);
        Assert.False(dl.IsOneShot);
        Assert.Equal(0.4, dh.Duration, 3);
        Assert.True(dh.IsOneShot);
        Assert.Equal(new[] { l.Id }, lib.Catalog.ListStems(new StemQuery { MinBpm = 119, MaxBpm = 121 }).Select(s => s.Id));
    }

    [Fact]
    public void Ingest_NeutralNameWithTags_StoresTheTaggedTempoAndKeyAsStated()
    {
        using var dir = new TempDir("registry");
        var context = TraumContext.ForLibrary(dir.File("lib"));
        using var lib = Library.Open(context.LibraryPath);
        var ingester = new StemIngester(lib, StemAnalyzerRegistry.Create(context));
        var wav = dir.File("t.wav");
        AudioFile.Write(wav, new AudioBuffer([Signals.ClickTrack(100, 4, 44100)], 44100));
        var mp3 = dir.File("upload 1.mp3");
        ExternalTools.Ffmpeg(wav, mp3, "-metadata", "TBPM=100", "-metadata", "TKEY=Gm");
        var ct = TestContext.Current.CancellationToken;

        // Moved into the library (as uploads are): the tags are read from the stored copy.
        var stem = ingester.Ingest(new IngestItem(mp3) { MoveSource = true }, ct).Stem!;

        Assert.False(File.Exists(mp3));
        var d = lib.Catalog.GetDescriptors(stem.Id)!;
        Assert.Equal(100.0, d.StatedBpm);
        Assert.Equal(("G", "minor"), (d.StatedKey, d.StatedMode));
    }
}
