using System.Net;
using System.Text;
using Traum.Core;
using Traum.TestKit;

namespace Traum.Server.Tests.Api;

public sealed class UploadApiTests
{
    [Fact]
    public async Task UploadStems_TextFileNamedWav_Returns415AndKeepsNothing()
    {
        await using var host = await TestServerHost.StartAsync();
        using var r = await host.UploadAsync("/api/uploads/stems", [("file", "song.wav", Encoding.UTF8.GetBytes("this is not audio at all, just text"))]);
        var p = await ProblemAssert.IsProblemAsync(r, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("song.wav", p.Detail ?? "", StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(host.Library, "uploads")));
    }

    [Fact]
    public async Task UploadStems_TruncatedWav_Returns422()
    {
        await using var host = await TestServerHost.StartAsync();
        var wav = await File.ReadAllBytesAsync(host.WriteWav("t.wav", Signals.Sine(440, 0.5, 44100)), TestContext.Current.CancellationToken);
        // The RIFF/WAVE magic is intact but the header ends in the middle of the fmt chunk.
        using var r = await host.UploadAsync("/api/uploads/stems", [("file", "t.wav", wav[..20])]);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.UnprocessableEntity);
        Assert.Empty(Directory.GetFiles(Path.Combine(host.Library, "uploads")));
    }

    [Fact]
    public async Task UploadStems_EmptyFile_Returns422()
    {
        await using var host = await TestServerHost.StartAsync();
        using var r = await host.UploadAsync("/api/uploads/stems", [("file", "empty.wav", [])]);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task UploadStems_NoFile_Returns400()
    {
        await using var host = await TestServerHost.StartAsync();
        using var r = await host.UploadAsync("/api/uploads/stems", [], new Dictionary<string, string> { ["kind"] = "bass" });
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task UploadStems_NotMultipart_Returns415()
    {
        await using var host = await TestServerHost.StartAsync();
        using var r = await host.Client.PostAsync("/api/uploads/stems", new StringContent("{}", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task UploadStems_LargerThanLimit_Returns413AndKeepsNothing()
    {
        await using var host = await TestServerHost.StartAsync((_, o) => o with { MaxUploadBytes = 64 * 1024 });
        var wav = await File.ReadAllBytesAsync(host.WriteWav("big.wav", Signals.WhiteNoise(2.0, 44100)), TestContext.Current.CancellationToken);
        Assert.True(wav.Length > 64 * 1024);
        using var r = await host.UploadAsync("/api/uploads/stems", [("file", "big.wav", wav)]);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.RequestEntityTooLarge);
        var uploads = Path.Combine(host.Library, "uploads");
        Assert.True(!Directory.Exists(uploads) || Directory.GetFiles(uploads).Length == 0);
    }

    [Fact]
    public async Task UploadStems_ChunkedBodyLargerThanLimit_Returns413()
    {
        // socket: without a Content-Length, Kestrel's request body size limit (server:maxUploadBytes) is what stops the body.
        await using var host = await TestServerHost.StartAsync((_, o) => o with { MaxUploadBytes = 64 * 1024 }, socket: true);
        var wav = await File.ReadAllBytesAsync(host.WriteWav("big.wav", Signals.WhiteNoise(2.0, 44100)), TestContext.Current.CancellationToken);
        using var form = new MultipartFormDataContent { { new StreamContent(new MemoryStream(wav)), "file", "big.wav" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads/stems") { Content = form };
        request.Headers.TransferEncodingChunked = true;
        using var r = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
    }

    [Fact]
    public async Task UploadStems_PathInFileName_IsOnlyADisplayName()
    {
        await using var host = await TestServerHost.StartAsync();
        var wav = await File.ReadAllBytesAsync(host.WriteWav("x.wav", Signals.Sine(440, 0.3, 44100)), TestContext.Current.CancellationToken);
        using var r = await host.UploadAsync("/api/uploads/stems", [("file", "../../../../tmp/evil.wav", wav)]);
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var job = await host.WaitForJobAsync((await TestServerHost.ReadAsync<JobInfo>(r)).Id);
        Assert.Equal(JobState.Succeeded, job.State);
        var stem = Assert.Single(await host.GetJsonAsync<List<Services.StemDetail>>("/api/stems")).Stem;
        Assert.Equal("evil", stem.Name);
        Assert.StartsWith(host.Library, Path.GetFullPath(Path.Combine(host.Library, stem.FilePath)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadTrack_ModelNotInstalled_Returns503WithTheInstallCommandAndKeepsNothing()
    {
        await using var host = await TestServerHost.StartAsync();
        var wav = await File.ReadAllBytesAsync(host.WriteWav("song.wav", Signals.Sine(440, 0.3, 44100)), TestContext.Current.CancellationToken);
        using var r = await host.UploadAsync("/api/uploads/track", [("file", "song.wav", wav)]);
        var p = await ProblemAssert.IsProblemAsync(r, HttpStatusCode.ServiceUnavailable);
        Assert.Contains("traum models pull", p.Detail ?? "", StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(host.Library, "uploads"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task UploadTrack_FixtureModel_SeparatesIntoStemsScaledByTheModelsFractions()
    {
        // The fixture graph outputs fixed fractions of the mix per source (time branch + frequency branch):
        // drums 0.05+0.10, bass 0.10+0.10, other 0.15+0.15, vocals 0.20+0.15. A linear model, so each stem's peak is
        // its fraction of the mix's peak.
        var expected = new Dictionary<string, double> { ["drums"] = 0.15, ["bass"] = 0.20, ["other"] = 0.30, ["vocals"] = 0.35 };
        await using var host = await TestServerHost.StartAsync(settings: new Dictionary<string, string?> { ["separation:modelPath"] = Repo.Fixture("demucs", "fractions4") });
        var mix = Signals.Sine(441, 2.0, 44100, amplitude: 0.5);
        var wav = await File.ReadAllBytesAsync(host.WriteWav("My Song.wav", mix), TestContext.Current.CancellationToken);
        using var r = await host.UploadAsync("/api/uploads/track", [("file", "My Song.wav", wav)]);
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var job = await host.WaitForJobAsync((await TestServerHost.ReadAsync<JobInfo>(r)).Id);
        Assert.True(job.State == JobState.Succeeded, job.Error);

        var tracks = await host.GetJsonAsync<List<Track>>("/api/tracks");
        var track = Assert.Single(tracks);
        Assert.Equal("My Song", track.Name);
        var detail = await host.GetJsonAsync<Services.TrackDetail>($"/api/tracks/{track.Id}");
        Assert.Equal(expected.Keys.Order(), detail.Stems.Select(s => s.Kind).Order());
        foreach (var stem in detail.Stems)
        {
            Assert.Equal(StemOrigin.Separated, stem.Origin);
            var peaks = await host.GetJsonAsync<Services.Peaks>($"/api/stems/{stem.Id}/peaks?buckets=10");
            Assert.Equal(expected[stem.Kind] * 0.5, peaks.Max.Max(), 3);
            Assert.Equal(-expected[stem.Kind] * 0.5, peaks.Min.Min(), 3);
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(host.Library, "uploads"), "*", SearchOption.AllDirectories));

        // The original mix is kept and served beside its stems (the track page plays it), byte for byte.
        using var original = await host.Client.GetAsync($"/api/tracks/{track.Id}/audio", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, original.StatusCode);
        Assert.Equal(wav, await original.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        using var missing = await host.Client.GetAsync("/api/tracks/999/audio", TestContext.Current.CancellationToken);
        await ProblemAssert.IsProblemAsync(missing, HttpStatusCode.NotFound);
    }
}
