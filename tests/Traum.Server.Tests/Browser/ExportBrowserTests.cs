using System.IO.Compression;
using System.Net;
using Microsoft.Playwright;
using Traum.Audio.IO;
using Traum.Core;
using Traum.TestKit;

namespace Traum.Server.Tests.Browser;

/// <summary>The library page's export: the filtered list or the selected stem as a zip, in chromium.</summary>
public sealed class ExportBrowserTests
{
    private const int Rate = 8000;

    [Fact]
    public async Task Library_ExportFilteredAndSelected_DownloadsZipsOfThoseStems()
    {
        // socket: chromium opens the server at a URL.
        await using var host = await TestServerHost.StartAsync(socket: true);
        var sources = new Dictionary<string, float[]>();
        foreach (var (kind, names) in new[] { ("bass", new[] { "Bass 01", "Bass 02" }), ("drums", new[] { "Loop 01" }) })
        {
            var parts = new List<(string, string, byte[])>();
            foreach (var name in names)
            {
                var samples = Signals.Sine(110 + (sources.Count * 40), 0.5, Rate, amplitude: 0.4);
                sources[name] = samples;
                var path = host.WriteWav(name + ".wav", samples, Rate);
                parts.Add(("file", name + ".wav", await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken)));
            }
            using var r = await host.UploadAsync("/api/uploads/stems", parts, new Dictionary<string, string> { ["kind"] = kind });
            Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
            var job = await host.WaitForJobAsync((await TestServerHost.ReadAsync<JobInfo>(r)).Id);
            Assert.True(job.State == JobState.Succeeded, job.Error);
        }

        await using var browser = await BrowserSession.StartAsync(host.BaseAddress);
        var page = browser.Page;
        await browser.GotoAsync("/library?kind=bass");
        await page.Locator("table.stem-list tbody tr").Nth(1).WaitForAsync();
        await page.Locator("#exportformat").SelectOptionAsync("flac");
        var link = page.Locator("#export-filtered");
        await page.WaitForFunctionAsync("() => (document.querySelector('#export-filtered')?.getAttribute('href') ?? '').includes('format=flac')");
        Assert.Equal("Export 2 stems", (await link.InnerTextAsync()).Trim());

        var download = await page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        var zipPath = Path.Combine(host.Scratch, "bass.zip");
        await download.SaveAsAsync(zipPath);
        using (var zip = ZipFile.OpenRead(zipPath))
        {
            Assert.Equal(["Bass 01.flac", "Bass 02.flac", "manifest.csv"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
            foreach (var name in new[] { "Bass 01", "Bass 02" })
            {
                var path = Path.Combine(host.Scratch, name + ".flac");
                zip.GetEntry(name + ".flac")!.ExtractToFile(path);
                var decoded = AudioFile.Read(path, TestContext.Current.CancellationToken).Channels[0];
                // Float sources become 24-bit FLAC. ffmpeg's encoder keeps the top 24 of its 32-bit samples (it truncates):
                // within one step of 2^-23.
                Assert.Equal(sources[name].Length, decoded.Length);
                var max = sources[name].Zip(decoded).Max(p => Math.Abs(p.First - (double)p.Second));
                Assert.True(max <= (1.0 / 8388608) + 1e-9, $"{name}: {max * 8388608:0.###} steps");
            }
        }

        // One selected stem, as 16-bit WAV at 48 kHz: a pack of just that one, converted.
        await page.Locator("#exportformat").SelectOptionAsync("wav");
        await page.Locator("#exportrate").SelectOptionAsync("48000");
        await page.Locator("#exportbits").SelectOptionAsync("16");
        await page.Locator("table.stem-list tbody tr", new() { HasText = "Bass 02" }).ClickAsync();
        var selected = page.Locator("#export-selected");
        await selected.WaitForAsync();
        await page.WaitForFunctionAsync("() => (document.querySelector('#export-selected')?.getAttribute('href') ?? '').includes('rate=48000')");
        var one = await page.RunAndWaitForDownloadAsync(() => selected.ClickAsync());
        var onePath = Path.Combine(host.Scratch, "one.zip");
        await one.SaveAsAsync(onePath);
        using (var zip = ZipFile.OpenRead(onePath))
        {
            Assert.Equal(["Bass 02.wav", "manifest.csv"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
            var path = Path.Combine(host.Scratch, "one-Bass 02.wav");
            zip.GetEntry("Bass 02.wav")!.ExtractToFile(path);
            var info = AudioFile.Probe(path);
            Assert.Equal(48000, info.SampleRate);
            Assert.Equal(16, info.BitsPerSample);
            Assert.Equal(0.5, AudioFile.Read(path, TestContext.Current.CancellationToken).Duration, 2);
        }
        Assert.Empty(browser.Errors);
    }
}
