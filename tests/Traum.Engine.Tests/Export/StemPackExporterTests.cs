using System.IO.Compression;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Export;
using Traum.TestKit;

namespace Traum.Engine.Tests.Export;

public sealed class StemPackExporterTests : IDisposable
{
    private readonly TempDir _dir = new("export");
    private readonly Library _library;

    public StemPackExporterTests() => _library = Library.Open(_dir.File("lib"));

    public void Dispose()
    {
        _library.Dispose();
        _dir.Dispose();
    }

    private Stem Add(string name, string kind, AudioBuffer audio, long? track = null)
    {
        var (file, hash) = _library.WriteStemAudio(audio);
        return _library.Catalog.AddStem(new NewStem
        {
            Name = name, Kind = kind, Category = kind, Origin = track is null ? StemOrigin.Imported : StemOrigin.Separated, TrackId = track,
            FilePath = file, ContentHash = hash, SampleRate = audio.SampleRate, Channels = audio.ChannelCount, Duration = audio.Length / (double)audio.SampleRate,
        });
    }

    private static AudioBuffer Stereo(double hz, double seconds, int rate = 44100) =>
        new([Signals.Sine(hz, seconds, rate, amplitude: 0.5), Signals.Sine(hz * 1.5, seconds, rate, amplitude: 0.25)], rate);

    private sealed class Recorder : IProgress<ProgressInfo>
    {
        public List<ProgressInfo> Seen { get; } = [];

        public void Report(ProgressInfo value) => Seen.Add(value);
    }

    [Fact]
    public async Task WriteAsync_TrackAs24BitWav_EveryChannelWithinHalfAStepInKindOrder()
    {
        var track = _library.Catalog.AddTrack(new NewTrack { Name = "Song", SourcePath = "/x/song.wav", Format = "wav", Duration = 1, ContentHash = "h" });
        var sources = new Dictionary<string, AudioBuffer> { ["vocals"] = Stereo(440, 0.4), ["drums"] = Stereo(100, 0.4), ["bass"] = Stereo(55, 0.4) };
        foreach (var (kind, audio) in sources) Add($"Song - {kind}", kind, audio, track.Id);
        Add("loose", "other", Stereo(300, 0.2));
        var exporter = new StemPackExporter(_library);
        var format = ExportFormat.Parse("wav", null, 24);
        var items = exporter.Resolve(new ExportSelection(TrackId: track.Id), format);
        Assert.Equal(["Song - bass.wav", "Song - drums.wav", "Song - vocals.wav"], items.Select(i => i.FileName));

        var progress = new Recorder();
        using var zipBytes = new MemoryStream();
        await exporter.WriteAsync(items, format, zipBytes, progress, TestContext.Current.CancellationToken);
        Assert.Equal([0.0, 1, 2, 3], progress.Seen.Select(p => p.Done));
        Assert.All(progress.Seen, p => Assert.Equal(3, p.Total));

        zipBytes.Position = 0;
        using var zip = new ZipArchive(zipBytes, ZipArchiveMode.Read);
        foreach (var (kind, audio) in sources)
        {
            var path = _dir.File(kind + ".wav");
            zip.GetEntry($"Song - {kind}.wav")!.ExtractToFile(path);
            Assert.Equal(24, AudioFile.Probe(path).BitsPerSample);
            var decoded = AudioFile.Read(path, TestContext.Current.CancellationToken);
            Assert.Equal(2, decoded.ChannelCount);
            for (var c = 0; c < 2; c++)
            {
                Assert.Equal(audio.Length, decoded.Length);
                for (var i = 0; i < audio.Length; i++) Assert.True(Math.Abs(audio.Channels[c][i] - decoded.Channels[c][i]) <= (0.5 / 8388608) + 1e-9, $"{kind} channel {c} sample {i}");
            }
        }
        Assert.False(Directory.EnumerateFileSystemEntries(Path.Combine(_library.Root, "cache", "export")).Any());
    }

    [Fact]
    public void Resolve_TrackWithFilterOrNothing_ChoosesOrExplains()
    {
        var track = _library.Catalog.AddTrack(new NewTrack { Name = "Song", SourcePath = "/x/song.wav", Format = "wav", Duration = 1, ContentHash = "h" });
        var empty = _library.Catalog.AddTrack(new NewTrack { Name = "Empty", SourcePath = "/x/empty.wav", Format = "wav", Duration = 1, ContentHash = "e" });
        Add("Song - bass", "bass", Stereo(55, 0.2), track.Id);
        Add("Song - drums", "drums", Stereo(100, 0.2), track.Id);
        Add("bass elsewhere", "bass", Stereo(60, 0.2));
        var exporter = new StemPackExporter(_library);
        var wav = new ExportFormat();
        var bass = exporter.Resolve(new ExportSelection(TrackId: track.Id, Filter: new StemFilter { Kind = "bass" }), wav);
        Assert.Equal("Song - bass", Assert.Single(bass).Stem.Name);
        Assert.Contains("has no stems", Assert.Throws<NotFoundException>(() => exporter.Resolve(new ExportSelection(TrackId: empty.Id), wav)).Message, StringComparison.Ordinal);
        Assert.Contains("999", Assert.Throws<NotFoundException>(() => exporter.Resolve(new ExportSelection(TrackId: 999), wav)).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidInputException>(() => exporter.Resolve(new ExportSelection(Filter: new StemFilter { Sort = "name" }), wav));
    }

    [Fact]
    public void Resolve_Mp3OfA96kStemWithoutARate_AsksForOne()
    {
        var high = Add("hi-res", "other", Stereo(1000, 0.1, 96000));
        var exporter = new StemPackExporter(_library);
        var e = Assert.Throws<InvalidInputException>(() => exporter.Resolve(new ExportSelection([high.Id]), ExportFormat.Parse("mp3")));
        Assert.Contains("96000 Hz", e.Message, StringComparison.Ordinal);
        Assert.Single(exporter.Resolve(new ExportSelection([high.Id]), ExportFormat.Parse("mp3", 48000)));
    }
}
