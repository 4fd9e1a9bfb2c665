using Microsoft.Extensions.DependencyInjection;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Search;
using Traum.TestKit;
using Traum.TestKit.Fixtures;
using SearchHit = Traum.Server.Services.SearchHit;

namespace Traum.Server.Tests.Api;

/// <summary>
/// The server answers text searches over a large library from the approximate graph (its default), with the same
/// hits and exact scores as the exact scan, and keeps the graph in the library so a restart does not build it again.
/// </summary>
public sealed class SearchGraphApiTests
{
    private static readonly string[] s_queries = ["deep sub bass", "crisp hi-hats", "airy female vocal", "dark ambient pad", "punchy kick"];

    private static Task<TestServerHost> StartAsync(string root, IReadOnlyDictionary<string, string?> settings) =>
        SearchApiTests.StartWithClapAsync(root, settings);

    /// <summary>Stems with unit embeddings around a few centres, written straight into the catalog.</summary>
    private static void Fill(Library library, int count)
    {
        var rng = new Random(21);
        var centres = Enumerable.Range(0, 12).Select(_ => Unit(Enumerable.Range(0, ClapFixture.Dimension).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray())).ToArray();
        for (var i = 0; i < count; i++)
        {
            var stem = library.Catalog.AddStem(new NewStem
            {
                Name = $"synthetic {i}", Kind = StemKinds.Drums, Category = "loop", Origin = StemOrigin.Imported,
                FilePath = $"stems/synthetic/{i}.wav", ContentHash = $"{i:x64}", SampleRate = 44100, Channels = 1, Duration = 1,
            });
            var c = centres[i % centres.Length];
            library.Catalog.SetEmbedding(stem.Id, new Embedding(ClapFixture.ModelId, Unit(c.Select(x => x + (float)((rng.NextDouble() - 0.5) * 0.05)).ToArray())));
        }
    }

    private static float[] Unit(float[] v)
    {
        var n = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / n).ToArray();
    }

    [Fact]
    public async Task TextSearch_FromTheGraph_EqualsTheExactScan_AndTheGraphIsKeptInTheLibrary()
    {
        using var dir = new TempDir("graph-api");
        var settings = new Dictionary<string, string?> { ["search:index:graphMinimum"] = "200" };
        await using (var host = await StartAsync(dir.Path, settings))
        {
            Fill(host.App.Services.GetRequiredService<Library>(), 600);
            (await host.Client.GetAsync("/api/search?q=warm+up&k=10", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
            var search = host.App.Services.GetRequiredService<SearchService>();
            var index = search.IndexFor(ClapFixture.ModelId, ClapFixture.Dimension);
            await index.GraphBuild.WaitAsync(TestContext.Current.CancellationToken);
            Assert.True(index.HasGraph, index.GraphError ?? "the server built no graph");
            foreach (var q in s_queries)
            {
                var hits = await host.GetJsonAsync<List<SearchHit>>($"/api/search?q={Uri.EscapeDataString(q)}&k=10");
                var vector = search.Models.RequireText().EmbedText([q], TestContext.Current.CancellationToken)[0];
                var exact = index.SearchExact(vector, 10, cancellationToken: TestContext.Current.CancellationToken);
                Assert.Equal(exact.Select(h => h.Id), hits.Select(h => h.Stem.Stem.Id));
                Assert.Equal(exact.Select(h => Math.Round(h.Score, 5)), hits.Select(h => Math.Round(h.Score, 5)));
            }
        }
        Assert.True(File.Exists(Path.Combine(dir.Path, "library", "cache", "vectors", "clap_clap-fixture_fp32.usearch")), "the graph was not saved in the library's cache");

        // The next start takes the saved graph at once (no build), with a stem added meanwhile found by the graph.
        await using (var again = await StartAsync(dir.Path, settings))
        {
            var library = again.App.Services.GetRequiredService<Library>();
            var search = again.App.Services.GetRequiredService<SearchService>();
            var q = search.Models.RequireText().EmbedText(["deep sub bass"], TestContext.Current.CancellationToken)[0];
            var added = library.Catalog.AddStem(new NewStem
            {
                Name = "added", Kind = StemKinds.Bass, Category = "bass", Origin = StemOrigin.Imported,
                FilePath = "stems/added.wav", ContentHash = new string('f', 64), SampleRate = 44100, Channels = 1, Duration = 1,
            });
            library.Catalog.SetEmbedding(added.Id, new Embedding(ClapFixture.ModelId, q));
            var index = search.IndexFor(ClapFixture.ModelId, ClapFixture.Dimension);
            Assert.True(index.HasGraph, "the saved graph was not loaded");
            Assert.True(index.GraphBuild.IsCompleted);
            var hits = await again.GetJsonAsync<List<SearchHit>>("/api/search?q=deep+sub+bass&k=3");
            Assert.Equal(added.Id, hits[0].Stem.Stem.Id);
            Assert.Equal(1.0, hits[0].Score, 4);
        }
    }

    [Fact]
    public async Task Graph_Off_ByConfiguration_TheServerScans()
    {
        using var dir = new TempDir("graph-off");
        await using var host = await StartAsync(dir.Path, new Dictionary<string, string?> { ["search:index:graphMinimum"] = "200", ["search:index:graph"] = "false" });
        Fill(host.App.Services.GetRequiredService<Library>(), 300);
        var hits = await host.GetJsonAsync<List<SearchHit>>("/api/search?q=deep+bass&k=5");
        Assert.Equal(5, hits.Count);
        var index = host.App.Services.GetRequiredService<SearchService>().IndexFor(ClapFixture.ModelId, ClapFixture.Dimension);
        Assert.True(index.GraphBuild.IsCompleted);
        Assert.False(index.HasGraph);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "library", "cache", "vectors")));
    }
}
