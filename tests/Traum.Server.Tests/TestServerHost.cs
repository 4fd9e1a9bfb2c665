using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Core;
using Traum.Engine;
using Traum.TestKit;

namespace Traum.Server.Tests;

/// <summary>
/// The server over a temporary library, and a client for it: by default in memory (ASP.NET Core's test server, the
/// client calls the app without a socket); with <c>socket: true</c> a real Kestrel server on 127.0.0.1 with a random port.
/// </summary>
internal sealed class TestServerHost : IAsyncDisposable
{
    private readonly TempDir? _dir;
    private readonly string _root;

    private TestServerHost(TempDir? dir, string root, WebApplication app, HttpClient client, TraumContext context, ServerOptions options)
    {
        _dir = dir;
        _root = root;
        App = app;
        Client = client;
        Context = context;
        Options = options;
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public TraumContext Context { get; }

    public ServerOptions Options { get; }

    /// <summary>A scratch folder beside the library (not inside it).</summary>
    public string Scratch => Path.Combine(_root, "scratch");

    public string Library => Context.LibraryPath;

    public Uri BaseAddress => Client.BaseAddress!;

    /// <summary>Builds and starts the server.</summary>
    /// <param name="options">Changes to the server's options (the library root and the defaults go in).</param>
    /// <param name="services">Last word on the services.</param>
    /// <param name="root">A folder to keep the library in (default: a new temporary one, removed on dispose).</param>
    /// <param name="settings">Configuration flags.</param>
    /// <param name="hostArgs">Command-line arguments of the host.</param>
    /// <param name="socket">
    /// Run on Kestrel at a real address instead of in memory. Only tests that need what a socket adds ask for it:
    /// a browser (chromium opens a URL), the addresses the server listens on (the API key follows the bound addresses;
    /// Kestrel's own endpoint configuration), and Kestrel's limits (its request body size limit).
    /// </param>
    public static async Task<TestServerHost> StartAsync(Func<string, ServerOptions, ServerOptions>? options = null,
        Action<IServiceCollection>? services = null, string? root = null, IReadOnlyDictionary<string, string?>? settings = null,
        string[]? hostArgs = null, bool socket = false)
    {
        var dir = root is null ? new TempDir("server") : null;
        root ??= dir!.Path;
        var library = Path.Combine(root, "library");
        Directory.CreateDirectory(Path.Combine(root, "scratch"));
        // Models come from an empty folder of the test's own unless a test points elsewhere: never the user's cache.
        var flags = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["models:root"] = Path.Combine(root, "models") };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) flags[k] = v;
        var context = TraumContext.ForLibrary(library, flags);
        var o = new ServerOptions { Urls = "http://127.0.0.1:0" };
        if (options is not null) o = options(root, o);
        if (socket)
        {
            var app = TraumServer.Build(hostArgs ?? [], context, o, services);
            await app.StartAsync(TestContext.Current.CancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            address = address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
            var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
            return new TestServerHost(dir, root, app, client, context, o);
        }
        else
        {
            if (!Hosting.ApiKey.AllLoopback(o.UrlList) || (hostArgs ?? []).Any(a => a.Contains("Kestrel", StringComparison.OrdinalIgnoreCase)))
            {
                throw new ArgumentException("A test of the addresses the server listens on needs the socket: pass socket: true.", nameof(socket));
            }
            var app = TraumServer.Build(hostArgs ?? [], context, o, services, web => web.UseTestServer());
            var server = (TestServer)app.Services.GetRequiredService<IServer>();
            // The test server listens nowhere; given an empty address list, the host fills in the configured URLs as it
            // does for Kestrel, so the API key follows server:urls (loopback by default) as on a socket.
            server.Features.Set<IServerAddressesFeature>(new ConfiguredAddresses());
            await app.StartAsync(TestContext.Current.CancellationToken);
            Assert.NotEmpty(server.Features.Get<IServerAddressesFeature>()!.Addresses);
            var client = server.CreateClient();
            client.Timeout = TimeSpan.FromSeconds(60);
            return new TestServerHost(dir, root, app, client, context, o);
        }
    }

    /// <summary>The addresses the host would have Kestrel listen on (<see cref="ServerOptions.Urls"/>), for the test server.</summary>
    private sealed class ConfiguredAddresses : IServerAddressesFeature
    {
        public ICollection<string> Addresses { get; } = new List<string>();

        public bool PreferHostingUrls { get; set; }
    }

    /// <summary>Writes a 32-bit float WAV of <paramref name="samples"/> (mono) into the scratch folder.</summary>
    public string WriteWav(string name, float[] samples, int sampleRate = 44100)
    {
        var path = Path.Combine(Scratch, name);
        AudioFile.Write(path, AudioBuffer.Mono(samples, sampleRate), new AudioWriteOptions(SampleFormat.Float32));
        return path;
    }

    /// <summary>Uploads files as multipart to <paramref name="url"/>.</summary>
    public async Task<HttpResponseMessage> UploadAsync(string url, IEnumerable<(string Field, string FileName, byte[] Bytes)> files,
        IReadOnlyDictionary<string, string>? fields = null)
    {
        using var form = new MultipartFormDataContent();
        foreach (var (field, fileName, bytes) in files)
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(content, field, fileName);
        }
        foreach (var (k, v) in fields ?? new Dictionary<string, string>()) form.Add(new StringContent(v), k);
        return await Client.PostAsync(url, form, TestContext.Current.CancellationToken);
    }

    /// <summary>Polls a job until it finishes (or 60 s pass).</summary>
    public async Task<JobInfo> WaitForJobAsync(string id)
    {
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 600; i++)
        {
            var job = await GetJsonAsync<JobInfo>($"/api/jobs/{id}");
            if (job.State is JobState.Succeeded or JobState.Failed or JobState.Cancelled or JobState.Interrupted) return job;
            await Task.Delay(100, ct);
        }
        throw new TimeoutException($"job {id} did not finish");
    }

    public async Task<T> GetJsonAsync<T>(string url)
    {
        using var response = await Client.GetAsync(url, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {url} → {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, ServerJson.Options)!;
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response) =>
        JsonSerializer.Deserialize<T>(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), ServerJson.Options)!;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            await App.StopAsync(CancellationToken.None);
        }
        finally
        {
            await App.DisposeAsync();
            _dir?.Dispose();
        }
    }
}

/// <summary>Paths in the repository (fixture models).</summary>
internal static class Repo
{
    public static string Root { get; } = Find();

    public static string Fixture(params string[] parts) => Path.Combine([Root, "tests", "fixtures", .. parts]);

    private static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Traum.slnx"))) return d.FullName;
        }
        throw new InvalidOperationException("repository root not found");
    }
}

/// <summary>The shape of a problem-details body.</summary>
internal sealed record Problem(string? Type, string? Title, int? Status, string? Detail);
