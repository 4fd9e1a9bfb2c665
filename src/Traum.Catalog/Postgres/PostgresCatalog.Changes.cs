using Npgsql;

namespace Traum.Catalog.Postgres;

/// <summary>
/// The change log (<see cref="IChangeFeed"/>). Every transaction that logs entries holds one transaction advisory lock
/// from its start to its commit, so entries become visible in the order of their sequences and a reader that remembers the last
/// sequence it applied never skips one committed later with a smaller number.
/// </summary>
internal sealed partial class PostgresCatalog
{
    /// <inheritdoc/>
    public long ChangeSequence
    {
        get
        {
            using var c = Connect();
            using var cmd = Cmd(c, null, "SELECT COALESCE(MAX(seq), 0) FROM changes;");
            return (long)cmd.ExecuteScalar()!;
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<CatalogChange> GetChangesSince(long sequence, int limit = 100_000)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT seq, kind, stem_id, model_id, at FROM changes WHERE seq > @s ORDER BY seq LIMIT @l;", ("s", sequence), ("l", limit));
        using var r = cmd.ExecuteReader();
        var list = new List<CatalogChange>();
        while (r.Read())
        {
            list.Add(new CatalogChange(r.GetInt64(0), Enum.Parse<CatalogChangeKind>(r.GetString(1)), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetFieldValue<DateTimeOffset>(4)));
        }
        return list;
    }

    private CatalogChange LogChange(NpgsqlConnection c, NpgsqlTransaction tx, CatalogChangeKind kind, long stemId, string? modelId)
    {
        var now = Now();
        using var cmd = Cmd(c, tx, "INSERT INTO changes (kind, stem_id, model_id, at) VALUES (@k, @s, @m, @t) RETURNING seq;",
            ("k", kind.ToString()), ("s", stemId), ("m", modelId), ("t", now));
        return new CatalogChange((long)cmd.ExecuteScalar()!, kind, stemId, modelId, now);
    }

    /// <summary>
    /// Begins a transaction that will log changes, taking the change-log lock first (before any row lock, so writers
    /// never wait for each other in opposite orders).
    /// </summary>
    private static NpgsqlTransaction BeginLogged(NpgsqlConnection c)
    {
        var tx = c.BeginTransaction();
        Exec(c, tx, "SELECT pg_advisory_xact_lock(@k);", ("k", PostgresSchema.ChangeLogLock));
        return tx;
    }

    private void Raise(CatalogChange change)
    {
        ForgetVectorCounts();
        Changed?.Invoke(this, new CatalogChangedEventArgs([change]));
    }

    private void Raise(List<CatalogChange> changes)
    {
        if (changes.Count == 0) return;
        ForgetVectorCounts();
        Changed?.Invoke(this, new CatalogChangedEventArgs(changes));
    }
}
