using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Traum.Core;
using Traum.Server.Services;
using Traum.TestKit;

namespace Traum.Server.Tests.Browser;

/// <summary>The library page for daily work, metadata editing and unknown pages, in Debian's chromium. Saves docs/screenshots/*.png.</summary>
public sealed class LibraryBrowserTests
{
    private const int Rate = 8000;

    private static async Task UploadAsync(TestServerHost host, IReadOnlyList<(string Name, double Seconds)> files, string kind, string category)
    {
        var parts = new List<(string, string, byte[])>();
        for (var i = 0; i < files.Count; i++)
        {
            var (name, seconds) = files[i];
            var path = host.WriteWav(name + ".wav", Signals.Sine(110 + (7 * i), seconds, Rate, amplitude: 0.3 + (0.01 * i)), Rate);
            parts.Add(("file", name + ".wav", await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken)));
        }
        using var r = await host.UploadAsync("/api/uploads/stems", parts, new Dictionary<string, string> { ["kind"] = kind, ["category"] = category });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var job = await host.WaitForJobAsync((await TestServerHost.ReadAsync<JobInfo>(r)).Id);
        Assert.True(job.State == JobState.Succeeded, job.Error);
    }

    /// <summary>Drum loops (3 s) whose names state distinct tempos, and short bass notes (0.5 s, too short for a tempo estimate).</summary>
    private static async Task<Dictionary<string, double>> SeedLoopsAsync(TestServerHost host)
    {
        var tempos = Enumerable.Range(0, 24).ToDictionary(i => $"Loop {i:00} {90 + (i * 7 % 50)} BPM", i => (double)(90 + (i * 7 % 50)));
        await UploadAsync(host, tempos.Keys.Select(n => (n, 3.0)).ToList(), "drums", "loop");
        await UploadAsync(host, Enumerable.Range(1, 12).Select(i => ($"Bass {i:00}", 0.5)).ToList(), "bass", "bass");
        return tempos;
    }

    private static Task<string[]> ColumnAsync(IPage page, int column) =>
        page.Locator($"table.stem-list tbody tr td:nth-child({column})").AllInnerTextsAsync().ContinueWith(t => t.Result.Select(s => s.Trim()).ToArray(), TaskScheduler.Default);

    private static Task<string[]> NamesAsync(IPage page) =>
        page.Locator("table.stem-list tbody tr td.name a").AllInnerTextsAsync().ContinueWith(t => t.Result.Select(s => s.Trim()).ToArray(), TaskScheduler.Default);

    [Fact]
    public async Task Library_ListView_DenseSortableKeyboardAndDraggable()
    {
        // socket: chromium opens the server at a URL.
        await using var host = await TestServerHost.StartAsync(socket: true);
        var tempos = await SeedLoopsAsync(host);
        var stems = await host.GetJsonAsync<List<StemDetail>>("/api/stems?limit=1000");
        await using var browser = await BrowserSession.StartAsync(host.BaseAddress);
        var page = browser.Page;
        await browser.GotoAsync("/library");
        await page.Locator("table.stem-list tbody tr").Nth(35).WaitForAsync();
        Assert.Equal(36, await page.Locator("table.stem-list tbody tr").CountAsync());
        Assert.Equal("36 stems", (await page.Locator(".page-head .count").InnerTextAsync()).Trim());

        // Dense: at least 30 rows fit on a 1366×860 screen.
        await browser.ScreenshotAsync("library");
        var visible = await page.EvaluateAsync<int>("() => Array.from(document.querySelectorAll('table.stem-list tbody tr')).filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length");
        Assert.True(visible >= 30, $"only {visible} rows are visible without scrolling");

        // Sort by name (case-insensitive, as the catalog does).
        await page.GetByRole(AriaRole.Button, new() { Name = "Name", Exact = true }).ClickAsync();
        await page.Locator("th[aria-sort=ascending]", new() { HasText = "Name" }).WaitForAsync();
        Assert.Equal(stems.Select(s => s.Stem.Name).Order(StringComparer.OrdinalIgnoreCase).ToArray(), await NamesAsync(page));

        // Sort by tempo: the stated tempos ascending, stems without one last; again: descending.
        await page.GetByRole(AriaRole.Button, new() { Name = "BPM", Exact = true }).ClickAsync();
        await page.Locator("th[aria-sort=ascending]", new() { HasText = "BPM" }).WaitForAsync();
        var expected = tempos.Values.Order().Select(t => t.ToString("0.#", CultureInfo.InvariantCulture)).Concat(Enumerable.Repeat("–", 12)).ToArray();
        await page.WaitForFunctionAsync("() => document.querySelector('table.stem-list tbody tr td:nth-child(6)').innerText.trim() === '90'");
        Assert.Equal(expected, await ColumnAsync(page, 6));
        await page.GetByRole(AriaRole.Button, new() { Name = "BPM ▲" }).ClickAsync();
        await page.Locator("th[aria-sort=descending]", new() { HasText = "BPM" }).WaitForAsync();
        Assert.Equal(tempos.Values.Max().ToString("0.#", CultureInfo.InvariantCulture), (await ColumnAsync(page, 6))[0]);

        // Keyboard (on the two fastest loops): ↓ moves to the next row and plays it; Space stops and plays again; Enter opens the stem.
        var rows = page.Locator("table.stem-list tbody tr");
        await rows.Nth(0).Locator("td:nth-child(4)").ClickAsync();
        await page.Locator("table.stem-list tbody tr[aria-selected=true]").First.WaitForAsync();
        var secondId = long.Parse(await rows.Nth(1).GetAttributeAsync("data-stem") ?? "", CultureInfo.InvariantCulture);
        await page.Keyboard.PressAsync("ArrowDown");
        await page.WaitForFunctionAsync("id => { const p = traum.position(); return p && p.id === id && p.playing; }", secondId);
        Assert.Equal("true", await rows.Nth(1).GetAttributeAsync("aria-selected"));
        Assert.Equal(secondId.ToString(CultureInfo.InvariantCulture), await page.EvaluateAsync<string>("() => document.activeElement.dataset.stem"));
        await page.Keyboard.PressAsync(" ");
        await page.WaitForFunctionAsync("() => !traum.isPlaying()");
        await page.Keyboard.PressAsync(" ");
        await page.WaitForFunctionAsync("id => { const p = traum.position(); return p && p.id === id; }", secondId);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync($"**/stems/{secondId}");
        await page.Locator("h1", new() { HasText = stems.Single(s => s.Stem.Id == secondId).Stem.Name }).WaitForAsync();

        // Dragging a row out offers the stem as a WAV file with its own name (Chromium's DownloadURL).
        await browser.GotoAsync("/library");
        await rows.Nth(35).WaitForAsync();
        var row = rows.Nth(3);
        var id = long.Parse(await row.GetAttributeAsync("data-stem") ?? "", CultureInfo.InvariantCulture);
        var downloadUrl = await row.EvaluateAsync<string>("tr => { const dt = new DataTransfer(); tr.dispatchEvent(new DragEvent('dragstart', { dataTransfer: dt, bubbles: true })); return dt.getData('DownloadURL'); }");
        var name = stems.Single(s => s.Stem.Id == id).Stem.Name;
        var url = new Uri(host.BaseAddress, $"/api/stems/{id}/download?format=wav").ToString();
        Assert.Equal($"audio/wav:{name}.wav:{url}", downloadUrl);
        var bytes = await host.Client.GetByteArrayAsync(url, TestContext.Current.CancellationToken);
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));
        Assert.Empty(browser.Errors);
    }

    [Fact]
    public async Task Library_Filters_EqualStemsListAndSayWhenNothingMatches()
    {
        // socket: chromium opens the server at a URL.
        await using var host = await TestServerHost.StartAsync(socket: true);
        await SeedLoopsAsync(host);
        await using var browser = await BrowserSession.StartAsync(host.BaseAddress);
        var page = browser.Page;
        await browser.GotoAsync("/library");
        await page.Locator("table.stem-list tbody tr").Nth(35).WaitForAsync();

        // Tempo 124 with half/double: the rows are what the API (and so `traum stems list`) returns for the same words.
        await page.GetByLabel("Tempo", new() { Exact = true }).FillAsync("124");
        await page.GetByLabel("Tempo", new() { Exact = true }).PressAsync("Tab");
        await page.GetByLabel("½× / 2×").CheckAsync();
        var api = (await host.GetJsonAsync<List<StemDetail>>("/api/stems?bpm=124&halfDouble=true")).Select(s => s.Stem.Name).ToArray();
        Assert.NotEmpty(api);
        await page.WaitForFunctionAsync("n => document.querySelectorAll('table.stem-list tbody tr').length === n", api.Length);
        Assert.Equal(api, await NamesAsync(page));
        Assert.Equal("traum stems list --bpm 124 --half-double --sort created --desc", (await page.Locator(".filters .cli code").InnerTextAsync()).Trim());
        await browser.ScreenshotAsync("library-filtered");

        // Nothing matches: the page says so (the library is not empty) and offers to clear the filters.
        await page.GetByLabel("Name").FillAsync("zzz");
        await page.GetByLabel("Name").PressAsync("Tab");
        await page.GetByText("No stems match these filters.").WaitForAsync();
        Assert.Equal(0, await page.GetByText("No stems here yet").CountAsync());
        await page.Locator(".empty").GetByRole(AriaRole.Button, new() { Name = "Clear filters" }).ClickAsync();
        await page.Locator("table.stem-list tbody tr").Nth(35).WaitForAsync();

        // A malformed tempo says how to write one; the address carries filters in the API's words.
        await page.GetByLabel("Tempo", new() { Exact = true }).FillAsync("fast");
        await page.GetByLabel("Tempo", new() { Exact = true }).PressAsync("Tab");
        await page.GetByText("'fast' is not a tempo; write BPM as 124 (123.5-124.5), a range 120-130, 120- or -130.").WaitForAsync();
        await browser.GotoAsync("/library?kind=bass&sort=name&minDuration=soon&desc=maybe"); // unreadable words in the address are left out
        await page.WaitForFunctionAsync("() => document.querySelectorAll('table.stem-list tbody tr').length === 12");
        Assert.Equal(Enumerable.Range(1, 12).Select(i => $"Bass {i:00}").ToArray(), await NamesAsync(page));
        Assert.Empty(browser.Errors);
    }

    [Fact]
    public async Task Library_FavouritesAndRatings_MarkedFromTheKeyboardAndFiltered()
    {
        // socket: chromium opens the server at a URL.
        await using var host = await TestServerHost.StartAsync(socket: true);
        await UploadAsync(host, [("Kick A", 0.5), ("Kick B", 0.5), ("Kick C", 0.5)], "drums", "kick");
        await using var browser = await BrowserSession.StartAsync(host.BaseAddress);
        var page = browser.Page;
        await browser.GotoAsync("/library?sort=name");
        var rows = page.Locator("table.stem-list tbody tr");
        await rows.Nth(2).WaitForAsync();
        var ids = new List<long>();
        for (var i = 0; i < 3; i++) ids.Add(long.Parse(await rows.Nth(i).GetAttributeAsync("data-stem") ?? "", CultureInfo.InvariantCulture));

        // F marks the focused row a favourite, 4 rates it; ↓ then 2 rates the next one.
        await rows.Nth(0).Locator("td:nth-child(4)").ClickAsync();
        await page.Keyboard.PressAsync("f");
        await rows.Nth(0).Locator("button.fav[aria-pressed=true]").WaitForAsync();
        await page.Keyboard.PressAsync("4");
        await rows.Nth(0).Locator("td.stars", new() { HasText = "★★★★" }).WaitForAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("2");
        await rows.Nth(1).Locator("td.stars", new() { HasText = "★★" }).WaitForAsync();
        var a = (await host.GetJsonAsync<StemDetail>($"/api/stems/{ids[0]}")).Stem;
        var b = (await host.GetJsonAsync<StemDetail>($"/api/stems/{ids[1]}")).Stem;
        Assert.Equal((true, 4), (a.Favourite, a.Rating));
        Assert.Equal((false, 2), (b.Favourite, b.Rating));

        // The filters: favourites only, then rated 2 stars or more; the API agrees.
        await page.GetByRole(AriaRole.Button, new() { Name = "★ favourites" }).ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelectorAll('table.stem-list tbody tr').length === 1");
        Assert.Equal(["Kick A"], await NamesAsync(page));
        await page.GetByRole(AriaRole.Button, new() { Name = "★ favourites" }).ClickAsync();
        await page.GetByLabel("Rating ≥").SelectOptionAsync("2");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('table.stem-list tbody tr').length === 2");
        var api = (await host.GetJsonAsync<List<StemDetail>>("/api/stems?minRating=2&sort=name")).Select(s => s.Stem.Name).ToArray();
        Assert.Equal(["Kick A", "Kick B"], api);
        Assert.Equal(api, await NamesAsync(page));
        Assert.Equal("traum stems list --min-rating 2 --sort name", (await page.Locator(".filters .cli code").InnerTextAsync()).Trim());
        await browser.ScreenshotAsync("library-marks");
        Assert.Empty(browser.Errors);
    }

    [Fact]
    public async Task Library_Preview_ZoomsSeeksAndCopiesPaths()
    {
        // socket: chromium opens the server at a URL.
        await using var host = await TestServerHost.StartAsync(socket: true);
        await UploadAsync(host, [("Long Pad", 6.0), ("Short Hit", 0.4)], "other", "pad");
        var pad = (await host.GetJsonAsync<List<StemDetail>>("/api/stems?name=long")).Single().Stem;
        await using var browser = await BrowserSession.StartAsync(host.BaseAddress);
        await browser.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var page = browser.Page;
        await browser.GotoAsync("/library");
        await page.Locator($"tr[data-stem='{pad.Id}'] td:nth-child(4)").ClickAsync();
        await page.WaitForFunctionAsync("id => { const c = document.querySelector('canvas[data-preview]'); return c && c._stem === id && c._peaks; }", pad.Id);
        var canvas = page.Locator("canvas[data-preview]");
        var box = (await canvas.BoundingBoxAsync())!;

        async Task<double> ClickAtAsync(double fraction, double atLeast)
        {
            await canvas.ClickAsync(new() { Position = new Position { X = (float)(box.Width * fraction), Y = (float)(box.Height / 2) } });
            await page.WaitForFunctionAsync("f => { const p = traum.position(); return p && p.playing && p.duration > 0 && p.time / p.duration >= f; }", atLeast);
            return await page.EvaluateAsync<double>("() => { const p = traum.position(); return p.time / p.duration; }");
        }

        // Not playing: a click plays from there. Playing: a click seeks. (6 s stem; a few hundred ms may pass.)
        var at = await ClickAtAsync(0.75, 0.74);
        Assert.InRange(at, 0.74, 0.9);
        at = await ClickAtAsync(0.25, 0.24);
        Assert.InRange(at, 0.24, 0.4);
        await page.EvaluateAsync("() => traum.stop()");

        // Zoom in twice around the centre: the view is [0.375, 0.625] of the stem, so the canvas's middle is 0.5.
        await page.GetByRole(AriaRole.Button, new() { Name = "Zoom in" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Zoom in" }).ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('canvas[data-preview]').dataset.zoom === '4'");
        Assert.Equal(0.375, await page.EvaluateAsync<double>("() => document.querySelector('canvas[data-preview]')._offset"), 9);
        at = await ClickAtAsync(0.5, 0.49);
        Assert.InRange(at, 0.49, 0.62);
        await browser.ScreenshotAsync("library-preview");
        await page.EvaluateAsync("() => traum.stop()");

        // Copy path puts the library file's full path on the clipboard; the original file's path is shown.
        var file = Path.GetFullPath(Path.Combine(host.Library, pad.FilePath));
        Assert.Equal(file, (await page.Locator(".preview code[data-path=file]").InnerTextAsync()).Trim());
        await page.GetByRole(AriaRole.Button, new() { Name = "Copy path", Exact = true }).ClickAsync();
        await page.GetByText("File path copied.").WaitForAsync();
        Assert.Equal(file, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        if (pad.SourcePath is { } source) Assert.Equal(source, (await page.Locator(".preview code[data-path=source]").InnerTextAsync()).Trim());
        else await page.Locator(".preview .paths", new() { HasText = "uploaded through the browser" }).WaitForAsync();
        Assert.Empty(browser.Errors);
    }

    [Fact]
    public async Task StemPage_EditNameKindCategoryTags_SavesAndExplainsMistakes()
    {
        // socket: chromium opens the server at a URL.
        await using var host = await TestServerHost.StartAsync(socket: true);
        await UploadAsync(host, [("take 7", 2.0)], "other", "misc");
        var id = (await host.GetJsonAsync<List<StemDetail>>("/api/stems")).Single().Stem.Id;
        await using var browser = await BrowserSession.StartAsync(host.BaseAddress);
        var page = browser.Page;
        await browser.GotoAsync($"/stems/{id}");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Kick Punchy");
        await page.GetByLabel("Kind", new() { Exact = true }).FillAsync("drums");
        await page.GetByLabel("Category", new() { Exact = true }).FillAsync("Kick");
        await page.GetByLabel("Tags (comma-separated)").FillAsync("dusty, warm,  dusty");
        await page.GetByLabel("★ Favourite").CheckAsync();
        await page.GetByLabel("Rating").SelectOptionAsync("5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await page.GetByText("Saved.").WaitForAsync();
        await page.Locator("h1", new() { HasText = "Kick Punchy" }).WaitForAsync();
        var stem = (await host.GetJsonAsync<StemDetail>($"/api/stems/{id}")).Stem;
        Assert.Equal(("Kick Punchy", "drums", "kick"), (stem.Name, stem.Kind, stem.Category));
        Assert.Equal(["dusty", "warm"], stem.Tags.Order(StringComparer.Ordinal));
        Assert.Equal((true, 5), (stem.Favourite, stem.Rating));

        // Zoom works on the stem page's waveform too.
        await page.GetByRole(AriaRole.Button, new() { Name = "Zoom in" }).ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('.card canvas.wave').dataset.zoom === '2'");
        await browser.ScreenshotAsync("stem-edit");

        // An empty name is refused with a message in the UI's words; nothing changes.
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("   ");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        var alert = page.Locator(".edit-error");
        await alert.WaitForAsync();
        Assert.Equal("The name is empty; write at least one character.", (await alert.InnerTextAsync()).Trim());
        Assert.Equal("Kick Punchy", (await host.GetJsonAsync<StemDetail>($"/api/stems/{id}")).Stem.Name);
        Assert.Empty(browser.Errors);
    }

    [Fact]
    public async Task TrackPage_PlayAll_StartsEveryStemTogetherWithMuteAndSolo()
    {
        // socket: chromium opens the server at a URL.
        await using var host = await TestServerHost.StartAsync(settings: new Dictionary<string, string?> { ["separation:modelPath"] = Repo.Fixture("demucs", "fractions4") }, socket: true);
        var wav = await File.ReadAllBytesAsync(host.WriteWav("Night Drive.wav", Signals.Chord([45, 52, 57, 61], 6.0, 44100, 0.6), 44100), TestContext.Current.CancellationToken);
        using (var r = await host.UploadAsync("/api/uploads/track", [("file", "Night Drive.wav", wav)]))
        {
            Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
            var job = await host.WaitForJobAsync((await TestServerHost.ReadAsync<JobInfo>(r)).Id);
            Assert.True(job.State == JobState.Succeeded, job.Error);
        }
        var track = (await host.GetJsonAsync<List<Track>>("/api/tracks")).Single();
        var stems = (await host.GetJsonAsync<TrackDetail>($"/api/tracks/{track.Id}")).Stems;
        Assert.Equal(4, stems.Count);
        await using var browser = await BrowserSession.StartAsync(host.BaseAddress);
        var page = browser.Page;
        await browser.GotoAsync($"/tracks/{track.Id}");
        await page.Locator(".lane").Nth(3).WaitForAsync();

        // The original mix plays beside the stems, and one link downloads all of them as a pack.
        var mixDuration = await page.EvaluateAsync<double>(
            "() => new Promise((ok, fail) => { const a = document.getElementById('original-mix'); a.preload = 'auto'; " +
            "a.addEventListener('loadedmetadata', () => ok(a.duration)); a.addEventListener('error', () => fail('no mix')); a.load(); })");
        Assert.Equal(6.0, mixDuration, 1);
        var pack = await page.EvaluateAsync<int>("async () => (await fetch(document.getElementById('download-stems').href)).status");
        Assert.Equal(200, pack);

        // Mute one stem before playing; the mute holds once it plays.
        var bass = stems.Single(s => s.Kind == "bass");
        var vocals = stems.Single(s => s.Kind == "vocals");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Mute {bass.Name}" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Play all" }).ClickAsync();
        await page.WaitForFunctionAsync("() => { const s = traum.mixState(); return s.playing && s.position > 0.3; }");
        var state = await page.EvaluateAsync<JsonElement>("() => traum.mixState()");
        var starts = state.GetProperty("starts").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.Equal(4, starts.Count);
        Assert.All(starts, t => Assert.Equal(starts[0], t)); // one start time for all: sample-synchronous
        Assert.Equal(stems.Select(s => s.Id).Where(id => id != bass.Id).Order(), Audible(state));
        await browser.ScreenshotAsync("track-playing");

        // Solo wins over mute: only the soloed stem is heard; unsolo brings back the others (the mute still holds).
        await page.GetByRole(AriaRole.Button, new() { Name = $"Solo {vocals.Name}" }).ClickAsync();
        await page.WaitForFunctionAsync("id => { const s = traum.mixState(); return s.audible.length === 1 && s.audible[0] === id; }", vocals.Id);
        Assert.Equal(0.0, (await page.EvaluateAsync<JsonElement>("() => traum.mixState()")).GetProperty("gains").GetProperty(bass.Id.ToString(CultureInfo.InvariantCulture)).GetDouble());
        await page.GetByRole(AriaRole.Button, new() { Name = $"Solo {vocals.Name}" }).ClickAsync();
        await page.WaitForFunctionAsync("() => traum.mixState().audible.length === 3");

        // Clicking a lane's waveform jumps every stem there together.
        var lane = page.Locator($".lane[data-stem='{vocals.Id}'] canvas.wave");
        var box = (await lane.BoundingBoxAsync())!;
        await lane.ClickAsync(new() { Position = new Position { X = (float)(box.Width * 0.75), Y = (float)(box.Height / 2) } });
        await page.WaitForFunctionAsync("() => { const s = traum.mixState(); return s.position >= 4.4; }");
        state = await page.EvaluateAsync<JsonElement>("() => traum.mixState()");
        Assert.InRange(state.GetProperty("position").GetDouble(), 4.4, 5.4); // 0.75 × 6 s, plus what played since
        starts = state.GetProperty("starts").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.All(starts, t => Assert.Equal(starts[0], t));

        await page.GetByRole(AriaRole.Button, new() { Name = "Stop" }).First.ClickAsync();
        await page.WaitForFunctionAsync("() => !traum.mixState().playing");
        await page.GetByRole(AriaRole.Button, new() { Name = "Play all" }).WaitForAsync();
        Assert.Empty(browser.Errors);
    }

    private static IEnumerable<long> Audible(JsonElement state) => state.GetProperty("audible").EnumerateArray().Select(e => e.GetInt64()).Order();

    [Fact]
    public async Task UnknownPages_ShowAPageInTheUisWords()
    {
        // socket: chromium opens the server at a URL.
        await using var host = await TestServerHost.StartAsync(socket: true);
        await using var browser = await BrowserSession.StartAsync(host.BaseAddress);
        var page = browser.Page;
        var response = await page.GotoAsync("/no/such/page");
        Assert.Equal(404, response!.Status);
        await page.Locator("body[data-interactive='1']").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.Locator("h1", new() { HasText = "Not found" }).WaitForAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Library", Exact = true }).Last.WaitForAsync();
        await browser.ScreenshotAsync("not-found");

        await browser.GotoAsync("/stems/999");
        await page.GetByText("There is no stem 999 in the library; it may have been deleted.").WaitForAsync();
        Assert.DoesNotContain("/api", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        await browser.GotoAsync("/tracks/999");
        await page.GetByText("There is no track 999 in the library").WaitForAsync();
        Assert.DoesNotContain("/api", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Empty(browser.Errors);
    }
}
