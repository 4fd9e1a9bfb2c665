using System.Globalization;
using System.Net;
using System.Text.Json;
using Traum.Audio;
using Traum.Audio.Descriptors;
using Traum.Audio.IO;
using Traum.Core;
using Traum.Server.Services;
using Traum.TestKit;

namespace Traum.Server.Tests.Api;

/// <summary>GET /api/stems/{id}/audio?tempo=…&amp;key=…: auditions at a project tempo and key, measured on the audio that comes back.</summary>
public sealed class AuditionApiTests
{
    private const int Rate = 44100;

    private static async Task<StemDetail> IngestAsync(TestServerHost host, string name, float[] samples)
    {
        var path = host.WriteWav(name, samples);
        using var response = await host.UploadAsync("/api/uploads/stems", [("file", name, await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken))]);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var done = await host.WaitForJobAsync((await TestServerHost.ReadAsync<JobInfo>(response)).Id);
        Assert.True(done.State == JobState.Succeeded, done.Error);
        var id = Assert.Single(JsonDocument.Parse(done.Result!).RootElement.GetProperty("stemIds").EnumerateArray()).GetInt64();
        return await host.GetJsonAsync<StemDetail>($"/api/stems/{id}");
    }

    private static async Task<AudioBuffer> DecodeAsync(TestServerHost host, HttpResponseMessage response, string name)
    {
        var file = Path.Combine(host.Scratch, name);
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        return AudioFile.Read(file, TestContext.Current.CancellationToken);
    }

    private static string Header(HttpResponseMessage r, string name) => r.Headers.TryGetValues(name, out var v) ? string.Join(",", v) : "";

    /// <summary>Frequency of a steady tone from its rising zero crossings over the middle half.</summary>
    private static double ZeroCrossingFrequency(float[] x, int rate)
    {
        double first = -1, last = -1;
        var count = 0;
        for (var i = (x.Length / 4) + 1; i < x.Length * 3 / 4; i++)
        {
            if (x[i - 1] < 0 && x[i] >= 0)
            {
                var at = i - 1 + (-x[i - 1] / (x[i] - x[i - 1]));
                if (first < 0) first = at;
                last = at;
                count++;
            }
        }
        return (count - 1) * rate / (last - first);
    }

    [Fact]
    public async Task Audio_ClickLoopAtProjectTempo_MeasuresProjectTempoAndScaledLength()
    {
        await using var host = await TestServerHost.StartAsync();
        var stem = await IngestAsync(host, "clicks.wav", Signals.ClickTrack(120, 12, Rate));
        var own = stem.Descriptors!.Bpm!.Value;

        using var r = await host.Client.GetAsync($"/api/stems/{stem.Stem.Id}/audio?tempo=128", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("audio/wav", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal(128 / own, double.Parse(Header(r, "X-Traum-Tempo-Ratio"), CultureInfo.InvariantCulture), 4);
        var audio = await DecodeAsync(host, r, "stretched.wav");
        // Length: 12 s × own / 128 within 1 %; tempo: Traum's estimator on the result, within 1.5 BPM of the project's.
        var seconds = audio.Channels[0].Length / (double)audio.SampleRate;
        Assert.InRange(seconds, 12 * own / 128 * 0.99, 12 * own / 128 * 1.01);
        var measured = new DescriptorAnalyzer().Analyze(audio, TestContext.Current.CancellationToken).Bpm;
        Assert.NotNull(measured);
        Assert.InRange(measured!.Value, 126.5, 129.5);
        // Rendered once into the cache, keyed by the content hash and the parameters.
        var cached = Assert.Single(Directory.GetFiles(Path.Combine(host.Library, "cache", "audition")));
        Assert.StartsWith(stem.Stem.ContentHash.Where(char.IsAsciiLetterOrDigit).Take(16).Aggregate("", (s, c) => s + c), Path.GetFileName(cached), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audio_ToneInProjectKey_ShiftsByShortestIntervalAndMeasuresIt()
    {
        await using var host = await TestServerHost.StartAsync();
        var stem = await IngestAsync(host, "tone.wav", Signals.Sine(440, 4, Rate, amplitude: 0.4));
        Assert.Equal("A", stem.Descriptors!.Key);
        // A to C is three semitones up (nine down); the project key takes the stem's mode, so either reading of A shifts by +3.
        var project = stem.Descriptors.Mode == "minor" ? "Cm" : "C";

        using var r = await host.Client.GetAsync($"/api/stems/{stem.Stem.Id}/audio?key={project}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("3", Header(r, "X-Traum-Semitones"));
        var audio = await DecodeAsync(host, r, "shifted.wav");
        var f = ZeroCrossingFrequency(audio.Channels[0], audio.SampleRate);
        Assert.InRange(f, 523.25 * 0.995, 523.25 * 1.005);
        Assert.InRange(audio.Channels[0].Length / (double)audio.SampleRate, 3.96, 4.04);
    }

    [Fact]
    public async Task Audio_StemWithoutTempo_PlaysUnstretchedAndSaysSo()
    {
        await using var host = await TestServerHost.StartAsync();
        var stem = await IngestAsync(host, "pad.wav", Signals.Sine(440, 3, Rate, amplitude: 0.4));
        Assert.Null(stem.Descriptors!.Bpm);

        using var r = await host.Client.GetAsync($"/api/stems/{stem.Stem.Id}/audio?tempo=128", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("1", Header(r, "X-Traum-Tempo-Ratio"));
        Assert.Contains("no tempo", Header(r, "X-Traum-Audition-Note"), StringComparison.Ordinal);
        var original = await File.ReadAllBytesAsync(Path.Combine(host.Library, stem.Stem.FilePath), TestContext.Current.CancellationToken);
        Assert.Equal(original, await r.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.False(Directory.Exists(Path.Combine(host.Library, "cache", "audition")) && Directory.EnumerateFiles(Path.Combine(host.Library, "cache", "audition")).Any());
    }

    /// <summary>A track's lanes send the track's tempo and key (from, fromKey), so every stem moves by the same ratio and interval.</summary>
    [Fact]
    public async Task Audio_FromTrackTempoAndKey_MovesByTheTracksRatioAndInterval()
    {
        await using var host = await TestServerHost.StartAsync();
        var stem = await IngestAsync(host, "tone.wav", Signals.Sine(440, 4, Rate, amplitude: 0.4));
        Assert.Null(stem.Descriptors!.Bpm);

        // The tone has no tempo of its own; taken as the track's 100 BPM, 125 BPM plays it 1.25× as fast (4 s → 3.2 s).
        // Taken as in D (the track's key), the project's E is two semitones up: 440 Hz → 493.88 Hz.
        using var r = await host.Client.GetAsync($"/api/stems/{stem.Stem.Id}/audio?tempo=125&from=100&key=E&fromKey=D", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("1.25", Header(r, "X-Traum-Tempo-Ratio"));
        Assert.Equal("2", Header(r, "X-Traum-Semitones"));
        Assert.Equal("", Header(r, "X-Traum-Audition-Note"));
        var audio = await DecodeAsync(host, r, "moved.wav");
        Assert.InRange(audio.Channels[0].Length / (double)audio.SampleRate, 3.2 * 0.99, 3.2 * 1.01);
        Assert.InRange(ZeroCrossingFrequency(audio.Channels[0], audio.SampleRate), 493.88 * 0.995, 493.88 * 1.005);
    }

    [Theory]
    [InlineData("tempo=300", "between")]   // 2.5× a 120 BPM loop
    [InlineData("tempo=50", "between")]    // 0.42×
    [InlineData("tempo=5", "between 20 and 300 BPM")]
    [InlineData("key=H", "is not a key")]
    public async Task Audio_OutOfRangeOrMalformed_400SaysWhatToChoose(string query, string expected)
    {
        await using var host = await TestServerHost.StartAsync();
        var stem = await IngestAsync(host, "clicks.wav", Signals.ClickTrack(120, 8, Rate));

        using var r = await host.Client.GetAsync($"/api/stems/{stem.Stem.Id}/audio?{query}", TestContext.Current.CancellationToken);

        var problem = await ProblemAssert.IsProblemAsync(r, HttpStatusCode.BadRequest);
        Assert.Contains(expected, problem.Detail, StringComparison.Ordinal);
        if (query.StartsWith("tempo=300", StringComparison.Ordinal) || query.StartsWith("tempo=50", StringComparison.Ordinal))
        {
            // The range it names is the stem's tempo halved and doubled.
            var own = stem.Descriptors!.Bpm!.Value;
            Assert.Contains((own * 0.5).ToString("0.#", CultureInfo.InvariantCulture) + " and " + (own * 2).ToString("0.#", CultureInfo.InvariantCulture), problem.Detail, StringComparison.Ordinal);
        }
    }
}
