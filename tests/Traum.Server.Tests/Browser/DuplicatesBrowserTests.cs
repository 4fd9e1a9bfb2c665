using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Traum.Core;
using Traum.Server.Services;
using Traum.TestKit;

namespace Traum.Server.Tests.Browser;

/// <summary>The duplicates page in Debian's chromium. Saves docs/screenshots/duplicates.png.</summary>
public sealed class DuplicatesBrowserTests
{
    private const int Rate = 22050;

    [Fact]
    public async Task Duplicates_SameRecordingTwice_OneGroupAndKeepingOneRemovesTheOther()
    {
        // socket: chromium opens the server at a URL.
        await using var host = await TestServerHost.StartAsync((dir, o) => o with { IngestRoots = [Path.Combine(dir, "scratch")] }, socket: true);
        // One recording twice (the second 30 % quieter, so its content differs but its fingerprint does not) and a different one.
        var take = Signals.Progression([[57, 60, 64], [53, 57, 60], [48, 52, 55], [55, 59, 62]], 2.0, Rate, 0.5);
        var other = Signals.Progression([[62, 66, 69], [64, 67, 71], [59, 62, 66], [66, 69, 73]], 2.0, Rate, 0.5);
        var files = new (string Name, float[] Samples)[] { ("Take A.wav", take), ("Take A quiet.wav", take.Select(x => x * 0.7f).ToArray()), ("Other take.wav", other) };
        foreach (var (name, samples) in files) host.WriteWav(name, samples, Rate);
        // Ingested from the folder where they are, so each stem knows its own file.
        using (var r = await host.Client.PostAsync("/api/ingest", JsonContent.Create(new { path = host.Scratch }), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
            var job = await host.WaitForJobAsync((await TestServerHost.ReadAsync<JobInfo>(r)).Id);
            Assert.True(job.State == JobState.Succeeded, job.Error);
        }
        var stems = await host.GetJsonAsync<List<StemDetail>>("/api/stems");
        Assert.Equal(3, stems.Count);
        var loud = stems.Single(s => s.Stem.Name == "Take A").Stem;
        var quiet = stems.Single(s => s.Stem.Name == "Take A quiet").Stem;
        var different = stems.Single(s => s.Stem.Name == "Other take").Stem;

        await using var browser = await BrowserSession.StartAsync(host.BaseAddress);
        var page = browser.Page;
        await browser.GotoAsync("/library");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Duplicates" }).ClickAsync();
        await page.WaitForURLAsync("**/duplicates");

        // One group: the two takes of one recording, each with its file, length and format; the other recording is in none.
        var group = page.GetByRole(AriaRole.Region, new() { Name = "Group 1" });
        await group.WaitForAsync();
        Assert.Equal(1, await page.Locator("section.dup-group").CountAsync());
        var rows = group.Locator("tbody tr");
        Assert.Equal(2, await rows.CountAsync());
        var ids = (await rows.EvaluateAllAsync<long[]>("rs => rs.map(r => Number(r.dataset.stem))")).Order().ToArray();
        Assert.Equal(new[] { loud.Id, quiet.Id }.Order().ToArray(), ids);
        var loudRow = group.Locator($"tr[data-stem='{loud.Id}']");
        Assert.Equal(Path.Combine(host.Scratch, "Take A.wav"), (await loudRow.Locator("td.path").InnerTextAsync()).Trim());
        Assert.Contains("8.00 s", await loudRow.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("WAV · 22.1 kHz · mono", await loudRow.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator($"tr[data-stem='{different.Id}']").CountAsync());

        // Keep the loud take: the page asks first (Cancel removes nothing), then removes the quiet one.
        await loudRow.GetByRole(AriaRole.Button, new() { Name = "Keep Take A, remove the others" }).ClickAsync();
        var confirm = page.GetByRole(AriaRole.Alertdialog);
        await confirm.WaitForAsync();
        Assert.Contains("Take A quiet", await confirm.InnerTextAsync(), StringComparison.Ordinal);
        await browser.ScreenshotAsync("duplicates");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await confirm.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        Assert.Equal(3, (await host.GetJsonAsync<List<StemDetail>>("/api/stems")).Count);

        await loudRow.GetByRole(AriaRole.Button, new() { Name = "Keep Take A, remove the others" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove 1 other" }).ClickAsync();
        await page.GetByText("No duplicates").WaitForAsync();
        await page.GetByText("Kept Take A; removed Take A quiet.").WaitForAsync();
        var left = await host.GetJsonAsync<List<StemDetail>>("/api/stems");
        Assert.Equal(new[] { loud.Id, different.Id }.Order(), left.Select(s => s.Stem.Id).Order());
        // The user's own file of the removed stem is untouched.
        Assert.True(File.Exists(Path.Combine(host.Scratch, "Take A quiet.wav")));
        Assert.Empty(browser.Errors);
    }
}
