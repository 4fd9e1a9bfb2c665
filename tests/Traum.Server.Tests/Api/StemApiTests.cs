using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Traum.Core;
using Traum.Server.Services;
using Traum.TestKit;

namespace Traum.Server.Tests.Api;

public sealed class StemApiTests
{
    /// <summary>441 Hz at 44.1 kHz: exactly 100 samples per period, one of them at the crest (sin = 1) and one at the trough.</summary>
    private static float[] Sine441(double seconds) => Signals.Sine(441, seconds, 44100, amplitude: 0.5);

    private static async Task<StemDetail> IngestOneAsync(TestServerHost host, float[] samples, string name = "tone.wav", string? kind = null)
    {
        var path = host.WriteWav(name, samples);
        var fields = kind is null ? null : new Dictionary<string, string> { ["kind"] = kind };
        using var response = await host.UploadAsync("/api/uploads/stems", [("file", name, await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken))], fields);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = await TestServerHost.ReadAsync<JobInfo>(response);
        var done = await host.WaitForJobAsync(job.Id);
        Assert.True(done.State == JobState.Succeeded, done.Error);
        var ids = JsonDocument.Parse(done.Result!).RootElement.GetProperty("stemIds").EnumerateArray().Select(e => e.GetInt64()).ToList();
        return await host.GetJsonAsync<StemDetail>($"/api/stems/{Assert.Single(ids)}");
    }

    [Fact]
    public async Task Healthz_RunningServer_ReturnsOk()
    {
        await using var host = await TestServerHost.StartAsync();
        using var r = await host.Client.GetAsync("/healthz", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Contains("\"ok\"", await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_Document_ListsEveryApiArea()
    {
        await using var host = await TestServerHost.StartAsync();
        var doc = JsonDocument.Parse(await host.Client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken));
        var paths = doc.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var p in new[] { "/healthz", "/api/stems", "/api/stems/{id}", "/api/stems/{id}/audio", "/api/stems/{id}/peaks", "/api/stems/{id}/download",
                     "/api/stems/{id}/tags", "/api/uploads/track", "/api/uploads/stems", "/api/ingest", "/api/search", "/api/search/audio",
                     "/api/stems/{id}/similar", "/api/duplicates", "/api/train", "/api/generate", "/api/models", "/api/jobs", "/api/jobs/{id}",
                     "/api/jobs/{id}/cancel", "/api/jobs/{id}/retry", "/api/jobs/{id}/events", "/api/tracks", "/api/tracks/{id}" })
        {
            Assert.Contains(p, paths);
        }
        Assert.DoesNotContain(paths, p => p.StartsWith("/_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListStems_EmptyLibrary_ReturnsEmptyArray()
    {
        await using var host = await TestServerHost.StartAsync();
        var list = await host.GetJsonAsync<List<StemDetail>>("/api/stems");
        Assert.Empty(list);
    }

    [Theory]
    [InlineData("/api/stems/999")]
    [InlineData("/api/stems/999/audio")]
    [InlineData("/api/stems/999/peaks")]
    [InlineData("/api/stems/999/download")]
    [InlineData("/api/tracks/999")]
    [InlineData("/api/jobs/nope")]
    [InlineData("/api/jobs/..%2F..%2Fetc%2Fpasswd")]
    public async Task Get_UnknownId_Returns404Problem(string url)
    {
        await using var host = await TestServerHost.StartAsync();
        using var r = await host.Client.GetAsync(url, TestContext.Current.CancellationToken);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/api/stems?bpm=fast")]
    [InlineData("/api/stems?bpm=130-120")]
    [InlineData("/api/stems?origin=stolen")]
    [InlineData("/api/stems?sort=colour")]
    [InlineData("/api/stems?limit=0")]
    [InlineData("/api/stems?key=H%23minor")]
    public async Task ListStems_BadFilter_Returns400Problem(string url)
    {
        await using var host = await TestServerHost.StartAsync();
        using var r = await host.Client.GetAsync(url, TestContext.Current.CancellationToken);
        var p = await ProblemAssert.IsProblemAsync(r, HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrWhiteSpace(p.Detail));
    }

    [Fact]
    public async Task UploadStem_Wav_IsListedWithItsFormat()
    {
        await using var host = await TestServerHost.StartAsync();
        var stem = await IngestOneAsync(host, Sine441(1.0), "Bass Tone.wav", kind: "bass");
        Assert.Equal("Bass Tone", stem.Stem.Name);
        Assert.Equal("bass", stem.Stem.Kind);
        Assert.Equal(44100, stem.Stem.SampleRate);
        Assert.Equal(1.0, stem.Stem.Duration, 6);
        var byKind = await host.GetJsonAsync<List<StemDetail>>("/api/stems?kind=bass");
        Assert.Equal(stem.Stem.Id, Assert.Single(byKind).Stem.Id);
        Assert.Empty(await host.GetJsonAsync<List<StemDetail>>("/api/stems?kind=drums"));
    }

    [Fact]
    public async Task Audio_RangeRequest_Returns206WithExactlyThoseBytes()
    {
        await using var host = await TestServerHost.StartAsync();
        var stem = await IngestOneAsync(host, Sine441(0.5));
        var file = await File.ReadAllBytesAsync(Path.Combine(host.Library, stem.Stem.FilePath), TestContext.Current.CancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/stems/{stem.Stem.Id}/audio");
        request.Headers.Range = new RangeHeaderValue(1000, 1999);
        using var r = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.PartialContent, r.StatusCode);
        var body = await r.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.Equal(file.AsSpan(1000, 1000).ToArray(), body);
        Assert.Equal($"bytes 1000-1999/{file.Length}", r.Content.Headers.ContentRange?.ToString());
        Assert.Equal("audio/wav", r.Content.Headers.ContentType?.MediaType);

        using var whole = await host.Client.GetAsync($"/api/stems/{stem.Stem.Id}/audio", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(file, await whole.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal("bytes", whole.Headers.AcceptRanges.Single());
    }

    [Fact]
    public async Task IngestInPlace_ServesTheUsersFile_AndDeleteLeavesIt()
    {
        await using var host = await TestServerHost.StartAsync((dir, o) => o with { IngestRoots = [Path.Combine(dir, "scratch")] });
        var folder = Path.Combine(host.Scratch, "pack");
        Directory.CreateDirectory(folder);
        var path = host.WriteWav(Path.Combine("pack", "tone.wav"), Sine441(0.3));
        using var body = new StringContent($"{{\"path\": {JsonSerializer.Serialize(folder)}, \"inPlace\": true}}", System.Text.Encoding.UTF8, "application/json");
        using var response = await host.Client.PostAsync("/api/ingest", body, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var done = await host.WaitForJobAsync((await TestServerHost.ReadAsync<JobInfo>(response)).Id);
        Assert.True(done.State == JobState.Succeeded, done.Error);
        var id = JsonDocument.Parse(done.Result!).RootElement.GetProperty("stemIds").EnumerateArray().Single().GetInt64();
        var stem = await host.GetJsonAsync<StemDetail>($"/api/stems/{id}");
        Assert.Equal(Path.GetFullPath(path), stem.Stem.FilePath);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(host.Library, "stems"), "*", SearchOption.AllDirectories));

        using var audio = await host.Client.GetAsync($"/api/stems/{id}/audio", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, audio.StatusCode);
        Assert.Equal(await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken), await audio.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));

        using var deleted = await host.Client.DeleteAsync($"/api/stems/{id}", TestContext.Current.CancellationToken);
        Assert.True(deleted.IsSuccessStatusCode, deleted.StatusCode.ToString());
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task Audio_UnsatisfiableRange_Returns416()
    {
        await using var host = await TestServerHost.StartAsync();
        var stem = await IngestOneAsync(host, Sine441(0.2));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/stems/{stem.Stem.Id}/audio");
        request.Headers.Range = new RangeHeaderValue(10_000_000, null);
        using var r = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, r.StatusCode);
    }

    [Fact]
    public async Task Peaks_Sine_MinAndMaxAreItsAmplitudeInEveryBucket()
    {
        await using var host = await TestServerHost.StartAsync();
        // 1 s = 44 100 frames in 100 buckets of 441 frames: each holds 4.41 periods, so each holds a crest (+0.5) and a trough (−0.5).
        var stem = await IngestOneAsync(host, Sine441(1.0));
        var peaks = await host.GetJsonAsync<Peaks>($"/api/stems/{stem.Stem.Id}/peaks?buckets=100");
        Assert.Equal(100, peaks.Buckets);
        Assert.Equal(44100, peaks.Frames);
        Assert.All(peaks.Max, v => Assert.Equal(0.5f, v, 1e-6f));
        Assert.All(peaks.Min, v => Assert.Equal(-0.5f, v, 1e-6f));
    }

    [Fact]
    public async Task Peaks_Ramp_BucketEdgesFollowTheFormula()
    {
        await using var host = await TestServerHost.StartAsync();
        // A ramp x[n] = n / L: bucket b's min is x[⌊bL/N⌋] and its max x[⌊(b+1)L/N⌋ − 1].
        const int L = 1000, N = 7;
        var ramp = Enumerable.Range(0, L).Select(n => (float)n / L).ToArray();
        var stem = await IngestOneAsync(host, ramp, "ramp.wav");
        var peaks = await host.GetJsonAsync<Peaks>($"/api/stems/{stem.Stem.Id}/peaks?buckets={N}");
        for (var b = 0; b < N; b++)
        {
            Assert.Equal((float)(b * L / N) / L, peaks.Min[b], 1e-7f);
            Assert.Equal((float)((b + 1) * L / N - 1) / L, peaks.Max[b], 1e-7f);
        }
    }

    [Fact]
    public async Task Peaks_TooManyBuckets_Returns400()
    {
        await using var host = await TestServerHost.StartAsync();
        var stem = await IngestOneAsync(host, Sine441(0.2));
        using var r = await host.Client.GetAsync($"/api/stems/{stem.Stem.Id}/peaks?buckets=1000000", TestContext.Current.CancellationToken);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Download_Wav_IsTheStoredFileAsAnAttachment()
    {
        await using var host = await TestServerHost.StartAsync();
        var stem = await IngestOneAsync(host, Sine441(0.3), "kick 01.wav");
        using var r = await host.Client.GetAsync($"/api/stems/{stem.Stem.Id}/download?format=wav", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("attachment", r.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("kick 01.wav", r.Content.Headers.ContentDisposition?.FileNameStar ?? r.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var bytes = await r.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(host.Library, stem.Stem.FilePath), TestContext.Current.CancellationToken), bytes);
    }

    [Fact]
    public async Task Download_UnknownFormat_Returns400()
    {
        await using var host = await TestServerHost.StartAsync();
        var stem = await IngestOneAsync(host, Sine441(0.2));
        using var r = await host.Client.GetAsync($"/api/stems/{stem.Stem.Id}/download?format=exe", TestContext.Current.CancellationToken);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Tags_AddThenRemove_ChangesTheStemsTags()
    {
        await using var host = await TestServerHost.StartAsync();
        var stem = await IngestOneAsync(host, Sine441(0.2));
        using var add = await host.Client.PostAsync($"/api/stems/{stem.Stem.Id}/tags",
            new StringContent("{\"add\":[\"dusty\",\"warm\"]}", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, add.StatusCode);
        Assert.Equal(["dusty", "warm"], (await TestServerHost.ReadAsync<Stem>(add)).Tags.Order());
        using var remove = await host.Client.PostAsync($"/api/stems/{stem.Stem.Id}/tags",
            new StringContent("{\"remove\":[\"dusty\"]}", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(["warm"], (await TestServerHost.ReadAsync<Stem>(remove)).Tags);
        Assert.Equal(stem.Stem.Id, Assert.Single(await host.GetJsonAsync<List<StemDetail>>("/api/stems?tag=warm")).Stem.Id);
    }

    [Fact]
    public async Task Tags_EmptyOrBadBody_Returns400()
    {
        await using var host = await TestServerHost.StartAsync();
        var stem = await IngestOneAsync(host, Sine441(0.2));
        using var empty = await host.Client.PostAsync($"/api/stems/{stem.Stem.Id}/tags", new StringContent("{}", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        await ProblemAssert.IsProblemAsync(empty, HttpStatusCode.BadRequest);
        using var junk = await host.Client.PostAsync($"/api/stems/{stem.Stem.Id}/tags", new StringContent("{not json", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        await ProblemAssert.IsProblemAsync(junk, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Delete_Stem_IsGoneWithItsFile()
    {
        await using var host = await TestServerHost.StartAsync();
        var stem = await IngestOneAsync(host, Sine441(0.2));
        var file = Path.Combine(host.Library, stem.Stem.FilePath);
        Assert.True(File.Exists(file));
        using var r = await host.Client.DeleteAsync($"/api/stems/{stem.Stem.Id}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.False(File.Exists(file));
        using var again = await host.Client.DeleteAsync($"/api/stems/{stem.Stem.Id}", TestContext.Current.CancellationToken);
        await ProblemAssert.IsProblemAsync(again, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Categories_AfterIngest_CountsStemsPerKind()
    {
        await using var host = await TestServerHost.StartAsync();
        await IngestOneAsync(host, Sine441(0.2), "a.wav", kind: "bass");
        await IngestOneAsync(host, Signals.Sine(220, 0.2, 44100), "b.wav", kind: "bass");
        var cats = await host.GetJsonAsync<List<CategoryCount>>("/api/stems/categories");
        Assert.Equal(2, cats.Where(c => c.Kind == "bass").Sum(c => c.Count));
    }
}
