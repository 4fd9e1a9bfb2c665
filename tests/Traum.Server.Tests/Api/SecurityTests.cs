using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Traum.Core;
using Traum.Server.Hosting;
using Traum.TestKit;

namespace Traum.Server.Tests.Api;

public sealed class SecurityTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Loopback_NoKeyNeeded()
    {
        await using var host = await TestServerHost.StartAsync();
        using var r = await host.Client.GetAsync("/api/stems", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }

    [Fact]
    public async Task NonLoopback_WithoutKey_Returns401ButHealthzIsOpen()
    {
        // socket: the key is required because of the address the server listens on.
        await using var host = await TestServerHost.StartAsync((_, o) => o with { Urls = "http://0.0.0.0:0" }, socket: true);
        using var r = await host.Client.GetAsync("/api/stems", TestContext.Current.CancellationToken);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", r.Headers.WwwAuthenticate.Single().Scheme);
        using var h = await host.Client.GetAsync("/healthz", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, h.StatusCode);
        using var doc = await host.Client.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, doc.StatusCode);
    }

    [Fact]
    public async Task NonLoopback_WithKeyFromLibrary_IsAccepted_WrongKeyIsNot()
    {
        // socket: the key is required because of the address the server listens on.
        await using var host = await TestServerHost.StartAsync((_, o) => o with { Urls = "http://0.0.0.0:0" }, socket: true);
        var keyFile = Path.Combine(host.Library, ApiKey.FileName);
        var key = (await File.ReadAllTextAsync(keyFile, TestContext.Current.CancellationToken)).Trim();
        Assert.Equal(64, key.Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }
        using var ok = new HttpRequestMessage(HttpMethod.Get, "/api/stems");
        ok.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var r = await host.Client.SendAsync(ok, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using var bad = new HttpRequestMessage(HttpMethod.Get, "/api/stems");
        bad.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key[..^1] + (key[^1] == 'a' ? 'b' : 'a'));
        using var r2 = await host.Client.SendAsync(bad, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, r2.StatusCode);
    }

    [Fact]
    public async Task NonLoopback_UiPageWithoutKey_RedirectsToSignIn()
    {
        // socket: the key is required because of the address the server listens on.
        await using var host = await TestServerHost.StartAsync((_, o) => o with { Urls = "http://0.0.0.0:0" }, socket: true);
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        using var r = await client.GetAsync("/library", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
        Assert.StartsWith("/signin", r.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiKey_SecondStart_ReusesTheSameKey()
    {
        using var dir = new TempDir("key");
        var first = ApiKey.LoadOrCreate(dir.Path, required: true);
        var second = ApiKey.LoadOrCreate(dir.Path, required: true);
        Assert.Equal(first.Value, second.Value);
        Assert.True(second.Matches(first.Value));
        Assert.False(second.Matches(null));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5170", true)]
    [InlineData("http://localhost:5170", true)]
    [InlineData("http://[::1]:5170", true)]
    [InlineData("http://0.0.0.0:5170", false)]
    [InlineData("http://*:5170", false)]
    [InlineData("http://+:5170", false)]
    [InlineData("http://192.168.1.4:5170", false)]
    [InlineData("http://127.0.0.1:5170;http://0.0.0.0:80", false)]
    public void AllLoopback_Addresses_AreClassified(string urls, bool loopback) =>
        Assert.Equal(loopback, ApiKey.AllLoopback(urls.Split(';')));

    [Fact]
    public async Task IngestFolder_OutsideRoots_Returns400()
    {
        await using var host = await TestServerHost.StartAsync((dir, o) => o with { IngestRoots = [Path.Combine(dir, "scratch")] });
        foreach (var path in new[] { "/etc", host.Scratch + "/../library", host.Scratch + "/../../", "relative/folder", "" })
        {
            using var r = await host.Client.PostAsync("/api/ingest", Json($"{{\"path\": {System.Text.Json.JsonSerializer.Serialize(path)}}}"), TestContext.Current.CancellationToken);
            await ProblemAssert.IsProblemAsync(r, HttpStatusCode.BadRequest);
        }
    }

    [Fact]
    public async Task IngestFolder_SymlinkLeadingOutOfRoot_Returns400()
    {
        await using var host = await TestServerHost.StartAsync((dir, o) => o with { IngestRoots = [Path.Combine(dir, "scratch")] });
        var outside = Path.Combine(Path.GetDirectoryName(host.Scratch)!, "outside");
        Directory.CreateDirectory(outside);
        var link = Path.Combine(host.Scratch, "link");
        Directory.CreateSymbolicLink(link, outside);
        using var r = await host.Client.PostAsync("/api/ingest", Json($"{{\"path\": {System.Text.Json.JsonSerializer.Serialize(link)}}}"), TestContext.Current.CancellationToken);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task IngestFolder_NoRootsConfigured_Returns400()
    {
        await using var host = await TestServerHost.StartAsync();
        using var r = await host.Client.PostAsync("/api/ingest", Json($"{{\"path\": {System.Text.Json.JsonSerializer.Serialize(host.Scratch)}}}"), TestContext.Current.CancellationToken);
        var p = await ProblemAssert.IsProblemAsync(r, HttpStatusCode.BadRequest);
        Assert.Contains("ingestRoots", p.Detail ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task IngestFolder_UnderRoot_IngestsItsAudioButNotSymlinkedFiles()
    {
        await using var host = await TestServerHost.StartAsync((dir, o) => o with { IngestRoots = [Path.Combine(dir, "scratch")] });
        var folder = Path.Combine(host.Scratch, "kit");
        Directory.CreateDirectory(folder);
        host.WriteWav("kit/one.wav", Signals.Sine(440, 0.2, 44100));
        host.WriteWav("kit/two.wav", Signals.Sine(660, 0.2, 44100));
        var outside = Path.Combine(Path.GetDirectoryName(host.Scratch)!, "secret.wav");
        File.Copy(host.WriteWav("tmp.wav", Signals.Sine(880, 0.2, 44100)), outside);
        File.CreateSymbolicLink(Path.Combine(folder, "three.wav"), outside);
        using var r = await host.Client.PostAsync("/api/ingest", Json($"{{\"path\": {System.Text.Json.JsonSerializer.Serialize(folder)}}}"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var job = await host.WaitForJobAsync((await TestServerHost.ReadAsync<JobInfo>(r)).Id);
        Assert.Equal(JobState.Succeeded, job.State);
        var names = (await host.GetJsonAsync<List<Services.StemDetail>>("/api/stems?sort=name")).Select(s => s.Stem.Name).ToList();
        Assert.Equal(["one", "two"], names);
    }

    [Fact]
    public void PathGuard_DotDotAndPrefixTricks_AreRejected()
    {
        using var dir = new TempDir("guard");
        var root = Path.Combine(dir.Path, "root");
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(root + "-evil");
        var guard = new PathGuard([root]);
        Assert.Equal(PathGuard.Canonical(root), guard.Resolve(root));
        Assert.Throws<InvalidInputException>(() => guard.Resolve(root + "-evil"));
        Assert.Throws<InvalidInputException>(() => guard.Resolve(root + "/sub/../../x"));
        Assert.Throws<InvalidInputException>(() => guard.Resolve(root + "/a\0b"));
    }

    [Fact]
    public async Task Cors_OffByDefault_NoAllowOriginHeader()
    {
        await using var host = await TestServerHost.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stems");
        request.Headers.Add("Origin", "http://evil.example");
        using var r = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.False(r.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
