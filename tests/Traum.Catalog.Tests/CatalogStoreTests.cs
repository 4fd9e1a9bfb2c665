using Microsoft.Data.Sqlite;
using Traum.Core;
using Traum.TestKit;
using static Traum.Catalog.Tests.CatalogFixtures;

namespace Traum.Catalog.Tests;

/// <summary>What only the SQLite provider has: its file's PRAGMAs and the process-liveness check of job owners. The behaviour
/// every provider shares is in <see cref="Contract.CatalogContractTests"/>.</summary>
public sealed class CatalogStoreTests : IDisposable
{
    private readonly TempDir _dir = new("catalog");
    private readonly CatalogStore _store;

    public CatalogStoreTests() => _store = CatalogStore.Open(_dir.File("catalog.db"));

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    private string Pragma(string name)
    {
        using var c = new SqliteConnection($"Data Source={_store.DatabasePath};Foreign Keys=True");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"PRAGMA {name};";
        return Convert.ToString(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    [Fact]
    public void Open_NewFile_UsesWalAndLatestSchema()
    {
        Assert.Equal("wal", Pragma("journal_mode"));
        Assert.Equal(CatalogStore.LatestSchemaVersion, _store.SchemaVersion);
        Assert.True(CatalogStore.LatestSchemaVersion >= 2);
    }

    [Fact]
    public void Connect_Always_HasForeignKeysOnAndBusyTimeout()
    {
        using var c = _store.Connect();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA foreign_keys;";
        Assert.Equal(1L, cmd.ExecuteScalar());
        cmd.CommandText = "PRAGMA busy_timeout;";
        Assert.Equal((long)CatalogStore.BusyTimeoutMs, cmd.ExecuteScalar());
    }


    [Fact]
    public void MarkInterruptedJobs_DeadOwner_MarksOnlyThatJob()
    {
        var mine = _store.CreateJob("train");
        _store.StartJob(mine.Id);
        var dead = _store.CreateJob("ingest");
        _store.StartJob(dead.Id);
        // A process that no longer exists: a pid beyond the kernel's maximum.
        using (var c = _store.Connect())
        {
            CatalogStore.Exec(c, null, "UPDATE jobs SET owner = $o WHERE id = $id;", ("$o", $"{Environment.MachineName}:{int.MaxValue - 1}:12345"), ("$id", dead.Id));
        }
        Assert.Equal(new[] { dead.Id }, _store.FindInterruptedJobs().Select(j => j.Id));
        var marked = _store.MarkInterruptedJobs();
        Assert.Equal(new[] { dead.Id }, marked.Select(j => j.Id));
        Assert.Equal(JobState.Interrupted, _store.GetJob(dead.Id)!.State);
        Assert.NotNull(_store.GetJob(dead.Id)!.Error);
        Assert.Equal(JobState.Running, _store.GetJob(mine.Id)!.State);
    }
}
