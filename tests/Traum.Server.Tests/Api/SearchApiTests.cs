using System.Text.Json;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Traum.Audio.IO;
using Traum.Core;
using Traum.Engine.Search;
using Traum.Engine.Semantic;
using Traum.Models.Clap;
using Traum.Server.Services;
using Traum.TestKit;
using Traum.TestKit.Fixtures;
using SearchHit = Traum.Server.Services.SearchHit;

namespace Traum.Server.Tests.Api;

public sealed class SearchApiTests
{
    /// <summary>A server whose search models are the CLAP fixture graph (in <paramref name="root"/> when given).</summary>
    internal static Task<TestServerHost> StartWithClapAsync(string? root = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var dir = root;
        return TestServerHost.StartAsync((r, o) => { dir = r; return o; }, s => s.AddSingleton(_ =>
        {
            var folder = ClapFixture.CreateModelFolder(Path.Combine(dir!, "clap-model"));
            var clap = ClapEmbedder.Load(new ClapOptions { Path = folder }, Path.Combine(dir!, "models"));
            return new SearchModels(clap, clap, null, PromptSet.Load(Path.Combine(dir!, "library")), null, clap);
        }), root: root, settings: settings);
    }

    private static async Task<List<long>> IngestAsync(TestServerHost host, string kind, params (string Name, float[] Samples)[] files)
    {
        var parts = new List<(string, string, byte[])>();
        foreach (var (name, samples) in files)
        {
            parts.Add(("file", name, await File.ReadAllBytesAsync(host.WriteWav(name, samples), TestContext.Current.CancellationToken)));
        }
        using var r = await host.UploadAsync("/api/uploads/stems", parts, new Dictionary<string, string> { ["kind"] = kind });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var job = await host.WaitForJobAsync((await TestServerHost.ReadAsync<JobInfo>(r)).Id);
        Assert.True(job.State == JobState.Succeeded, job.Error);
        return Components.JobTitles.StemIds(job).ToList();
    }

    private static async Task<List<long>> SeedAsync(TestServerHost host)
    {
        var ids = await IngestAsync(host, "bass", ("low.wav", Signals.Sine(55, 1.0, 44100)), ("mid.wav", Signals.Sine(110, 1.0, 44100)));
        ids.AddRange(await IngestAsync(host, "drums", ("kick.wav", Signals.DrumHit(1.0, 44100)), ("noise.wav", Signals.WhiteNoise(1.0, 44100, 0.3))));
        return ids;
    }

    [Fact]
    public async Task Text_WithClap_ReturnsAtMostKHitsBestFirstAndHonoursTheKindFilter()
    {
        await using var host = await StartWithClapAsync();
        await SeedAsync(host);
        var hits = await host.GetJsonAsync<List<SearchHit>>("/api/search?q=deep+bass&k=3");
        Assert.Equal(3, hits.Count);
        Assert.True(hits.Zip(hits.Skip(1)).All(p => p.First.Score >= p.Second.Score));
        Assert.All(hits, h => Assert.InRange(h.Score, -1.0001, 1.0001));
        var drums = await host.GetJsonAsync<List<SearchHit>>("/api/search?q=deep+bass&k=10&kind=drums");
        Assert.Equal(2, drums.Count);
        Assert.All(drums, h => Assert.Equal("drums", h.Stem.Stem.Kind));
    }

    [Fact]
    public async Task Audio_UploadOfAStemsOwnFile_FindsThatStemFirstWithCosineOne()
    {
        await using var host = await StartWithClapAsync();
        var ids = await SeedAsync(host);
        var kick = await host.GetJsonAsync<StemDetail>($"/api/stems/{ids[2]}");
        var bytes = await File.ReadAllBytesAsync(Path.Combine(host.Library, kick.Stem.FilePath), TestContext.Current.CancellationToken);
        using var r = await host.UploadAsync("/api/search/audio", [("file", "query.wav", bytes)], new Dictionary<string, string> { ["k"] = "2" });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var hits = await TestServerHost.ReadAsync<List<SearchHit>>(r);
        Assert.Equal(2, hits.Count);
        Assert.Equal(kick.Stem.Id, hits[0].Stem.Stem.Id);
        Assert.Equal(1.0, hits[0].Score, 4);
    }

