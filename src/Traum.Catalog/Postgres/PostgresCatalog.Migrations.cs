using System.Globalization;
using Npgsql;
using Traum.Core;

namespace Traum.Catalog.Postgres;

/// <summary>Versioned migrations under a session advisory lock, and the pgvector extension they need.</summary>
internal sealed partial class PostgresCatalog
{
    /// <summary>The version the catalog was at before this process opened it.</summary>
    public int OpenedAtVersion { get; private set; }

    private void Migrate(IReadOnlyList<string> migrations)
    {
        using var c = Connect();
        try
        {
            // No command timeout while waiting for the lock or migrating: another process may be running a migration
            // that takes longer than the default 30 s (an index over a large catalog), and waiting for it is the point.
            Unbounded(c, null, "SELECT pg_advisory_lock(@k);", ("k", PostgresSchema.MigrationLock));
        }
        catch (PostgresException e)
        {
            throw new TraumException($"PostgreSQL at {Description}: {e.MessageText} ({e.SqlState}).", e);
        }
        try
        {
            EnsureVector(c);
            Exec(c, null, "CREATE TABLE IF NOT EXISTS traum_schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL);");
            var current = ReadVersion(c, null);
            OpenedAtVersion = current;
            if (current > PostgresSchema.Migrations.Count)
            {
                throw new TraumException(
                    $"The catalog at {Description} has schema version {current}, but this Traum supports versions up to {PostgresSchema.Migrations.Count}; update Traum on this machine (every process sharing a catalog needs a build that knows its schema).");
            }
            for (var v = current; v < migrations.Count; v++)
            {
                using var tx = c.BeginTransaction();
                Unbounded(c, tx, migrations[v]);
                Exec(c, tx, "INSERT INTO traum_schema_version (version, applied_at) VALUES (@v, @t);", ("v", v + 1), ("t", Now()));
                tx.Commit();
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new TraumException($"PostgreSQL at {Description}: user {c.UserName} may not create the catalog's tables ({e.MessageText}). Grant it CREATE on the database, or run 'traum catalog migrate' once as the database owner.", e);
        }
        finally
        {
            Exec(c, null, "SELECT pg_advisory_unlock(@k);", ("k", PostgresSchema.MigrationLock));
        }
    }

    /// <summary>Runs a statement with no command timeout (the lock wait and the migrations themselves).</summary>
    private static void Unbounded(NpgsqlConnection c, NpgsqlTransaction? tx, string sql, params (string, object?)[] ps)
    {
        using var cmd = Cmd(c, tx, sql, ps);
        cmd.CommandTimeout = 0;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Creates the pgvector extension when it is missing; says what to do when it cannot.</summary>
    private void EnsureVector(NpgsqlConnection c)
    {
        using (var has = Cmd(c, null, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector');"))
        {
            if ((bool)has.ExecuteScalar()!) return;
        }
        try
        {
            Exec(c, null, "CREATE EXTENSION IF NOT EXISTS vector;");
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedFile or "0A000" or PostgresErrorCodes.FeatureNotSupported)
        {
            throw new TraumException($"PostgreSQL at {Description} has no pgvector extension ({e.MessageText}). Install pgvector 0.8 on the server (Debian: apt-get install postgresql-17-pgvector) and open the catalog again.", e);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new TraumException($"PostgreSQL at {Description}: the pgvector extension is installed but not enabled in this database, and user {c.UserName} may not enable it. Ask a superuser to run: CREATE EXTENSION vector; in database {c.Database}.", e);
        }
        c.ReloadTypes();
    }

    private static int ReadVersion(NpgsqlConnection c, NpgsqlTransaction? tx)
    {
        using var cmd = Cmd(c, tx, "SELECT COALESCE(MAX(version), 0) FROM traum_schema_version;");
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
