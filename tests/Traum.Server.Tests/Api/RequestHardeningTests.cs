using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Traum.Core;
using Traum.TestKit;

namespace Traum.Server.Tests.Api;

/// <summary>The faults a probe found: key bypass through Kestrel's own configuration, cross-site requests, malformed bodies.</summary>
public sealed class RequestHardeningTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/api/stems?limit=abc", "'abc' is not a valid limit; give a whole number.")]
    [InlineData("/api/stems/1/audio?tempo=fast", "'fast' is not a valid tempo; give a number (with a dot for decimals).")]
    [InlineData("/api/stems?halfDouble=maybe", "'maybe' is not a valid halfDouble; give true or false.")]
    public async Task UnparsableQueryValue_Is400ThatNamesTheParameterAndItsForm(string url, string detail)
    {
        await using var host = await TestServerHost.StartAsync();
        using var r = await host.Client.GetAsync(url, Ct);
        var p = await ProblemAssert.IsProblemAsync(r, HttpStatusCode.BadRequest);
        Assert.Equal(detail, p.Detail);
    }

    [Fact]
    public async Task BodyOfTheWrongShape_Is400ThatPointsToTheSchema_WithoutTypeNames()
    {
        await using var host = await TestServerHost.StartAsync();
        using var body = new StringContent("{\"path\": 42, \"recursive\": \"yes\"}", Encoding.UTF8, "application/json");
        using var r = await host.Client.PostAsync("/api/ingest", body, Ct);
        var p = await ProblemAssert.IsProblemAsync(r, HttpStatusCode.BadRequest);
        Assert.Contains("/openapi/v1.json", p.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("IngestRequest", p.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KestrelEndpointOverride_OnEveryInterface_KeyIsRequired()
    {
        // server:urls says loopback, but Kestrel's own configuration makes it listen on every interface.
        // socket: Kestrel's own endpoint configuration decides where the server listens.
        await using var host = await TestServerHost.StartAsync(hostArgs: ["--Kestrel:Endpoints:Http:Url=http://0.0.0.0:0"], socket: true);
        Assert.True(TraumServer.RequiresApiKey(host.App));
        using var r = await host.Client.DeleteAsync("/api/stems/1", Ct);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.Unauthorized);
        using var list = await host.Client.GetAsync("/api/stems", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
    }

    [Fact]
    public async Task Loopback_ForeignHostHeader_Refused()
    {
        await using var host = await TestServerHost.StartAsync();
        Assert.False(TraumServer.RequiresApiKey(host.App));
        using var ok = await host.Client.GetAsync("/api/stems", Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using var rebinding = new HttpRequestMessage(HttpMethod.Get, "/api/stems");
        rebinding.Headers.Host = "evil.example";
        using var r = await host.Client.SendAsync(rebinding, Ct);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.MisdirectedRequest);
        using var local = new HttpRequestMessage(HttpMethod.Get, "/api/stems");
        local.Headers.Host = $"localhost:{host.BaseAddress.Port}";
        using var l = await host.Client.SendAsync(local, Ct);
        Assert.Equal(HttpStatusCode.OK, l.StatusCode);
    }

    [Fact]
    public async Task Loopback_AllowedHostsSetting_AnswersThatName()
    {
        await using var host = await TestServerHost.StartAsync((_, o) => o with { AllowedHosts = ["traum.lan"] });
        using var m = new HttpRequestMessage(HttpMethod.Get, "/api/stems");
        m.Headers.Host = "traum.lan";
        using var r = await host.Client.SendAsync(m, Ct);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }

    [Fact]
    public async Task Upload_FromAnotherOrigin_RefusedAndNothingStored()
    {
        await using var host = await TestServerHost.StartAsync();
        var wav = File.ReadAllBytes(host.WriteWav("a.wav", Signals.Sine(440, 0.5, 44100)));
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(wav), "file", "a.wav");
        using var m = new HttpRequestMessage(HttpMethod.Post, "/api/uploads/stems") { Content = form };
        m.Headers.Add("Origin", "http://evil.example");
        using var r = await host.Client.SendAsync(m, Ct);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.Forbidden);
        var uploads = Path.Combine(host.Library, "uploads");
        Assert.True(!Directory.Exists(uploads) || !Directory.EnumerateFileSystemEntries(uploads).Any());
    }

    [Fact]
    public async Task Upload_FromTheServersOwnOrigin_Accepted()
    {
        await using var host = await TestServerHost.StartAsync();
        var wav = File.ReadAllBytes(host.WriteWav("a.wav", Signals.Sine(440, 0.5, 44100)));
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(wav), "file", "a.wav");
        using var m = new HttpRequestMessage(HttpMethod.Post, "/api/uploads/stems") { Content = form };
        m.Headers.Add("Origin", host.BaseAddress.GetLeftPart(UriPartial.Authority));
        using var r = await host.Client.SendAsync(m, Ct);
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
    }

    [Fact]
    public async Task Delete_CrossSiteFetchWithoutOrigin_Refused()
    {
        await using var host = await TestServerHost.StartAsync();
        using var m = new HttpRequestMessage(HttpMethod.Delete, "/api/stems/1");
        m.Headers.Add("Sec-Fetch-Site", "cross-site");
        using var r = await host.Client.SendAsync(m, Ct);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.Forbidden);
    }

    public static TheoryData<string, string> MalformedMultipart => new()
    {
        { "empty body", "" },
        { "boundary only", "--b\r\n" },
        { "truncated part", "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF" },
        { "headers never end", "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"" },
    };

    [Theory]
    [MemberData(nameof(MalformedMultipart))]
    public async Task Upload_MalformedMultipart_Is4xxProblemAndLeavesNothing(string name, string body)
    {
        await using var host = await TestServerHost.StartAsync();
        using var content = new ByteArrayContent(Encoding.ASCII.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");
        using var r = await host.Client.PostAsync("/api/uploads/stems", content, Ct);
        Assert.True((int)r.StatusCode is >= 400 and < 500, $"{name}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync(Ct)}");
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var uploads = Path.Combine(host.Library, "uploads");
        Assert.True(!Directory.Exists(uploads) || !Directory.EnumerateFiles(uploads, "*", SearchOption.AllDirectories).Any(), name);
    }

    [Theory]
    [InlineData("/api/ingest", "application/json; charset=bogus", "{\"path\":\"/x\"}")]
    [InlineData("/api/uploads/stems", "multipart/form-data; boundary=b; charset=bogus", "--b--\r\n")]
    public async Task Post_BogusCharset_Is4xxProblem(string url, string type, string body)
    {
        await using var host = await TestServerHost.StartAsync();
        using var content = new ByteArrayContent(Encoding.ASCII.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        using var r = await host.Client.PostAsync(url, content, Ct);
        Assert.True((int)r.StatusCode is >= 400 and < 500, $"{(int)r.StatusCode} {await r.Content.ReadAsStringAsync(Ct)}");
    }

    [Fact]
    public async Task Ingest_SymlinkLoopUnderRoot_Is400()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "symbolic link loops need a Unix file system");
        await using var host = await TestServerHost.StartAsync((dir, o) => o with { IngestRoots = [Path.Combine(dir, "scratch")] });
        var a = Path.Combine(host.Scratch, "a");
        var b = Path.Combine(host.Scratch, "b");
        File.CreateSymbolicLink(a, b);
        File.CreateSymbolicLink(b, a);
        using var content = new StringContent($"{{\"path\":\"{a}\"}}", Encoding.UTF8, "application/json");
        using var r = await host.Client.PostAsync("/api/ingest", content, Ct);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.BadRequest);
    }
}

