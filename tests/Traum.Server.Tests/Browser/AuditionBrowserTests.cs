using System.Globalization;
using System.Net;
using Microsoft.Playwright;
using Traum.Core;
using Traum.Server.Services;
using Traum.TestKit;

namespace Traum.Server.Tests.Browser;

/// <summary>Playing at the project tempo and key from the header, in Debian's chromium. Saves docs/screenshots/project-tempo.png.</summary>
public sealed class AuditionBrowserTests
{
    private const int Rate = 44100;

    private static async Task UploadAsync(TestServerHost host, params (string Name, float[] Samples)[] files)
    {
        var parts = new List<(string, string, byte[])>();
        foreach (var (name, samples) in files)
        {
            var path = host.WriteWav(name + ".wav", samples, Rate);
            parts.Add(("file", name + ".wav", await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken)));
        }
        using var r = await host.UploadAsync("/api/uploads/stems", parts);
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var job = await host.WaitForJobAsync((await TestServerHost.ReadAsync<JobInfo>(r)).Id);
        Assert.True(job.State == JobState.Succeeded, job.Error);
    }

    private sealed record Position(double Duration, string Url);

    /// <summary>Plays the stem with the button in <paramref name="scope"/> and waits until the browser knows the length of what plays.</summary>
    private static async Task<Position> PlayAsync(IPage page, ILocator scope, long id)
    {
        await scope.Locator($"button[data-play='{id}']").ClickAsync();
        await page.WaitForFunctionAsync("id => { const p = traum.position(); return p && p.id === id && p.playing && p.duration > 0; }", id);
        var p = new Position(await page.EvaluateAsync<double>("() => traum.position().duration"), await page.EvaluateAsync<string>("() => traum.position().url"));
        await scope.Locator($"button[data-play='{id}']").ClickAsync(); // stop again
        await page.WaitForFunctionAsync("() => !traum.isPlaying()");
        return p;
    }

    [Fact]
    public async Task Header_ProjectTempo_EveryPlayerStretchesAndSaysWhenItCannot()
    {
        // socket: chromium opens the server at a URL.
        await using var host = await TestServerHost.StartAsync(socket: true);
        await UploadAsync(host, ("Clicks 120 BPM", Signals.ClickTrack(120, 8, Rate)), ("Warm pad", Signals.Sine(220, 3, Rate, amplitude: 0.3)));
        var stems = await host.GetJsonAsync<List<StemDetail>>("/api/stems");
        var clicks = stems.Single(s => s.Stem.Name.StartsWith("Clicks", StringComparison.Ordinal));
        var pad = stems.Single(s => s.Stem.Name == "Warm pad");
        Assert.Null(pad.Descriptors!.StatedBpm ?? pad.Descriptors.Bpm);

        await using var browser = await BrowserSession.StartAsync(host.BaseAddress);
        var page = browser.Page;
        await browser.GotoAsync("/library");
        var list = page.Locator("table.stem-list");
        await list.Locator("tbody tr").Nth(1).WaitForAsync();

        // Without a project tempo the toggle cannot be switched on and stems play as they are.
        Assert.True(await page.Locator("#project-on").IsDisabledAsync());
        var plain = await PlayAsync(page, list, clicks.Stem.Id);
        Assert.InRange(plain.Duration, 7.95, 8.05);

        // Set 96 BPM once in the header: playing at it switches on, and the loop plays 120/96 as long (8 s → 10 s).
        await page.Locator("#project-tempo").FillAsync("96");
        await page.Locator("#project-tempo").PressAsync("Tab");
        await page.WaitForFunctionAsync("() => document.getElementById('project-on').checked");
        var stretched = await PlayAsync(page, list, clicks.Stem.Id);
        Assert.Contains("tempo=96", stretched.Url, StringComparison.Ordinal);
        Assert.InRange(stretched.Duration, 10 * 0.99, 10 * 1.01);

        // A stem without a tempo plays at its own speed, and the header says so in words.
        await page.Locator($"button[data-play='{pad.Stem.Id}']").ClickAsync();
        await page.WaitForFunctionAsync("id => { const p = traum.position(); return p && p.id === id && p.duration > 0; }", pad.Stem.Id);
        Assert.InRange(await page.EvaluateAsync<double>("() => traum.position().duration"), 2.95, 3.05);
        Assert.Equal("“Warm pad” has no tempo, so it plays at its own speed.", (await page.Locator("#project-note").InnerTextAsync()).Trim());
        await page.Locator($"button[data-play='{pad.Stem.Id}']").ClickAsync();

        // The setting is kept: another page and a reload still play at 96 BPM, here from a card.
        await browser.GotoAsync("/library");
        Assert.Equal("96", await page.Locator("#project-tempo").InputValueAsync());
        Assert.True(await page.Locator("#project-on").IsCheckedAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Cards", Exact = true }).ClickAsync();
        var card = page.Locator($"article.card[data-stem='{clicks.Stem.Id}']");
        await card.WaitForAsync();
        await card.Locator($"button[data-play='{clicks.Stem.Id}']").ClickAsync();
        await page.WaitForFunctionAsync("id => { const p = traum.position(); return p && p.id === id && p.duration > 0; }", clicks.Stem.Id);
        Assert.InRange(await page.EvaluateAsync<double>("() => traum.position().duration"), 10 * 0.99, 10 * 1.01);
        await page.Locator("#project-note", new() { HasText = "120 → 96 BPM" }).WaitForAsync();
        await browser.ScreenshotAsync("project-tempo");
        await card.Locator($"button[data-play='{clicks.Stem.Id}']").ClickAsync();

        // Switched off, the loop plays at its own tempo again.
        await page.Locator("#project-on").UncheckAsync();
        var off = await PlayAsync(page, card, clicks.Stem.Id);
        Assert.DoesNotContain("tempo=", off.Url, StringComparison.Ordinal);
        Assert.InRange(off.Duration, 7.95, 8.05);
        Assert.Empty(browser.Errors);
    }
}
