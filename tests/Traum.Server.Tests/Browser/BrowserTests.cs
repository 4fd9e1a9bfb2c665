using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Traum.Core;
using Traum.Engine.Search;
using Traum.Engine.Semantic;
using Traum.Models.Clap;
using Traum.TestKit;
using Traum.TestKit.Fixtures;

namespace Traum.Server.Tests.Browser;

/// <summary>The web UI in Debian's chromium against a real server on 127.0.0.1 with fixture models. Saves docs/screenshots/*.png.</summary>
public sealed class BrowserTests
{
    private const int Rate = 8000;

    /// <summary>Settings that make training tiny (8 kHz, 0.5 s excerpts, one 32-wide hidden layer).</summary>
    private static readonly Dictionary<string, string?> s_tinyTraining = new()
    {
        ["training:sampleRate"] = "8000",
        ["training:excerptSeconds"] = "0.5",
        ["training:nFft"] = "256",
        ["training:hop"] = "128",
        ["training:hidden:0"] = "32",
        ["training:latent"] = "4",
        ["training:minimumSeconds"] = "4",
        ["training:minimumExcerpts"] = "4",
        ["training:threads"] = "1",
    };

    /// <summary>The CLAP fixture as the search models (text and audio side, semantic profile).</summary>
    private static void UseClapFixture(IServiceCollection services, string root)
    {
        services.AddSingleton(_ =>
        {
            var folder = ClapFixture.CreateModelFolder(Path.Combine(root, "clap-model"));
            var clap = ClapEmbedder.Load(new ClapOptions { Path = folder }, Path.Combine(root, "models"));
            return new SearchModels(clap, clap, null, PromptSet.Load(Path.Combine(root, "library")), null, clap);
        });
    }

    private static async Task SeedAsync(TestServerHost host)
    {
        var bass = GenerativeSignals.BassCategory(8, 1.0, Rate);
        var hats = GenerativeSignals.HatCategory(4, 1.0, Rate);
        await UploadAllAsync(host, bass.Select((s, i) => ($"Bass {i + 1:00}.wav", s)).ToList(), "bass", "bass");
        await UploadAllAsync(host, hats.Select((s, i) => ($"Hat loop {i + 1:00}.wav", s)).ToList(), "drums", "hihat");
    }