    [Fact]
    public async Task Text_AfterTaggingAHit_ShowsTheNewTag()
    {
        await using var host = await StartWithClapAsync();
        await SeedAsync(host);
        var first = (await host.GetJsonAsync<List<SearchHit>>("/api/search?q=deep+bass&k=1")).Single();
        using var tag = await host.Client.PostAsync($"/api/stems/{first.Stem.Stem.Id}/tags",
            new StringContent("{\"add\":[\"favourite\"]}", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, tag.StatusCode);
        var again = (await host.GetJsonAsync<List<SearchHit>>("/api/search?q=deep+bass&k=1")).Single();
        Assert.Equal(first.Stem.Stem.Id, again.Stem.Stem.Id);
        Assert.Contains("favourite", again.Stem.Stem.Tags);
    }

    [Fact]
    public async Task Similar_ToAStem_LeavesThatStemOut()
    {
        await using var host = await StartWithClapAsync();
        var ids = await SeedAsync(host);
        var hits = await host.GetJsonAsync<List<SearchHit>>($"/api/stems/{ids[0]}/similar?k=10");
        Assert.Equal(3, hits.Count);
        Assert.DoesNotContain(hits, h => h.Stem.Stem.Id == ids[0]);
    }

    [Fact]
    public async Task Text_WithoutClap_Returns503WithTheInstallCommand()
    {
        await using var host = await TestServerHost.StartAsync();
        using var r = await host.Client.GetAsync("/api/search?q=warm+pad", TestContext.Current.CancellationToken);
        var p = await ProblemAssert.IsProblemAsync(r, HttpStatusCode.ServiceUnavailable);
        Assert.Contains("traum models pull clap", p.Detail ?? "", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/search")]
    [InlineData("/api/search?q=%20")]
    [InlineData("/api/search?q=x&k=0")]
    [InlineData("/api/search?q=x&k=100000")]
    [InlineData("/api/search?q=x&bpm=abc")]
    [InlineData("/api/search?q=x&key=Q")]
    [InlineData("/api/search?q=x&profile=nonsense")]
    [InlineData("/api/duplicates?method=embedding&threshold=2")]
    [InlineData("/api/duplicates?threshold=0.9")]
    [InlineData("/api/duplicates?maxBitError=2")]
    [InlineData("/api/duplicates?method=loudness")]
    public async Task Search_BadParameters_Return400(string url)
    {
        await using var host = await StartWithClapAsync();
        using var r = await host.Client.GetAsync(url, TestContext.Current.CancellationToken);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Similar_UnknownStem_Returns404()
    {
        await using var host = await StartWithClapAsync();
        using var r = await host.Client.GetAsync("/api/stems/12345/similar", TestContext.Current.CancellationToken);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Duplicates_SameSoundTwiceUnderTwoNames_IsOneStem()
    {
        await using var host = await StartWithClapAsync();
        var a = await IngestAsync(host, "bass", ("one.wav", Signals.Sine(80, 0.5, 44100)));
        var b = await IngestAsync(host, "bass", ("copy.wav", Signals.Sine(80, 0.5, 44100)));
        Assert.Equal(a, b);
        using var r = await host.Client.GetAsync("/api/duplicates", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }

    /// <summary>8 s of chords in a seeded order: a "take" long enough to fingerprint.</summary>
    private static float[] Take(int seed, float gain = 1f)
    {
        var rng = new Random(seed);
        var x = new float[8 * 44100];
        for (var pos = 0; pos < x.Length;)
        {
            var root = 48 + rng.Next(12);
            var chord = Signals.Chord([root, root + 4, root + 7], 0.5 + (rng.Next(3) * 0.25), 44100, 0.3);
            for (var i = 0; i < chord.Length && pos + i < x.Length; i++) x[pos + i] += gain * chord[i];
            pos += chord.Length;
        }
        return x;
    }

    [Fact]
    public async Task Duplicates_Default_FingerprintGroupsAGainChangeNotAnotherTake()
    {
        await using var host = await TestServerHost.StartAsync();
        var ids = await IngestAsync(host, "other", ("take.wav", Take(1)), ("take quieter.wav", Take(1, 0.5f)), ("other take.wav", Take(2)));

        using var r = await host.Client.GetAsync("/api/duplicates", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var groups = JsonDocument.Parse(await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        var g = Assert.Single(groups.EnumerateArray());
        Assert.Equal("fingerprint", g.GetProperty("reason").GetString());
        Assert.Equal(ids.Take(2).Order(), g.GetProperty("stemIds").EnumerateArray().Select(e => e.GetInt64()).Order());
        var members = g.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(["take", "take quieter"], members.Select(m => m.GetProperty("name").GetString()).Order());
        Assert.All(members, m => Assert.True(File.Exists(m.GetProperty("file").GetString())));
        Assert.InRange(g.GetProperty("similarity").GetDouble(), 0.9, 1.0);
    }

    [Fact]
    public async Task Download_Flac_DecodesToTheSameSamples()
    {
        await using var host = await TestServerHost.StartAsync();
        var ids = await IngestAsync(host, "bass", ("tone.wav", Signals.Sine(220, 0.5, 44100, 0.5)));
        using var r = await host.Client.GetAsync($"/api/stems/{ids[0]}/download?format=flac", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("audio/flac", r.Content.Headers.ContentType?.MediaType);
        var bytes = await r.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.Equal("fLaC"u8.ToArray(), bytes[..4]);
        var flac = Path.Combine(host.Scratch, "back.flac");
        await File.WriteAllBytesAsync(flac, bytes, TestContext.Current.CancellationToken);
        var original = Signals.Sine(220, 0.5, 44100, 0.5);
        var decoded = AudioFile.Read(flac, TestContext.Current.CancellationToken).Channels[0];
        Assert.Equal(original.Length, decoded.Length);
        // 24-bit FLAC: each sample within one quantisation step (2^-23) of the source.
        for (var i = 0; i < original.Length; i++) Assert.Equal(original[i], decoded[i], 2.5e-7f);
    }
}
