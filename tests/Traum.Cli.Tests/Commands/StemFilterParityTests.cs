using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Engine;
using Traum.Server;
using Traum.TestKit;
using Xunit;

namespace Traum.Cli.Tests.Commands;

/// <summary><c>traum stems list</c> and <c>GET /api/stems</c> read one filter vocabulary: the same words give the same stems in the same order.</summary>
[Collection("Console")]
public sealed class StemFilterParityTests : IDisposable
{
    private readonly TempDir _dir = new("cli-parity");

    public void Dispose() => _dir.Dispose();

    private string Lib => _dir.File("lib");

    /// <summary>Files whose names state tempo and key (filters read those first); lengths grow with the index.</summary>
    private static readonly string[] Names =
    [
        "Drums/Loop 124 BPM", "Drums/Loop 124.4 BPM", "Drums/Loop 124.6 BPM", "Drums/Loop 62 BPM", "Drums/Loop 248 BPM",
        "Bass/Am Bass 124 BPM", "Bass/Cmaj Bass 90 BPM", "Bass/Bm Bass 128 BPM", "Keys/Em Keys", "Keys/Dusty Keys Gm 124 BPM",
    ];

    private void Write()
    {
        for (var i = 0; i < Names.Length; i++)
        {
            var path = Path.Combine(_dir.File("samples"), Names[i] + ".wav");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AudioFile.Write(path, new AudioBuffer([Signals.Sine(110 + (20 * i), 0.4 + (0.2 * i), 22050)], 22050), new AudioWriteOptions(SampleFormat.Pcm16));
        }
    }

    /// <summary>Each filter as the command line writes it and as the API's query string does.</summary>
    public static TheoryData<string[], string, string[]> Filters => new()
    {
        { ["--bpm", "124"], "bpm=124", ["Loop 124 BPM", "Loop 124.4 BPM", "Am Bass 124 BPM", "Dusty Keys Gm 124 BPM"] },
        { ["--bpm", "124", "--half-double"], "bpm=124&halfDouble=true", ["Loop 124 BPM", "Loop 124.4 BPM", "Loop 62 BPM", "Loop 248 BPM", "Am Bass 124 BPM", "Dusty Keys Gm 124 BPM"] },
        { ["--bpm", "100-130", "--category", "bass"], "bpm=100-130&category=bass", ["Am Bass 124 BPM", "Bm Bass 128 BPM"] },
        { ["--compatible", "Am", "--kind", "bass"], "compatible=Am&kind=bass", ["Am Bass 124 BPM", "Cmaj Bass 90 BPM"] },
        { ["--compatible", "8A", "--category", "keys"], "compatible=8A&category=keys", ["Em Keys"] },
        { ["--name", "keys", "--key", "Em"], "name=keys&key=Em", ["Em Keys"] },
        { ["--min-duration", "1.1", "--max-duration", "1.7"], "minDuration=1.1&maxDuration=1.7", ["Loop 248 BPM", "Am Bass 124 BPM", "Cmaj Bass 90 BPM"] },
        { ["--origin", "imported", "--category", "keys"], "origin=imported&category=keys", ["Em Keys", "Dusty Keys Gm 124 BPM"] },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task StemsListAndApi_SameFilter_SameStemsInTheSameOrder(string[] cliFilter, string apiFilter, string[] expected)
    {
        Write();
        var ingest = await CatalogCli.RunAsync("ingest", _dir.File("samples"), "-r", "--library", Lib);
        Assert.True(ingest.ExitCode == 0, ingest.Err);

        foreach (var (sort, desc) in new[] { ("bpm", false), ("name", true), ("length", false) })
        {
            string[] cliArgs = ["stems", "list", .. cliFilter, "--sort", sort, .. desc ? new[] { "--desc" } : [], "--json", "--library", Lib];
            var cli = await CatalogCli.RunAsync(cliArgs);
            Assert.True(cli.ExitCode == 0, cli.Err);
            var cliNames = JsonDocument.Parse(cli.Out).RootElement.EnumerateArray().Select(s => s.GetProperty("name").GetString()!).ToList();

            var api = await ApiNamesAsync($"{apiFilter}&sort={sort}{(desc ? "&desc=true" : "")}&limit=1000");
            Assert.Equal(cliNames, api);
            Assert.Equal(expected.Order(StringComparer.Ordinal), cliNames.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task StemsListAndApi_UnknownCategory_SameMessage()
    {
        Write();
        await CatalogCli.RunAsync("ingest", _dir.File("samples"), "-r", "--library", Lib);
        var cli = await CatalogCli.RunAsync("stems", "list", "--category", "kik", "--library", Lib);
        Assert.Equal(1, cli.ExitCode);
        await using var server = await StartServerAsync();
        using var r = await server.Client.GetAsync("/api/stems?category=kik", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var detail = JsonDocument.Parse(await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("detail").GetString()!;
        Assert.Equal("No category 'kik'; the categories in use are bass, drums, keys.", detail);
        Assert.Contains(detail, cli.Err, StringComparison.Ordinal);
    }

    private async Task<List<string>> ApiNamesAsync(string query)
    {
        await using var server = await StartServerAsync();
        var body = await server.Client.GetStringAsync("/api/stems?" + query, TestContext.Current.CancellationToken);
        return JsonDocument.Parse(body).RootElement.EnumerateArray().Select(s => s.GetProperty("stem").GetProperty("name").GetString()!).ToList();
    }

    private async Task<Server> StartServerAsync()
    {
        var context = TraumContext.ForLibrary(Lib, new Dictionary<string, string?> { ["models:root"] = _dir.File("models") });
        var app = TraumServer.Build([], context, new ServerOptions { Urls = "http://127.0.0.1:0" });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Server(app, new HttpClient { BaseAddress = new Uri(address) });
    }

    private sealed record Server(Microsoft.AspNetCore.Builder.WebApplication App, HttpClient Client) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await App.StopAsync(CancellationToken.None);
            await App.DisposeAsync();
        }
    }
}
