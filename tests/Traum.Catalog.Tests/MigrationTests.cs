using Microsoft.Data.Sqlite;
using Traum.Core;
using Traum.TestKit;
using static Traum.Catalog.Tests.CatalogFixtures;

namespace Traum.Catalog.Tests;

public sealed class MigrationTests
{
    [Fact]
    public void Open_CatalogMadeByVersion1_MigratesAndKeepsData()
    {
        using var dir = new TempDir("migrate");
        var path = dir.File("catalog.db");
        long id;
        using (var old = CatalogStore.Open(path, Schema.Migrations.Take(1).ToList()))
        {
            Assert.Equal(1, old.SchemaVersion);
            // Version 1 has no change log yet, so write the row the way a version-1 build did.
            using var c = old.Connect();
            CatalogStore.Exec(c, null,
                "INSERT INTO stems (name, kind, category, origin, file_path, content_hash, sample_rate, channels, duration, created_at) VALUES ('old', 'bass', '808', 'imported', 'stems/x.wav', $h, 48000, 1, 2.5, '2024-01-02T03:04:05.0000000Z');",
                ("$h", Hash(1)));
            CatalogStore.Exec(c, null, "INSERT INTO jobs (id, kind, state, progress, created_at) VALUES ('j1', 'ingest', 'Running', 0.3, '2024-01-02T03:04:05.0000000Z');");
            id = (long)new SqliteCommand("SELECT id FROM stems;", c).ExecuteScalar()!;
        }
        using var store = CatalogStore.Open(path);
        Assert.Equal(CatalogStore.LatestSchemaVersion, store.SchemaVersion);
        var stem = store.GetStem(id)!;
        Assert.Equal("old", stem.Name);
        Assert.Equal("808", stem.Category);
        Assert.Equal(48000, stem.SampleRate);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), stem.CreatedAt);
        // Version 2 features work on the migrated file: the change log, and job ownership (a job without owner is interrupted).
        store.AddTags(id, ["kept"]);
        Assert.Single(store.GetChangesSince(0));
        Assert.Equal(new[] { "j1" }, store.MarkInterruptedJobs().Select(j => j.Id));
    }

    [Fact]
    public void Open_Twice_AppliesEachMigrationOnce()
    {
        using var dir = new TempDir("migrate");
        var path = dir.File("catalog.db");
        using (CatalogStore.Open(path)) { }
        using var store = CatalogStore.Open(path);
        using var c = store.Connect();
        var rows = Convert.ToInt64(new SqliteCommand("SELECT COUNT(*) FROM schema_version;", c).ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(CatalogStore.LatestSchemaVersion, rows);
    }

    [Fact]
    public void Open_CatalogFromNewerBuild_RefusesWithClearMessage()
    {
        using var dir = new TempDir("migrate");
        var path = dir.File("catalog.db");
        using (var s = CatalogStore.Open(path))
        {
            using var c = s.Connect();
            CatalogStore.Exec(c, null, "INSERT INTO schema_version (version, applied_at) VALUES (999, 'x');");
        }
        var e = Assert.Throws<TraumException>(() => CatalogStore.Open(path));
        Assert.Contains("newer Traum", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FileThatIsNotADatabase_ThrowsTraumException()
    {
        using var dir = new TempDir("migrate");
        var path = dir.File("catalog.db");
        File.WriteAllText(path, "this is not sqlite, just text that is long enough to look like a header........................................");
        var e = Assert.Throws<TraumException>(() => CatalogStore.Open(path));
        Assert.Contains("catalog", e.Message, StringComparison.Ordinal);
    }
}
