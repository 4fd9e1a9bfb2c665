using System.Text.Json;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.TestKit;
using Traum.TestKit.Postgres;
using Xunit;

[assembly: AssemblyFixture(typeof(PostgresCluster))]

namespace Traum.Cli.Tests.Commands;

/// <summary>The command line over a PostgreSQL catalog (<c>--catalog URL --store DIR</c>) on a real cluster.</summary>
[Collection("Console")]
public sealed class PostgresCliTests(PostgresCluster cluster) : IDisposable
{
    private readonly TempDir _dir = new("cli-pg");
    private readonly List<string> _databases = [];

    public void Dispose()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        foreach (var db in _databases) cluster.DropDatabase(db);
        _dir.Dispose();
    }

    private string NewCatalog()
    {
        var db = cluster.CreateEmptyDatabase();
        _databases.Add(db);
        return cluster.Url(db);
    }

    private static void Write(string path, double hz, double seconds)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AudioFile.Write(path, new AudioBuffer([Signals.Sine(hz, seconds, 44100)], 44100), new AudioWriteOptions(SampleFormat.Pcm16));
    }

    [Fact]
    public async Task MigrateIngestListAndSimilar_OnAPostgresCatalog_WorkAsOnSqlite()
    {
        var url = NewCatalog();
        var store = _dir.File("store");
        var migrated = await CatalogCli.RunAsync("catalog", "migrate", "--catalog", url, "--store", store, "--json");
        Assert.True(migrated.ExitCode == 0, migrated.Err);
        var info = JsonDocument.Parse(migrated.Out).RootElement;
        Assert.True(info.GetProperty("shared").GetBoolean());
        Assert.True(info.GetProperty("schemaVersion").GetInt32() >= 1);
        Assert.DoesNotContain(PostgresCluster.Password, migrated.Out, StringComparison.Ordinal);

        var samples = _dir.File("samples");
        Write(Path.Combine(samples, "low.wav"), 60, 0.5);
        Write(Path.Combine(samples, "mid.wav"), 440, 0.5);
        Write(Path.Combine(samples, "high.wav"), 3000, 0.5);
        var ingest = await CatalogCli.RunAsync("ingest", samples, "--catalog", url, "--store", store);
        Assert.True(ingest.ExitCode == 0, ingest.Err);
        Assert.Contains("Added 3 stem(s)", ingest.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(store, "catalog.db")));
        Assert.Equal(3, Directory.EnumerateFiles(Path.Combine(store, "stems"), "*.wav", SearchOption.AllDirectories).Count());

        var list = await CatalogCli.RunAsync("stems", "list", "--json", "--catalog", url, "--store", store, "--sort", "name");
        Assert.True(list.ExitCode == 0, list.Err);
        var names = JsonDocument.Parse(list.Out).RootElement.EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Equal(["high", "low", "mid"], names);

        // Query by example runs through the catalog's vector search (SQL on PostgreSQL): the file itself is its nearest stem.
        var similar = await CatalogCli.RunAsync("similar", Path.Combine(samples, "mid.wav"), "-k", "3", "--json", "--catalog", url, "--store", store);
        Assert.True(similar.ExitCode == 0, similar.Err);
        var hits = JsonDocument.Parse(similar.Out).RootElement.GetProperty("hits").EnumerateArray().ToList();
        Assert.Equal(3, hits.Count);
        Assert.Equal("mid", hits[0].GetProperty("name").GetString());
        Assert.Equal(1.0, hits[0].GetProperty("score").GetDouble(), 1e-4);
    }

    [Fact]
    public async Task CatalogIndex_NamesAnIndexBuiltWithOtherSettings_AndRebuildsIt()
    {
        // A catalog whose indexes were built with pgvector's defaults (as Traum once did), opened by a build that wants 32 / 128.
        var url = NewCatalog();
        var store = _dir.File("store");
        var samples = _dir.File("samples");
        Write(Path.Combine(samples, "low.wav"), 60, 0.5);
        Write(Path.Combine(samples, "mid.wav"), 440, 0.5);
        var ingest = await CatalogCli.RunAsync("ingest", samples, "--catalog", url + "?hnsw_m=16&hnsw_ef_construction=64", "--store", store);
        Assert.True(ingest.ExitCode == 0, ingest.Err);

        var migrate = await CatalogCli.RunAsync("catalog", "migrate", "--catalog", url, "--store", store);
        Assert.True(migrate.ExitCode == 0, migrate.Err);
        Assert.Contains("was built with m 16, ef_construction 64; this catalog builds m 32, ef_construction 128", migrate.Err, StringComparison.Ordinal);
        Assert.Contains("traum catalog index --rebuild", migrate.Err, StringComparison.Ordinal);

        var doctor = await CatalogCli.RunAsync("doctor", "--catalog", url, "--store", store);
        Assert.Contains("was built with m 16, ef_construction 64", doctor.Err, StringComparison.Ordinal);

        var before = await CatalogCli.RunAsync("catalog", "index", "--json", "--catalog", url, "--store", store);
        Assert.True(before.ExitCode == 0, before.Err);
        var model = Assert.Single(JsonDocument.Parse(before.Out).RootElement.EnumerateArray());
        Assert.Equal(16, model.GetProperty("m").GetInt32());
        Assert.Equal(2, model.GetProperty("vectors").GetInt64());
        Assert.True(model.GetProperty("needsRebuild").GetBoolean());

        var rebuild = await CatalogCli.RunAsync("catalog", "index", "--rebuild", "--catalog", url, "--store", store);
        Assert.True(rebuild.ExitCode == 0, rebuild.Err);
        Assert.Contains("Rebuilt the vector index of", rebuild.Out, StringComparison.Ordinal);
        Assert.Contains("current", rebuild.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("note:", rebuild.Err, StringComparison.Ordinal);

        var after = JsonDocument.Parse((await CatalogCli.RunAsync("catalog", "index", "--json", "--catalog", url, "--store", store)).Out).RootElement;
        var rebuilt = Assert.Single(after.EnumerateArray());
        Assert.Equal(32, rebuilt.GetProperty("m").GetInt32());
        Assert.Equal(128, rebuilt.GetProperty("efConstruction").GetInt32());
        Assert.False(rebuilt.GetProperty("needsRebuild").GetBoolean());
        Assert.Equal(model.GetProperty("index").GetString(), rebuilt.GetProperty("index").GetString());

        var missing = await CatalogCli.RunAsync("catalog", "index", "--model", "no:such", "--catalog", url, "--store", store);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("no embeddings of 'no:such'", missing.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatalogIndex_OnSqlite_SaysThereIsNoneAndWhy()
    {
        var library = _dir.File("lib");
        var samples = _dir.File("samples");
        Write(Path.Combine(samples, "one.wav"), 440, 0.5);
        Assert.Equal(0, (await CatalogCli.RunAsync("ingest", samples, "--library", library)).ExitCode);
        var r = await CatalogCli.RunAsync("catalog", "index", "--library", library);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("keeps no vector index of its own", r.Err, StringComparison.Ordinal);
        Assert.Contains("for PostgreSQL catalogs", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_UnknownLane_FailsNamingTheLanes()
    {
        var r = await CatalogCli.RunAsync("worker", "--lanes", "ingest,separation", "--catalog", NewCatalog(), "--store", _dir.File("store"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("There is no lane 'separation'; the lanes are separate, train, generate, ingest, other.", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCommand_UnreachableCatalog_FailsWithOneLineSayingWhatToCheck()
    {
        var r = await CatalogCli.RunAsync("stems", "list", "--catalog", "postgresql://traum:hidden@127.0.0.1:1/traum?Timeout=3", "--store", _dir.File("store"));
        Assert.Equal(1, r.ExitCode);
        var line = r.Err.Trim();
        Assert.DoesNotContain('\n', line);
        Assert.Contains("Cannot reach PostgreSQL at traum@127.0.0.1:1/traum", line, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCommand_CatalogOfANewerTraum_RefusesNamingTheVersions()
    {
        var url = NewCatalog();
        var store = _dir.File("store");
        Assert.Equal(0, (await CatalogCli.RunAsync("catalog", "migrate", "--catalog", url, "--store", store)).ExitCode);
        cluster.Admin("INSERT INTO traum_schema_version (version, applied_at) VALUES (99, now());", url[(url.LastIndexOf('/') + 1)..]);
        Npgsql.NpgsqlConnection.ClearAllPools();
        var r = await CatalogCli.RunAsync("stems", "list", "--catalog", url, "--store", store);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("schema version 99", r.Err, StringComparison.Ordinal);
        Assert.Contains("update Traum", r.Err, StringComparison.Ordinal);
    }
}
