using Traum.Audio;
using Traum.Audio.IO;
using Traum.Core;
using Traum.Engine.Separation;
using Traum.Models.Demucs;
using Traum.TestKit;
using Xunit;

namespace Traum.Engine.Tests.Separation;

public sealed class SeparationPipelineTests
{
    private static readonly string s_root = FindRoot();

    private static string Fixture(string name) => Path.Combine(s_root, "tests", "fixtures", "demucs", name);

    private static string FindRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Traum.slnx"))) d = d.Parent;
        return d!.FullName;
    }

    private static SeparateRequest Request(TempDir tmp, string fixture, params string[] paths) => new(paths)
    {
        ModelPath = Fixture(fixture),
        OutDir = tmp.File("out"),
        Ingest = false,
        Bits = "32f",
        Demucs = new DemucsOptions { IntraOpThreads = 1 },
    };

    private static SeparationPipeline Pipeline(TempDir tmp) => new(TraumContext.ForLibrary(tmp.File("lib")));

    private static Task<IReadOnlyList<SeparatedTrack>> Run(TempDir tmp, SeparateRequest request, IProgress<ProgressInfo>? progress = null, CancellationToken? ct = null) =>
        Pipeline(tmp).RunAsync(request, progress, ct ?? TestContext.Current.CancellationToken);

    private static (float[] L, float[] R) Stereo(int n, int seed = 1)
    {
        var l = Signals.Chord([50, 57, 62], n / 44100.0 + 0.01, 44100, 0.4);
        var noise = Signals.PinkNoise(n / 44100.0 + 0.01, 44100, 0.2, seed);
        var r = new float[n];
        for (var i = 0; i < n; i++) r[i] = (0.5f * l[i]) + noise[i];
        return (l[..n], r);
    }

    private static string WriteWav(TempDir tmp, string name, float[][] channels, int rate = 44100)
    {
        var path = tmp.File(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AudioFile.Write(path, new AudioBuffer(channels, rate), new AudioWriteOptions(SampleFormat.Float32));
        return path;
    }

    private static double Mean(float[] l, float[] r)
    {
        double m = 0;
        for (var i = 0; i < l.Length; i++) m += 0.5 * ((double)l[i] + r[i]);
        return m / l.Length;
    }

    /// <summary>Max |stem − (f·(x − μ) + μ/S)| over both channels (time4: f = 0.1, 0.2, 0.3, 0.4).</summary>
    private static double MaxFractionError(AudioBuffer stem, float[] l, float[] r, double f, int sources, double? mu = null)
    {
        var m = mu ?? Mean(l, r);
        double max = 0;
        for (var i = 0; i < l.Length; i++)
        {
            max = Math.Max(max, Math.Abs(stem.Channels[0][i] - ((f * (l[i] - m)) + (m / sources))));
            max = Math.Max(max, Math.Abs(stem.Channels[1][i] - ((f * (r[i] - m)) + (m / sources))));
        }
        return max;
    }

    [Fact]
    public async Task RunAsync_WavFile_WritesOneFilePerSourceWithTheRightFractions()
    {
        using var tmp = new TempDir("sep");
        var (l, r) = Stereo(300_000);
        var input = WriteWav(tmp, "My Song.wav", [l, r]);
        var results = await Run(tmp, Request(tmp, "time4", input));
        var t = Assert.Single(results);
        Assert.True(t.Status == "separated", t.Message);
        Assert.Equal(["drums", "bass", "other", "vocals"], t.Stems.Select(s => s.Name));
        Assert.StartsWith(Path.Combine(tmp.File("out"), "My Song-"), t.Folder, StringComparison.Ordinal);
        Assert.EndsWith(Path.Combine("time4"), t.Folder, StringComparison.Ordinal);
        float[] fractions = [0.1f, 0.2f, 0.3f, 0.4f];
        for (var s = 0; s < 4; s++)
        {
            var stem = AudioFile.Read(t.Stems[s].Path, TestContext.Current.CancellationToken);
            Assert.Equal(44100, stem.SampleRate);
            Assert.Equal(l.Length, stem.Length);
            Assert.True(MaxFractionError(stem, l, r, fractions[s], 4) < 1e-4);
        }
        Assert.True(File.Exists(Path.Combine(t.Folder!, "separation.json")));
        Assert.Empty(Directory.GetFiles(t.Folder!, ".*"));
    }

    [Fact]
    public async Task RunAsync_SameTrackAndSettingsTwice_SkipsTheSecondTime()
    {
        using var tmp = new TempDir("sep");
        var (l, r) = Stereo(50_000);
        var input = WriteWav(tmp, "a.wav", [l, r]);
        var first = Assert.Single(await Run(tmp, Request(tmp, "time4", input)));
        var written = File.GetLastWriteTimeUtc(first.Stems[0].Path);
        var second = Assert.Single(await Run(tmp, Request(tmp, "time4", input)));
        Assert.Equal("separated", first.Status);
        Assert.Equal("skipped", second.Status);
        Assert.Equal(first.Folder, second.Folder);
        Assert.Equal(written, File.GetLastWriteTimeUtc(second.Stems[0].Path));
        // Other settings: separated again.
        var third = Assert.Single(await Run(tmp, Request(tmp, "time4", input) with { Demucs = new DemucsOptions { Overlap = 0.5, IntraOpThreads = 1 } }));
        Assert.Equal("separated", third.Status);
    }

    [Fact]
    public async Task RunAsync_SameNameInTwoFolders_DoesNotOverwrite()
    {
        using var tmp = new TempDir("sep");
        var (l, r) = Stereo(30_000, 1);
        var (l2, r2) = Stereo(30_000, 2);
        var a = WriteWav(tmp, Path.Combine("x", "song.wav"), [l, r]);
        var b = WriteWav(tmp, Path.Combine("y", "song.wav"), [r2, l2]);
        var results = await Run(tmp, Request(tmp, "time4", tmp.File("x"), tmp.File("y")));
        Assert.Equal(2, results.Count);
        Assert.All(results, t => Assert.True(t.Status == "separated", t.Message));
        Assert.NotEqual(results[0].Folder, results[1].Folder);
        Assert.Equal([a, b], results.Select(t => t.Source).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RunAsync_TwoStems_WritesTheStemAndTheSumOfTheOthers()
    {
        using var tmp = new TempDir("sep");
        var (l, r) = Stereo(100_000);
        var input = WriteWav(tmp, "a.wav", [l, r]);
        var t = Assert.Single(await Run(tmp, Request(tmp, "time4", input) with { TwoStems = "vocals" }));
        Assert.Equal(["vocals", "no_vocals"], t.Stems.Select(s => s.Name));
        Assert.Equal(["vocals", StemKinds.Other], t.Stems.Select(s => s.Kind));
        var vocals = AudioFile.Read(t.Stems[0].Path, TestContext.Current.CancellationToken);
        var rest = AudioFile.Read(t.Stems[1].Path, TestContext.Current.CancellationToken);
        var mu = Mean(l, r);
        // vocals = 0.4·(x − μ) + μ/4; no_vocals = (0.1 + 0.2 + 0.3)·(x − μ) + 3μ/4
        Assert.True(MaxFractionError(vocals, l, r, 0.4, 4, mu) < 1e-4);
        double max = 0;
        for (var i = 0; i < l.Length; i++) max = Math.Max(max, Math.Abs(rest.Channels[0][i] - ((0.6 * (l[i] - mu)) + (0.75 * mu))));
        Assert.True(max < 1e-4, $"{max}");
    }

    [Fact]
    public async Task RunAsync_UnknownTwoStemsSource_IsRejected()
    {
        using var tmp = new TempDir("sep");
        var (l, r) = Stereo(10_000);
        var input = WriteWav(tmp, "a.wav", [l, r]);
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => Run(tmp, Request(tmp, "time4", input) with { TwoStems = "kazoo" }));
        Assert.Contains("drums, bass, other, vocals", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_MonoInput_IsSeparatedAsBothChannels()
    {
        using var tmp = new TempDir("sep");
        var (l, _) = Stereo(60_000);
        var input = WriteWav(tmp, "mono.wav", [l]);
        var t = Assert.Single(await Run(tmp, Request(tmp, "time4", input)));
        Assert.True(t.Status == "separated", t.Message);
        Assert.Contains("mono", t.Message, StringComparison.Ordinal);
        var bass = AudioFile.Read(t.Stems[1].Path, TestContext.Current.CancellationToken);
        Assert.True(MaxFractionError(bass, l, l, 0.2, 4) < 1e-4);
    }

    [Fact]
    public async Task RunAsync_SixChannelInput_SeparatesTheFirstTwo()
    {
        using var tmp = new TempDir("sep");
        var (l, r) = Stereo(40_000);
        var other = Signals.WhiteNoise(1, 44100, 0.5)[..40_000];
        var input = WriteWav(tmp, "surround.wav", [l, r, other, other, other, other]);
        var t = Assert.Single(await Run(tmp, Request(tmp, "time4", input)));
        Assert.True(t.Status == "separated", t.Message);
        Assert.Contains("6 channels", t.Message, StringComparison.Ordinal);
        var drums = AudioFile.Read(t.Stems[0].Path, TestContext.Current.CancellationToken);
        Assert.True(MaxFractionError(drums, l, r, 0.1, 4) < 1e-4);
    }

    [Fact]
    public async Task RunAsync_SilentAndUnreadableFiles_FailWithReasonsWhileOthersSucceed()
    {
        using var tmp = new TempDir("sep");
        var silent = WriteWav(tmp, "silent.wav", [new float[50_000], new float[50_000]]);
        var junk = tmp.File("junk.wav");
        File.WriteAllBytes(junk, [.. Enumerable.Range(0, 1000).Select(i => (byte)(i * 7))]);
        var (l, r) = Stereo(20_000);
        var good = WriteWav(tmp, "good.wav", [l, r]);
        var results = (await Run(tmp, Request(tmp, "time4", silent, junk, good))).ToDictionary(t => Path.GetFileName(t.Source));
        Assert.Equal("failed", results["silent.wav"].Status);
        Assert.Contains("silent", results["silent.wav"].Message, StringComparison.Ordinal);
        Assert.Equal("failed", results["junk.wav"].Status);
        Assert.False(string.IsNullOrWhiteSpace(results["junk.wav"].Message));
        Assert.Equal("separated", results["good.wav"].Status);
        // Nothing half-written for the silent track.
        var silentFolders = Directory.GetDirectories(tmp.File("out"), "silent-*");
        Assert.All(silentFolders, f => Assert.Empty(Directory.GetFiles(f, "*", SearchOption.AllDirectories)));
    }

    [Fact]
    public async Task RunAsync_Cancelled_RemovesPartialFiles()
    {
        using var tmp = new TempDir("sep");
        var (l, r) = Stereo(700_000);
        var input = WriteWav(tmp, "long.wav", [l, r]);
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(_ => cts.Cancel());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Run(tmp, Request(tmp, "time4", input), progress, cts.Token));
        var files = Directory.Exists(tmp.File("out")) ? Directory.GetFiles(tmp.File("out"), "*", SearchOption.AllDirectories) : [];
        Assert.Empty(files);
    }

    [Theory]
    [InlineData(ClipMode.Rescale)]
    [InlineData(ClipMode.Clamp)]
    public async Task RunAsync_StemLouderThanFullScale_IsRescaledOrClamped(ClipMode clip)
    {
        using var tmp = new TempDir("sep");
        var n = 30_000;
        var l = Signals.Sine(220, 1, 44100, 0.9)[..n];
        var r = Signals.Sine(330, 1, 44100, 0.9)[..n];
        var input = WriteWav(tmp, "loud.wav", [l, r]);
        var t = Assert.Single(await Run(tmp, Request(tmp, "gain4", input) with { Clip = clip, Bits = "24" }));
        var drums = AudioFile.Read(t.Stems[0].Path, TestContext.Current.CancellationToken);
        var bass = AudioFile.Read(t.Stems[1].Path, TestContext.Current.CancellationToken);
        var mu = Mean(l, r);
        // gain4: drums = 1.5·(x − μ) + μ/4 (peak ≈ 1.35), bass = −0.5·(x − μ) + μ/4 (peak ≈ 0.45).
        var peak = 0.0;
        for (var i = 0; i < n; i++) peak = Math.Max(peak, Math.Max(Math.Abs((1.5 * (l[i] - mu)) + (mu / 4)), Math.Abs((1.5 * (r[i] - mu)) + (mu / 4))));
        Assert.True(peak > 1.3);
        var scale = clip == ClipMode.Rescale ? 1 / (1.01 * peak) : 1;
        double max = 0;
        for (var i = 0; i < n; i++)
        {
            var expected = ((1.5 * (l[i] - mu)) + (mu / 4)) * scale;
            if (clip == ClipMode.Clamp) expected = Math.Clamp(expected, -1, 1);
            max = Math.Max(max, Math.Abs(drums.Channels[0][i] - expected));
        }
        Assert.True(max < 1e-4, $"{max}");
        // The quiet stem is left alone: max(1.01 · 0.45, 1) = 1.
        Assert.True(MaxFractionError(bass, l, r, -0.5, 4, mu) < 1e-4);
    }

    [Fact]
    public async Task RunAsync_ModelNotInstalled_SaysHowToPullIt()
    {
        using var tmp = new TempDir("sep");
        var (l, r) = Stereo(10_000);
        var input = WriteWav(tmp, "a.wav", [l, r]);
        var context = new TraumContext(Configuration.TraumSettings.Build(tmp.File("lib"), new Dictionary<string, string?> { ["models:root"] = tmp.File("models") }));
        var pipeline = new SeparationPipeline(context);
        var e = await Assert.ThrowsAsync<ModelNotFoundException>(() =>
            pipeline.RunAsync(new SeparateRequest([input]) { OutDir = tmp.File("out"), Ingest = false }, null, TestContext.Current.CancellationToken));
        Assert.Contains("traum models pull demucs", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ogg", "24", "--format")]
    [InlineData("wav", "12", "--bits")]
    [InlineData("flac", "32f", "FLAC")]
    public void ValidateOutput_BadFormatOrBits_IsRejected(string format, string bits, string expected)
    {
        var e = Assert.Throws<InvalidInputException>(() => SeparationPipeline.ValidateOutput(new SeparateRequest(["x"]) { Format = format, Bits = bits }));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_96kHzInput_IsResampledTo44100BeforeSeparation()
    {
        using var tmp = new TempDir("sep");
        var l = Signals.Chord([45, 52, 61], 1.0, 96_000, 0.4);
        var r = Signals.PinkNoise(1.0, 96_000, 0.2, 3);
        var input = WriteWav(tmp, "hires.wav", [l, r], rate: 96_000);
        var t = Assert.Single(await Run(tmp, Request(tmp, "time4", input)));
        Assert.True(t.Status == "separated", t.Message);
        Assert.Contains("resampled from 96000 Hz to 44100 Hz", t.Message, StringComparison.Ordinal);
        // Expected: the whole-buffer resampler's output (the streaming path must equal it), then the fixture's fraction.
        var y = Traum.Audio.Dsp.Resampler.Resample(new AudioBuffer([l, r], 96_000), 44100);
        Assert.Equal(44100, y.Length);
        var vocals = AudioFile.Read(t.Stems[3].Path, TestContext.Current.CancellationToken);
        Assert.Equal(44100, vocals.SampleRate);
        Assert.Equal(y.Length, vocals.Length);
        Assert.True(MaxFractionError(vocals, y.Channels[0], y.Channels[1], 0.4, 4) < 1e-4);
    }

    [Fact]
    public async Task RunAsync_WithIngest_RecordsTheTrackAndOneStemPerSourceWithItsKind()
    {
        using var tmp = new TempDir("sep");
        var (l, r) = Stereo(60_000);
        var input = WriteWav(tmp, "Groove.wav", [l, r]);
        var context = TraumContext.ForLibrary(tmp.File("lib"));
        using var library = Traum.Catalog.Library.Open(context.LibraryPath);
        var ingester = new Traum.Engine.Ingest.StemIngester(library, []);
        var pipeline = new SeparationPipeline(context, new LibraryStemIngestor(ingester));
        var t = Assert.Single(await pipeline.RunAsync(Request(tmp, "time4", input) with { Ingest = true }, null, TestContext.Current.CancellationToken));
        Assert.Equal(4, t.Ingested.Count(line => line.Contains("added", StringComparison.Ordinal)));
        var track = Assert.Single(library.Catalog.ListTracks());
        Assert.Equal("Groove", track.Name);
        Assert.Equal(input, track.SourcePath);
        var stems = library.Catalog.ListStems(new Traum.Catalog.StemQuery { TrackId = track.Id });
        Assert.Equal(["bass", "drums", "other", "vocals"], stems.Select(s => s.Kind).Order(StringComparer.Ordinal));
        Assert.All(stems, s => Assert.Equal(StemOrigin.Separated, s.Origin));
        Assert.All(stems, s => Assert.StartsWith("Groove - ", s.Name, StringComparison.Ordinal));
    }

    private sealed class SyncProgress(Action<ProgressInfo> report) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => report(value);
    }
}
