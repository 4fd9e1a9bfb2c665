using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Traum.Audio.IO;
using Traum.Core;
using Traum.Engine.Export;
using Traum.Server.Services;
using Traum.TestKit;

namespace Traum.Server.Tests.Api;

/// <summary>/api/export: real stems in, a zip out; every file decoded again and compared with the samples that went in.</summary>
public sealed class ExportApiTests
{
    private const int Rate = 44100;

    private static async Task<long> IngestAsync(TestServerHost host, string fileName, float[] samples, int rate = Rate)
    {
        var path = Path.Combine(host.Scratch, Guid.NewGuid().ToString("N") + ".wav");
        AudioFile.Write(path, Traum.Audio.AudioBuffer.Mono(samples, rate), new AudioWriteOptions(SampleFormat.Float32));
        using var response = await host.UploadAsync("/api/uploads/stems", [("file", fileName, await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken))]);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var done = await host.WaitForJobAsync((await TestServerHost.ReadAsync<JobInfo>(response)).Id);
        Assert.True(done.State == JobState.Succeeded, done.Error);
        return Assert.Single(JsonDocument.Parse(done.Result!).RootElement.GetProperty("stemIds").EnumerateArray().Select(e => e.GetInt64()).ToList());
    }

    private static async Task<ZipArchive> ZipAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, Encoding.UTF8.GetString(body));
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        return new ZipArchive(new MemoryStream(body), ZipArchiveMode.Read);
    }

    /// <summary>Decodes one entry through a file, as a user's tool would.</summary>
    private static (AudioFileInfo Info, float[] Samples) Decode(TestServerHost host, ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidOperationException($"no {name} in the zip: {string.Join(", ", zip.Entries.Select(e => e.FullName))}");
        var path = Path.Combine(host.Scratch, Guid.NewGuid().ToString("N") + Path.GetExtension(name));
        entry.ExtractToFile(path);
        var info = AudioFile.Probe(path);
        return (info, AudioFile.Read(path).Channels[0]);
    }

    private static double MaxError(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - (double)b[i]));
        return max;
    }

    private static List<string[]> Csv(ZipArchive zip)
    {
        using var reader = new StreamReader(zip.GetEntry("manifest.csv")!.Open(), Encoding.UTF8);
        return [.. reader.ReadToEnd().Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(','))];
    }

    [Fact]
    public async Task Export_IdsAsWav16_SameNamesDeduplicated_SamplesWithinHalfAnLsb()
    {
        await using var host = await TestServerHost.StartAsync();
        var low = Signals.Sine(441, 0.5, Rate, amplitude: 0.5);
        var high = Signals.Sine(882, 0.75, Rate, amplitude: 0.25);
        var a = await IngestAsync(host, "Kick 01.wav", low);
        var b = await IngestAsync(host, "Kick 01.wav", high);
        using var r = await host.Client.GetAsync($"/api/export?ids={a},{b}&format=wav&bits=16", TestContext.Current.CancellationToken);
        Assert.Equal("2", r.Headers.GetValues("X-Stem-Count").Single());
        using var zip = await ZipAsync(r);
        Assert.Equal(["Kick 01 (2).wav", "Kick 01.wav", "manifest.csv"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        var (info, first) = Decode(host, zip, "Kick 01.wav");
        Assert.Equal(16, info.BitsPerSample);
        Assert.Equal(Rate, info.SampleRate);
        // 16-bit rounding: at most half a step of 1/32768.
        Assert.InRange(MaxError(low, first), 0, (0.5 / 32768) + 1e-7);
        Assert.InRange(MaxError(high, Decode(host, zip, "Kick 01 (2).wav").Samples), 0, (0.5 / 32768) + 1e-7);

        var rows = Csv(zip);
        Assert.Equal(["file", "id", "name", "kind", "category", "bpm", "key", "duration"], rows[0]);
        Assert.Equal("Kick 01.wav", rows[1][0]);
        Assert.Equal(a.ToString(System.Globalization.CultureInfo.InvariantCulture), rows[1][1]);
        Assert.Equal("Kick 01", rows[1][2]);
        Assert.Equal("0.500", rows[1][7]);
        Assert.Equal("Kick 01 (2).wav", rows[2][0]);
        Assert.Equal("0.750", rows[2][7]);
        var stem = await host.GetJsonAsync<StemDetail>($"/api/stems/{a}");
        Assert.Equal(stem.Stem.Kind, rows[1][3]);
        Assert.Equal(stem.Stem.Category, rows[1][4]);
    }

    [Fact]
    public async Task Export_TagAsFlacResampledTo48k_MatchesTheSineAtTheNewRate()
    {
        await using var host = await TestServerHost.StartAsync();
        var tagged = await IngestAsync(host, "Pad: warm*soft?.wav", Signals.Sine(441, 1.0, Rate, amplitude: 0.5));
        _ = await IngestAsync(host, "other.wav", Signals.Sine(300, 0.5, Rate));
        using var tag = await host.Client.PostAsync($"/api/stems/{tagged}/tags", new StringContent("{\"add\": [\"dusty\"]}", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, tag.StatusCode);
        using var r = await host.Client.PostAsync("/api/export", new StringContent("{\"tag\": \"dusty\", \"format\": \"flac\", \"rate\": 48000, \"bits\": 24}", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Contains("dusty.zip", r.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
        using var zip = await ZipAsync(r);
        // ':', '*' and '?' are not file-name characters everywhere.
        Assert.Equal(["Pad_ warm_soft_.flac", "manifest.csv"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        var (info, samples) = Decode(host, zip, "Pad_ warm_soft_.flac");
        Assert.Equal("flac", info.Format);
        Assert.Equal(24, info.BitsPerSample);
        Assert.Equal(48000, info.SampleRate);
        Assert.InRange(samples.Length, 48000 - 2, 48000 + 2);
        // Away from the ends the resampled file is the same 441 Hz sine sampled at 48 kHz.
        double max = 0;
        for (var n = 2400; n < 45600; n++) max = Math.Max(max, Math.Abs(samples[n] - (0.5 * Math.Sin(2 * Math.PI * 441 * n / 48000.0))));
        Assert.InRange(max, 0, 2e-3);
    }

    [Fact]
    public async Task Export_TrackOfNothingAndBadValues_AreProblemsBeforeAnyZip()
    {
        await using var host = await TestServerHost.StartAsync();
        var id = await IngestAsync(host, "one.wav", Signals.Sine(441, 0.3, Rate));
        var ct = TestContext.Current.CancellationToken;
        var unknown = await ProblemAssert.IsProblemAsync(await host.Client.GetAsync($"/api/export?ids={id},999", ct), HttpStatusCode.NotFound);
        Assert.Contains("999", unknown.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain($"{id},", unknown.Detail, StringComparison.Ordinal);
        var none = await ProblemAssert.IsProblemAsync(await host.Client.GetAsync("/api/export?tag=nothing-has-this", ct), HttpStatusCode.NotFound);
        Assert.Contains("No stems match", none.Detail, StringComparison.Ordinal);
        await ProblemAssert.IsProblemAsync(await host.Client.GetAsync("/api/export?track=5", ct), HttpStatusCode.NotFound);
        var fmt = await ProblemAssert.IsProblemAsync(await host.Client.GetAsync($"/api/export?ids={id}&format=ogg", ct), HttpStatusCode.BadRequest);
        Assert.Contains("wav, flac or mp3", fmt.Detail, StringComparison.Ordinal);
        await ProblemAssert.IsProblemAsync(await host.Client.GetAsync($"/api/export?ids={id}&format=flac&bits=32", ct), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await host.Client.GetAsync($"/api/export?ids={id}&format=mp3&bits=16", ct), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await host.Client.GetAsync($"/api/export?ids={id}&rate=1000", ct), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await host.Client.GetAsync("/api/export", ct), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await host.Client.GetAsync($"/api/export?ids={id}&tag=x", ct), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await host.Client.GetAsync("/api/export?ids=1,x", ct), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await host.Client.GetAsync("/api/export?bpm=fast", ct), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Export_Mp3_DecodesToTheSameToneAndLoudness()
    {
        await using var host = await TestServerHost.StartAsync();
        var id = await IngestAsync(host, "tone.wav", Signals.Sine(441, 1.0, Rate, amplitude: 0.5));
        using var r = await host.Client.GetAsync($"/api/export?ids={id}&format=mp3", TestContext.Current.CancellationToken);
        using var zip = await ZipAsync(r);
        var (info, samples) = Decode(host, zip, "tone.mp3");
        Assert.Equal("mp3", info.Format);
        // Lossy: the encoder may pad the ends; the middle second keeps the tone's level (0.5/√2 RMS) and its 441 Hz.
        Assert.InRange(samples.Length, Rate - 100, Rate + 3000);
        var mid = samples.AsSpan(Rate / 4, Rate / 2);
        var rms = Math.Sqrt(mid.ToArray().Select(x => (double)x * x).Average());
        Assert.InRange(20 * Math.Log10(rms / (0.5 / Math.Sqrt(2))), -0.5, 0.5);
        var crossings = 0;
        for (var i = 1; i < mid.Length; i++) if (mid[i - 1] < 0 && mid[i] >= 0) crossings++;
        Assert.InRange(crossings, 219, 222); // 441 Hz × 0.5 s = 220.5 upward crossings
    }

    [Fact]
    public async Task Write_Cancelled_StopsAndLeavesNoScratchFiles()
    {
        await using var host = await TestServerHost.StartAsync();
        var id = await IngestAsync(host, "tone.wav", Signals.Sine(441, 0.5, Rate));
        var exporter = host.App.Services.GetRequiredService<StemPackExporter>();
        var format = ExportFormat.Parse("flac");
        var items = exporter.Resolve(new ExportSelection([id]), format);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        using var sink = new MemoryStream();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => exporter.WriteAsync(items, format, sink, null, cts.Token));
        var scratch = Path.Combine(host.Library, "cache", "export");
        Assert.True(!Directory.Exists(scratch) || !Directory.EnumerateFileSystemEntries(scratch).Any());
    }
}