    private static async Task UploadAllAsync(TestServerHost host, IReadOnlyList<(string Name, float[] Samples)> files, string kind, string category)
    {
        var parts = new List<(string, string, byte[])>();
        foreach (var (name, samples) in files)
        {
            var path = host.WriteWav(name, samples, Rate);
            parts.Add(("file", name, await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken)));
        }
        using var r = await host.UploadAsync("/api/uploads/stems", parts, new Dictionary<string, string> { ["kind"] = kind, ["category"] = category });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var job = await host.WaitForJobAsync((await TestServerHost.ReadAsync<JobInfo>(r)).Id);
        Assert.True(job.State == JobState.Succeeded, job.Error);
    }

    [Fact]
    public async Task Search_DropASound_ShowsStemsLikeItFirstTheSameAudio()
    {
        string? root = null;
        // socket: chromium opens the server at a URL.
        await using var host = await TestServerHost.StartAsync((r, o) => { root = r; return o; }, s => UseClapFixture(s, root!), socket: true);
        await SeedAsync(host);
        // The example is a byte-for-byte copy of one hat loop under another name: its embedding is that stem's, so it comes first at 1.00.
        var hats = GenerativeSignals.HatCategory(4, 1.0, Rate);
        var example = host.WriteWav("my example.wav", hats[2], Rate);
        var stems = await host.GetJsonAsync<List<Traum.Server.Services.StemDetail>>("/api/stems?limit=100");
        await using var browser = await BrowserSession.StartAsync(host.BaseAddress);
        var page = browser.Page;
        await browser.GotoAsync("/");

        await page.SetInputFilesAsync("#example", example);

        await page.Locator(".like-file", new() { HasText = "my example.wav" }).WaitForAsync();
        await page.Locator(".card").First.WaitForAsync();
        Assert.Equal(12, await page.Locator(".card").CountAsync());
        Assert.Equal("Hat loop 03", (await page.Locator(".card h3").First.InnerTextAsync()).Trim());
        Assert.Contains("1.00", await page.Locator(".card .score").First.InnerTextAsync(), StringComparison.Ordinal);
        await browser.ScreenshotAsync("search-by-audio");

        // The results export as one pack, in their order.
        var export = await page.EvaluateAsync<string[]>(
            "async () => { const r = await fetch(document.getElementById('export-results').href); return [String(r.status), r.headers.get('content-type')]; }");
        Assert.Equal(["200", "application/zip"], export);
        Assert.Equal(12, (await page.Locator("#export-results").GetAttributeAsync("href"))!.Split('=')[1].Split('&')[0].Split(',').Length);

        // The filters apply to it as to text search; filters that match nothing say so and offer to clear them.
        await page.GetByRole(AriaRole.Group, new() { Name = "Kind" }).GetByRole(AriaRole.Button, new() { Name = "bass" }).ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.card').length === 8");
        Assert.All(await page.Locator(".card .kind").AllInnerTextsAsync(), k => Assert.Equal("BASS", k.ToUpperInvariant()));
        await page.Locator("#bpm").FillAsync("300");
        await page.Locator("#bpm").PressAsync("Tab");
        await page.GetByText("The filters match no stem in the library.").WaitForAsync();
        await page.Locator(".empty").GetByRole(AriaRole.Button, new() { Name = "Clear filters" }).ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.card').length === 12");
        Assert.Equal(12, stems.Count);

        // Back to text search clears the example.
        await page.GetByRole(AriaRole.Button, new() { Name = "Back to text search" }).ClickAsync();
        await page.Locator(".like-file").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        Assert.Empty(browser.Errors);
    }

    [Fact]
    public async Task Search_TypeAQuery_ShowsCardsAndPlaysAResult()
    {
        string? root = null;
        // socket: chromium opens the server at a URL.
        await using var host = await TestServerHost.StartAsync((r, o) => { root = r; return o; }, s => UseClapFixture(s, root!), socket: true);
        await SeedAsync(host);
        await using var browser = await BrowserSession.StartAsync(host.BaseAddress);
        var page = browser.Page;
        await browser.GotoAsync("/");
        await page.GetByLabel("Describe the sound you want").FillAsync("deep warm bass");
        await page.Keyboard.PressAsync("Enter");
        await page.Locator(".card").First.WaitForAsync();
        Assert.Equal(12, await page.Locator(".card").CountAsync());
        Assert.True(await page.Locator(".card .score").CountAsync() == 12);
        await page.Locator(".card .profile").First.WaitForAsync();
        await browser.ScreenshotAsync("search");

        // Play the first result: the browser fetches its audio and the button turns into a stop button.
        var audioResponse = page.WaitForResponseAsync(resp => resp.Url.Contains("/audio", StringComparison.Ordinal));
        var play = page.Locator(".card").First.Locator("button[data-play]");
        await play.ClickAsync();
        var response = await audioResponse;
        Assert.Contains(response.Status, new[] { 200, 206 });
        await page.Locator(".card").First.Locator("button[data-play][aria-pressed=true]").WaitForAsync();
        await page.WaitForFunctionAsync("() => traum.isPlaying()");
        await browser.ScreenshotAsync("search-playing");

        // A filter chip narrows the results to one kind.
        await page.GetByRole(AriaRole.Group, new() { Name = "Kind" }).GetByRole(AriaRole.Button, new() { Name = "drums" }).ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.card').length === 4");
        Assert.All(await page.Locator(".card .kind").AllInnerTextsAsync(), k => Assert.Equal("DRUMS", k.ToUpperInvariant()));

        // "More like this" searches by the stem.
        await page.Locator(".card").First.GetByRole(AriaRole.Button, new() { Name = "More like this" }).ClickAsync();
        await page.GetByText("Stems that sound like").WaitForAsync();
        Assert.Empty(browser.Errors);
    }

    [Fact]
    public async Task Separate_DropATrack_ShowsProgressThenPlayableStems()
    {
        // socket: chromium opens the server at a URL.
        await using var host = await TestServerHost.StartAsync(settings: new Dictionary<string, string?> { ["separation:modelPath"] = Repo.Fixture("demucs", "fractions4") }, socket: true);
        var track = host.WriteWav("Night Drive.wav", Signals.Chord([45, 52, 57, 61], 3.0, 44100, 0.6), 44100);
        await using var browser = await BrowserSession.StartAsync(host.BaseAddress);
        var page = browser.Page;
        await browser.GotoAsync("/separate");
        await page.WaitForFunctionAsync("() => document.querySelector('.drop')._drop === true");
        await browser.ScreenshotAsync("separate-empty");
        await page.SetInputFilesAsync("#file", track);
        await page.GetByText("Night Drive.wav").WaitForAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Separate", Exact = true }).ClickAsync();
        await page.Locator(".lane").Nth(3).WaitForAsync();
        Assert.Equal(4, await page.Locator(".lane").CountAsync());
        await page.Locator(".job .state-succeeded").WaitForAsync();
        await browser.ScreenshotAsync("separate");

        await page.Locator(".lane").Nth(1).Locator("button[data-play]").ClickAsync();
        await page.Locator(".lane button[data-play][aria-pressed=true]").WaitForAsync();

        // The track page shows the same stems aligned; the library lists them.
        var trackId = (await host.GetJsonAsync<List<Track>>("/api/tracks")).Single().Id;
        await browser.GotoAsync($"/tracks/{trackId}");
        await page.Locator(".lane").Nth(3).WaitForAsync();
        await browser.ScreenshotAsync("track");
        await browser.GotoAsync("/library?view=cards");
        await page.Locator(".card").Nth(3).WaitForAsync();
        await browser.ScreenshotAsync("library-cards");
        await browser.GotoAsync("/jobs");
        await page.Locator(".job").First.WaitForAsync();
        await browser.ScreenshotAsync("jobs");
        Assert.Empty(browser.Errors);
    }

    [Fact]
    public async Task Train_ThenGenerate_ShowsTheCurveAndNewStems()
    {
        // socket: chromium opens the server at a URL.
        await using var host = await TestServerHost.StartAsync(settings: s_tinyTraining, socket: true);
        await UploadAllAsync(host, GenerativeSignals.BassCategory(12, 1.0, Rate).Select((s, i) => ($"Sub {i + 1:00}.wav", s)).ToList(), "bass", "bass");
        await using var browser = await BrowserSession.StartAsync(host.BaseAddress);
        var page = browser.Page;
        await browser.GotoAsync("/train");
        await page.GetByLabel("Category", new() { Exact = true }).SelectOptionAsync("bass");
        await page.GetByLabel("Epochs", new() { Exact = true }).FillAsync("20");
        await page.GetByRole(AriaRole.Button, new() { Name = "Train", Exact = true }).ClickAsync();
        await page.Locator("section[aria-labelledby=train-h] .job").WaitForAsync();
        await page.Locator("section[aria-labelledby=train-h] .state-succeeded").WaitForAsync(new() { Timeout = 180_000 });
        await page.Locator("svg.chart polyline.validation").WaitForAsync();
        await page.Locator("table.versions td", new() { HasText = "(default)" }).First.WaitForAsync();
        await page.Locator("#model option").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });

        await page.GetByLabel("Count", new() { Exact = true }).FillAsync("3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate", Exact = true }).ClickAsync();
        await page.Locator(".results .card").Nth(2).WaitForAsync(new() { Timeout = 180_000 });
        Assert.Equal(3, await page.Locator(".results .card").CountAsync());
        await browser.ScreenshotAsync("train");

        // Keep one, delete another.
        await page.Locator(".results .card").First.GetByRole(AriaRole.Button, new() { Name = "Keep" }).ClickAsync();
        await page.Locator(".results .card").First.Locator(".tags .tag", new() { HasText = "kept" }).WaitForAsync();
        await page.Locator(".results .card").Nth(1).GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.results .card').length === 2");
        var generated = await host.GetJsonAsync<List<Services.StemDetail>>("/api/stems?origin=generated");
        Assert.Equal(2, generated.Count);
        Assert.Single(generated, g => g.Stem.Tags.Contains("kept"));
        Assert.Empty(browser.Errors);
    }
}