public sealed class JobFollowUpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task IngestJob_Succeeded_AReindexJobFollowsAndSucceeds()
    {
        await using var host = await TestServerHost.StartAsync();
        var wav = File.ReadAllBytes(host.WriteWav("a.wav", Signals.Sine(440, 0.5, 44100)));
        using var r = await host.UploadAsync("/api/uploads/stems", [("file", "a.wav", wav)]);
        var job = await TestServerHost.ReadAsync<JobInfo>(r);
        Assert.Equal(JobState.Succeeded, (await host.WaitForJobAsync(job.Id)).State);
        JobInfo? reindex = null;
        for (var i = 0; i < 300 && reindex?.State != JobState.Succeeded; i++)
        {
            reindex = (await host.GetJsonAsync<List<JobInfo>>("/api/jobs")).FirstOrDefault(j => j.Kind == "reindex");
            await Task.Delay(100, Ct);
        }
        Assert.NotNull(reindex);
        Assert.Equal(JobState.Succeeded, reindex.State);
    }

    [Fact]
    public async Task TrackUpload_RefusedParameter_LeavesNoFolderBehind()
    {
        await using var host = await TestServerHost.StartAsync();
        var wav = File.ReadAllBytes(host.WriteWav("song.wav", Signals.Sine(220, 1, 44100)));
        using var r = await host.UploadAsync("/api/uploads/track", [("file", "song.wav", wav)], new Dictionary<string, string> { ["shifts"] = "99" });
        Assert.True((int)r.StatusCode is 400 or 503, $"{(int)r.StatusCode}");
        var uploads = Path.Combine(host.Library, "uploads");
        Assert.True(!Directory.Exists(uploads) || !Directory.EnumerateFileSystemEntries(uploads).Any());
    }
}
