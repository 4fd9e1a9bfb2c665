using System.Globalization;
using Microsoft.Data.Sqlite;
using Traum.Core;

namespace Traum.Catalog;

/// <summary>Embeddings, one per stem per model, and the reads the vector index loads from (<see cref="IEmbeddingStore"/>).</summary>
public sealed partial class CatalogStore
{
    /// <summary>Writes (or replaces) the stem's embedding for <see cref="Embedding.ModelId"/>; one per stem per model.</summary>
    public void SetEmbedding(long stemId, Embedding embedding)
    {
        CheckEmbedding(embedding);
        using var c = Connect();
        using var tx = c.BeginTransaction();
        var change = WriteEmbedding(c, tx, stemId, embedding);
        tx.Commit();
        Raise(change);
    }

    private static void CheckEmbedding(Embedding embedding)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        if (embedding.Dimension == 0) throw new InvalidInputException("An embedding must have at least one dimension.");
    }

    private CatalogChange WriteEmbedding(SqliteConnection c, SqliteTransaction tx, long stemId, Embedding embedding)
    {
        using var cmd = Cmd(c, tx,
            "INSERT OR REPLACE INTO embeddings (stem_id, model_id, dimension, vector, created_at) VALUES ($id, $m, $dim, $v, $t);",
            ("$id", stemId), ("$m", embedding.ModelId), ("$dim", embedding.Dimension), ("$v", ToBlob(embedding.Vector)), ("$t", Now()));
        ExecuteForStem(cmd, stemId);
        return LogChange(c, tx, CatalogChangeKind.EmbeddingSet, stemId, embedding.ModelId);
    }

    /// <summary>The stem's embedding from <paramref name="modelId"/>, or null.</summary>
    public Embedding? GetEmbedding(long stemId, string modelId)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT vector FROM embeddings WHERE stem_id = $id AND model_id = $m;", ("$id", stemId), ("$m", modelId));
        return cmd.ExecuteScalar() is byte[] blob ? new Embedding(modelId, FromBlob(blob)) : null;
    }

    /// <summary>
    /// Every embedding of <paramref name="modelId"/>, in stem id order, streamed (the connection stays open while
    /// enumerating). Use with <see cref="ChangeSequence"/> read before the call to catch up afterwards.
    /// </summary>
    public IEnumerable<StemVector> GetEmbeddings(string modelId)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT stem_id, vector FROM embeddings WHERE model_id = $m ORDER BY stem_id;", ("$m", modelId));
        using var r = cmd.ExecuteReader();
        while (r.Read()) yield return new StemVector(r.GetInt64(0), FromBlob((byte[])r.GetValue(1)));
    }

    /// <summary>How many stems have an embedding from <paramref name="modelId"/>.</summary>
    public int CountEmbeddings(string modelId)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT COUNT(*) FROM embeddings WHERE model_id = $m;", ("$m", modelId));
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Ids of stems that have no embedding from <paramref name="modelId"/>, in id order.</summary>
    public IReadOnlyList<long> StemsWithoutEmbedding(string modelId)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null,
            "SELECT s.id FROM stems s WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.stem_id = s.id AND e.model_id = $m) ORDER BY s.id;", ("$m", modelId));
        using var r = cmd.ExecuteReader();
        var list = new List<long>();
        while (r.Read()) list.Add(r.GetInt64(0));
        return list;
    }
}
