using System.Net;
using System.Net.Http.Json;
using System.Text;
using Traum.Core;
using Traum.Server.Services;
using Traum.TestKit;

namespace Traum.Server.Tests.Api;

/// <summary>GET /api/stems with the shared filter vocabulary, PATCH /api/stems/{id}, and pages that do not exist.</summary>
public sealed class StemFilterApiTests
{
    /// <summary>Uploads short tones with these names (the tempo and key a name states are what filters read first).</summary>
    private static async Task<Dictionary<string, long>> UploadAsync(TestServerHost host, string kind, string category, params string[] names)
    {
        var parts = new List<(string, string, byte[])>();
        for (var i = 0; i < names.Length; i++)
        {
            var path = host.WriteWav(names[i] + ".wav", Signals.Sine(220 + (10 * i), 0.5 + (0.25 * i), 8000, amplitude: 0.4), 8000);
            parts.Add(("file", names[i] + ".wav", await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken)));
        }
        using var r = await host.UploadAsync("/api/uploads/stems", parts, new Dictionary<string, string> { ["kind"] = kind, ["category"] = category });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var job = await host.WaitForJobAsync((await TestServerHost.ReadAsync<JobInfo>(r)).Id);
        Assert.True(job.State == JobState.Succeeded, job.Error);
        var all = await host.GetJsonAsync<List<StemDetail>>("/api/stems?limit=1000");
        return names.ToDictionary(n => n, n => all.Single(s => s.Stem.Name == n).Stem.Id);
    }

    private static async Task<List<string>> NamesAsync(TestServerHost host, string query) =>
        (await host.GetJsonAsync<List<StemDetail>>("/api/stems?" + query)).Select(s => s.Stem.Name).ToList();

    /// <summary>Upload names cannot carry decimal tempos (the part after a dot reads as an extension), so whole tempos here; the catalog and command-line tests cover 124.4 against 124.6.</summary>
    [Fact]
    public async Task ListStems_TempoRangeAndHalfDouble_FollowTheStatedTempos()
    {
        await using var host = await TestServerHost.StartAsync();
        await UploadAsync(host, "drums", "loop", "Loop 123 BPM", "Loop 124 BPM", "Loop 125 BPM", "Loop 62 BPM", "Loop 248 BPM", "Loop 250 BPM");
        Assert.Equal(["Loop 124 BPM"], await NamesAsync(host, "bpm=124"));
        Assert.Equal(["Loop 124 BPM", "Loop 248 BPM", "Loop 62 BPM"], (await NamesAsync(host, "bpm=124&halfDouble=true")).Order(StringComparer.Ordinal));
        Assert.Equal(["Loop 124 BPM", "Loop 125 BPM"], (await NamesAsync(host, "bpm=124-125")).Order(StringComparer.Ordinal));
        // Sorted by tempo as the filters read it; "desc" reverses.
        Assert.Equal(["Loop 62 BPM", "Loop 123 BPM", "Loop 124 BPM", "Loop 125 BPM", "Loop 248 BPM", "Loop 250 BPM"], await NamesAsync(host, "sort=bpm"));
        Assert.Equal(["Loop 250 BPM", "Loop 248 BPM"], await NamesAsync(host, "sort=tempo&desc=true&limit=2"));
    }

    /// <summary>Search by example (here: "more like" a stem, which needs no text model) reads tempo and keys as the listing does.</summary>
    [Fact]
    public async Task Similar_HalfDoubleAndCompatible_MatchTheListingsFilters()
    {
        await using var host = await TestServerHost.StartAsync();
        var ids = await UploadAsync(host, "drums", "loop", "Loop 124 BPM", "Loop 62 BPM", "Loop 248 BPM", "Loop 100 BPM", "Am Loop 124 BPM", "Bm Loop 124 BPM");
        async Task<List<string>> Similar(string query) =>
            (await host.GetJsonAsync<List<SearchHit>>($"/api/stems/{ids["Loop 100 BPM"]}/similar?k=50&" + query)).Select(h => h.Stem.Stem.Name).Order(StringComparer.Ordinal).ToList();

        Assert.Equal((await NamesAsync(host, "bpm=124")).Order(StringComparer.Ordinal), await Similar("bpm=124"));
        var halfDouble = await Similar("bpm=124&halfDouble=true");
        Assert.Equal(["Am Loop 124 BPM", "Bm Loop 124 BPM", "Loop 124 BPM", "Loop 248 BPM", "Loop 62 BPM"], halfDouble);
        Assert.Equal((await NamesAsync(host, "bpm=124&halfDouble=true")).Order(StringComparer.Ordinal), halfDouble);
        // Keys that mix with C major (8B): A minor is its relative; B minor is not.
        Assert.Equal(["Am Loop 124 BPM"], await Similar("compatible=C"));

        using var noTempo = await host.Client.GetAsync($"/api/stems/{ids["Loop 100 BPM"]}/similar?halfDouble=true", TestContext.Current.CancellationToken);
        Assert.Contains("needs a tempo", (await ProblemAssert.IsProblemAsync(noTempo, HttpStatusCode.BadRequest)).Detail, StringComparison.Ordinal);
        using var badKey = await host.Client.GetAsync("/api/search?q=kick&compatible=H", TestContext.Current.CancellationToken);
        Assert.Contains("is not a key", (await ProblemAssert.IsProblemAsync(badKey, HttpStatusCode.BadRequest)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListStems_NameShapeLengthAndKey_Filter()
    {
        await using var host = await TestServerHost.StartAsync();
        // Lengths are 0.5, 0.75, 1.0 and 1.25 s (see UploadAsync).
        await UploadAsync(host, "bass", "808", "Am Bass", "Cmaj Bass", "Bm Bass", "Em Pluck");
        Assert.Equal(["Am Bass", "Bm Bass", "Cmaj Bass"], (await NamesAsync(host, "name=bass")).Order(StringComparer.Ordinal));
        Assert.Equal(["Am Bass"], await NamesAsync(host, "key=Am"));
        // Keys that mix with A minor (8A): A minor, C major (8B), E minor (9A), D minor (7A); not B minor.
        Assert.Equal(["Am Bass", "Cmaj Bass", "Em Pluck"], (await NamesAsync(host, "compatible=8A")).Order(StringComparer.Ordinal));
        Assert.Equal(["Cmaj Bass", "Bm Bass"], await NamesAsync(host, "minDuration=0.7&maxDuration=1.1&sort=length"));
        var total = await host.Client.GetAsync("/api/stems?name=bass&limit=1", TestContext.Current.CancellationToken);
        Assert.Equal("3", Assert.Single(total.Headers.GetValues("X-Total-Count")));
    }

    [Fact]
    public async Task ListStems_UnknownKindOrCategory_400ListsTheKnownOnes()
    {
        await using var host = await TestServerHost.StartAsync();
        await UploadAsync(host, "fx", "riser", "Riser 1");
        using var kind = await host.Client.GetAsync("/api/stems?kind=drum", TestContext.Current.CancellationToken);
        var p = await ProblemAssert.IsProblemAsync(kind, HttpStatusCode.BadRequest);
        Assert.Contains("drums, bass, other, vocals, guitar, piano, fx", p.Detail, StringComparison.Ordinal);
        using var cat = await host.Client.GetAsync("/api/stems?category=kick", TestContext.Current.CancellationToken);
        p = await ProblemAssert.IsProblemAsync(cat, HttpStatusCode.BadRequest);
        Assert.Contains("riser", p.Detail, StringComparison.Ordinal);
        using var shape = await host.Client.GetAsync("/api/stems?shape=pad", TestContext.Current.CancellationToken);
        p = await ProblemAssert.IsProblemAsync(shape, HttpStatusCode.BadRequest);
        Assert.Contains("loop or one-shot", p.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_NameKindCategoryTags_ChangeTheStemAndItsListing()
    {
        await using var host = await TestServerHost.StartAsync();
        var id = (await UploadAsync(host, "other", "misc", "take 3"))["take 3"];
        using var r = await host.Client.PatchAsync($"/api/stems/{id}",
            JsonContent.Create(new { name = "  Kick Punchy  ", kind = "Drums", category = "Kick", tags = new[] { "dusty", "Dusty", "warm" } }), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var stem = (await host.GetJsonAsync<StemDetail>($"/api/stems/{id}")).Stem;
        Assert.Equal(("Kick Punchy", "drums", "kick"), (stem.Name, stem.Kind, stem.Category));
        Assert.Equal(["dusty", "warm"], stem.Tags.Order(StringComparer.Ordinal));
        Assert.Equal(["Kick Punchy"], await NamesAsync(host, "kind=drums&category=kick&tag=warm"));

        // Marks: a favourite with 4 stars, found by the marks filters.
        using var marks = await host.Client.PatchAsync($"/api/stems/{id}", JsonContent.Create(new { favourite = true, rating = 4 }), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, marks.StatusCode);
        Assert.Equal(["Kick Punchy"], await NamesAsync(host, "favourite=true&minRating=4"));
        Assert.Empty(await NamesAsync(host, "minRating=5"));

        // Only the fields given change; tags [] clears them.
        using var r2 = await host.Client.PatchAsync($"/api/stems/{id}", JsonContent.Create(new { tags = Array.Empty<string>() }), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
        stem = (await host.GetJsonAsync<StemDetail>($"/api/stems/{id}")).Stem;
        Assert.Equal(("Kick Punchy", "drums", "kick"), (stem.Name, stem.Kind, stem.Category));
        Assert.Empty(stem.Tags);
    }

    [Theory]
    [InlineData("{}", "Nothing to change")]
    [InlineData("{\"name\": \"  \"}", "name is empty")]
    [InlineData("{\"kind\": \"\"}", "kind is empty")]
    [InlineData("{\"category\": \"a\\nb\"}", "control characters")]
    [InlineData("{\"tags\": [\"ok\", \"\"]}", "Tag 2 is empty")]
    [InlineData("null", "Send the changes as JSON")]
    [InlineData("{\"rating\": 6}", "1 to 5 stars")]
    public async Task Patch_BadBody_400SaysWhatIsWrong(string body, string expected)
    {
        await using var host = await TestServerHost.StartAsync();
        var id = (await UploadAsync(host, "other", "misc", "take 1"))["take 1"];
        using var r = await host.Client.PatchAsync($"/api/stems/{id}", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var p = await ProblemAssert.IsProblemAsync(r, HttpStatusCode.BadRequest);
        Assert.Contains(expected, p.Detail, StringComparison.Ordinal);
        Assert.Equal("take 1", (await host.GetJsonAsync<StemDetail>($"/api/stems/{id}")).Stem.Name);
    }

    [Fact]
    public async Task Patch_TooLongName_400WithTheLimit()
    {
        await using var host = await TestServerHost.StartAsync();
        var id = (await UploadAsync(host, "other", "misc", "take 1"))["take 1"];
        using var r = await host.Client.PatchAsync($"/api/stems/{id}", JsonContent.Create(new { name = new string('x', 201) }), TestContext.Current.CancellationToken);
        var p = await ProblemAssert.IsProblemAsync(r, HttpStatusCode.BadRequest);
        Assert.Contains("201 characters", p.Detail, StringComparison.Ordinal);
        Assert.Contains("at most 200", p.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_UnknownStem_404()
    {
        await using var host = await TestServerHost.StartAsync();
        using var r = await host.Client.PatchAsync("/api/stems/999", JsonContent.Create(new { name = "x" }), TestContext.Current.CancellationToken);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/nope")]
    [InlineData("/stems/12/whatever")]
    public async Task UnknownPage_IsAn404HtmlPage(string url)
    {
        await using var host = await TestServerHost.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/html");
        using var r = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("text/html", r.Content.Headers.ContentType?.MediaType);
        var html = await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("<h1>Not found</h1>", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/library\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownApiPath_StaysAProblem()
    {
        await using var host = await TestServerHost.StartAsync();
        using var r = await host.Client.GetAsync("/api/nothing-here", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.NotEqual("text/html", r.Content.Headers.ContentType?.MediaType);
    }
}
