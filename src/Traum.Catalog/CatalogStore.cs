using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Traum.Core;

namespace Traum.Catalog;

/// <summary>
/// The SQLite provider of the catalog ports (<see cref="ICatalog"/>): every record of a library in one SQLite
/// database (WAL journal, foreign keys on, busy timeout), migrated to the newest schema on open. One partial file per
/// aggregate (tracks, stems, descriptors, embeddings, profiles, models, jobs, changes, analysis). Safe to use from many threads and processes at once: each call opens a
/// pooled connection, and every write is one IMMEDIATE transaction. Calls are short and synchronous (SQLite does
/// its I/O synchronously anyway).
/// </summary>
public sealed partial class CatalogStore : ICatalog
{
    private readonly string _connectionString;
    private readonly TimeProvider _time;

    private CatalogStore(string path, TimeProvider time)
    {
        DatabasePath = path;
        _time = time;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            ForeignKeys = true,
            DefaultTimeout = 30,
            Pooling = true,
        }.ToString();
    }

    private const int SqliteConstraintUnique = 2067; // SQLITE_CONSTRAINT_UNIQUE

    /// <summary>Busy timeout for a locked database, in milliseconds.</summary>
    public const int BusyTimeoutMs = 15000;

    /// <summary>The schema version this build writes.</summary>
    public static int LatestSchemaVersion => Schema.Migrations.Count;

    /// <summary>Absolute path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>Raised (on the writing thread) after each committed write that changed stems or their analysis.</summary>
    public event EventHandler<CatalogChangedEventArgs>? Changed;

    /// <summary>Opens (creating if needed) the catalog at <paramref name="path"/> and migrates it to the newest schema.</summary>
    /// <exception cref="TraumException">The file is not a Traum catalog, or it was made by a newer Traum.</exception>
    public static CatalogStore Open(string path, TimeProvider? time = null) => Open(path, Schema.Migrations, time);

    /// <summary>Opens with an explicit migration list (tests use a prefix of it to make "older" catalogs).</summary>
    internal static CatalogStore Open(string path, IReadOnlyList<string> migrations, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var store = new CatalogStore(Path.GetFullPath(path), time ?? TimeProvider.System);
        try
        {
            store.Migrate(migrations);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 13 || StorageFullException.IsDiskFull(e)) // SQLITE_FULL
        {
            store.Dispose();
            throw StorageFullException.For(path, e);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26) // SQLITE_CORRUPT, SQLITE_NOTADB
        {
            store.Dispose();
            throw new TraumException($"{path}: the catalog is damaged or not a Traum catalog ({e.Message}). Run 'traum doctor'; if it cannot read the file either, move it aside and re-ingest the library.", e);
        }
        catch (SqliteException e)
        {
            store.Dispose();
            throw new TraumException($"{path}: cannot open the catalog ({e.Message}). Check that the folder is readable and writable and that no other program holds it locked.", e);
        }
        catch
        {
            store.Dispose();
            throw;
        }
        return store;
    }

    /// <summary>The schema version of the open database.</summary>
    public int SchemaVersion
    {
        get
        {
            using var c = Connect();
            return ReadVersion(c);
        }
    }

    /// <summary>Runs SQLite's integrity check; returns its complaints (empty when the database is sound).</summary>
    public IReadOnlyList<string> IntegrityCheck()
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "PRAGMA quick_check;");
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read())
        {
            var line = r.GetString(0);
            if (line != "ok") list.Add(line);
        }
        using var fk = Cmd(c, null, "PRAGMA foreign_key_check;");
        using var fr = fk.ExecuteReader();
        while (fr.Read()) list.Add($"foreign key broken: {fr.GetString(0)} row {fr.GetValue(1)} → {fr.GetString(2)}");
        return list;
    }

    private void Migrate(IReadOnlyList<string> migrations)
    {
        using var c = Connect();
        // Reads first, so that opening an up-to-date catalog writes nothing (it works on a full disk).
        using (var mode = Cmd(c, null, "PRAGMA journal_mode;"))
        {
            if (!string.Equals(mode.ExecuteScalar() as string, "wal", StringComparison.OrdinalIgnoreCase)) Exec(c, null, "PRAGMA journal_mode=WAL;");
        }
        using (var has = Cmd(c, null, "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version');"))
        {
            if (Convert.ToInt64(has.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
            {
                Exec(c, null, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);");
            }
        }
        var current = ReadVersion(c);
        if (current > Schema.Migrations.Count)
        {
            throw new TraumException(
                $"{DatabasePath}: this library was written by a newer Traum (schema {current}; this build knows up to {Schema.Migrations.Count}). Update Traum to open it.");
        }
        for (var v = current; v < migrations.Count; v++)
        {
            using var tx = c.BeginTransaction();
            if (ReadVersion(c, tx) != v) { tx.Rollback(); v = ReadVersion(c) - 1; continue; } // another process migrated meanwhile
            Exec(c, tx, migrations[v]);
            Exec(c, tx, "INSERT INTO schema_version (version, applied_at) VALUES ($v, $t);", ("$v", v + 1), ("$t", Now()));
            tx.Commit();
        }
    }

    private static int ReadVersion(SqliteConnection c, SqliteTransaction? tx = null)
    {
        using var cmd = Cmd(c, tx, "SELECT COALESCE(MAX(version), 0) FROM schema_version;");
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    // ───────────────────────────── plumbing ─────────────────────────────

    internal SqliteConnection Connect()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        Exec(c, null, $"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = NORMAL;");
        return c;
    }

    internal static SqliteCommand Cmd(SqliteConnection c, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] ps)
    {
        var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in ps) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    internal static void Exec(SqliteConnection c, SqliteTransaction? tx, string sql, params (string, object?)[] ps)
    {
        using var cmd = Cmd(c, tx, sql, ps);
        cmd.ExecuteNonQuery();
    }

    private static void ExecuteForStem(SqliteCommand cmd, long stemId)
    {
        try
        {
            cmd.ExecuteNonQuery();
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw NoStem(stemId);
        }
    }

    internal string Now() => FormatTime(_time.GetUtcNow());

    internal static string FormatTime(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    internal static DateTimeOffset ParseTime(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static string Norm(string s) => s.Trim().ToLowerInvariant();

    internal static string OriginText(StemOrigin o) => o switch
    {
        StemOrigin.Separated => "separated",
        StemOrigin.Imported => "imported",
        StemOrigin.Generated => "generated",
        _ => throw new ArgumentOutOfRangeException(nameof(o), o, null),
    };

    internal static StemOrigin ParseOrigin(string s) => s switch
    {
        "separated" => StemOrigin.Separated,
        "generated" => StemOrigin.Generated,
        _ => StemOrigin.Imported,
    };

    private static byte[] ToBlob(float[] v)
    {
        var bytes = MemoryMarshal.AsBytes(v.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Embeddings are stored as little-endian float32.");
        return bytes;
    }

    private static float[] FromBlob(byte[] blob)
    {
        var v = new float[blob.Length / 4];
        blob.AsSpan(0, v.Length * 4).CopyTo(MemoryMarshal.AsBytes(v.AsSpan()));
        return v;
    }

    /// <summary>Releases pooled connections so the database file can be moved or deleted.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _vectors, null)?.Dispose();
        using var c = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(c);
    }
}
