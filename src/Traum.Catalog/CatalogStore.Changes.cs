using System.Globalization;
using Microsoft.Data.Sqlite;
using Traum.Core;

namespace Traum.Catalog;

/// <summary>The change log (<see cref="IChangeFeed"/>).</summary>
public sealed partial class CatalogStore
{
    /// <summary>The sequence number of the newest change (0 when there is none). Increases monotonically.</summary>
    public long ChangeSequence
    {
        get
        {
            using var c = Connect();
            using var cmd = Cmd(c, null, "SELECT COALESCE(MAX(seq), 0) FROM changes;");
            return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Changes after <paramref name="sequence"/>, oldest first, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<CatalogChange> GetChangesSince(long sequence, int limit = 100_000)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT seq, kind, stem_id, model_id, at FROM changes WHERE seq > $s ORDER BY seq LIMIT $l;", ("$s", sequence), ("$l", limit));
        using var r = cmd.ExecuteReader();
        var list = new List<CatalogChange>();
        while (r.Read())
        {
            list.Add(new CatalogChange(r.GetInt64(0), Enum.Parse<CatalogChangeKind>(r.GetString(1)), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetString(3), ParseTime(r.GetString(4))));
        }
        return list;
    }

    private CatalogChange LogChange(SqliteConnection c, SqliteTransaction tx, CatalogChangeKind kind, long stemId, string? modelId)
    {
        var now = Now();
        using var cmd = Cmd(c, tx, "INSERT INTO changes (kind, stem_id, model_id, at) VALUES ($k, $s, $m, $t) RETURNING seq;",
            ("$k", kind.ToString()), ("$s", stemId), ("$m", modelId), ("$t", now));
        return new CatalogChange((long)cmd.ExecuteScalar()!, kind, stemId, modelId, ParseTime(now));
    }

    private void Raise(CatalogChange change) => Changed?.Invoke(this, new CatalogChangedEventArgs([change]));

    private void Raise(List<CatalogChange> changes)
    {
        if (changes.Count > 0) Changed?.Invoke(this, new CatalogChangedEventArgs(changes));
    }
}
