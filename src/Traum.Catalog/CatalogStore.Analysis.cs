using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Traum.Catalog;

/// <summary>One stem's analysis saved in one transaction, and what a stem already has (<see cref="IAnalysisStore"/>).</summary>
public sealed partial class CatalogStore
{
    /// <inheritdoc/>
    public void SaveAnalysis(long stemId, AnalysisResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        foreach (var e in results.Embeddings) CheckEmbedding(e);
        foreach (var p in results.Profiles) ArgumentNullException.ThrowIfNull(p);
        foreach (var f in results.Fingerprints) ArgumentNullException.ThrowIfNull(f);
        if (results.IsEmpty) return;
        using var c = Connect();
        using var tx = c.BeginTransaction();
        var changes = new List<CatalogChange>();
        if (results.Descriptors is { } d) changes.Add(WriteDescriptors(c, tx, stemId, d));
        foreach (var e in results.Embeddings) changes.Add(WriteEmbedding(c, tx, stemId, e));
        foreach (var p in results.Profiles) changes.Add(WriteProfile(c, tx, stemId, p));
        foreach (var f in results.Fingerprints) WriteFingerprint(c, tx, stemId, f.Algorithm, f.Duration, f.Items);
        tx.Commit();
        Raise(changes);
    }

    /// <inheritdoc/>
    public StoredAnalysis GetStoredAnalysis(long stemId)
    {
        using var c = Connect();
        bool hasDescriptors;
        using (var cmd = Cmd(c, null, "SELECT EXISTS (SELECT 1 FROM descriptors WHERE stem_id = $id);", ("$id", stemId)))
        {
            hasDescriptors = Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) != 0;
        }
        var embeddings = new Dictionary<string, float[]>(StringComparer.Ordinal);
        using (var cmd = Cmd(c, null, "SELECT model_id, vector FROM embeddings WHERE stem_id = $id;", ("$id", stemId)))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read()) embeddings[r.GetString(0)] = FromBlob((byte[])r.GetValue(1));
        }
        return new StoredAnalysis(hasDescriptors, embeddings,
            Strings(c, "SELECT model_id FROM profiles WHERE stem_id = $id;", stemId),
            Strings(c, "SELECT algorithm FROM fingerprints WHERE stem_id = $id;", stemId));
    }

    private static HashSet<string> Strings(SqliteConnection c, string sql, long stemId)
    {
        using var cmd = Cmd(c, null, sql, ("$id", stemId));
        using var r = cmd.ExecuteReader();
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (r.Read()) set.Add(r.GetString(0));
        return set;
    }
}
