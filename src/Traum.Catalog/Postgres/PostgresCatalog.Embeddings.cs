using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Pgvector;
using Traum.Core;

namespace Traum.Catalog.Postgres;

/// <summary>
/// Embeddings in pgvector columns (<see cref="IEmbeddingStore"/>). Each embedding model has a row in
/// <c>embedding_models</c> fixing its dimension (a vector of another dimension is refused) and, up to pgvector's 2000
/// dimensions, a partial HNSW cosine index over its rows (<c>vector::vector(n)</c> where <c>model_id</c> is the model).
/// </summary>
internal sealed partial class PostgresCatalog
{
    /// <summary>pgvector's largest dimension for an HNSW index on <c>vector</c>; larger models are searched exactly.</summary>
    internal const int MaxIndexedDimension = 2000;

    /// <inheritdoc/>
    public void SetEmbedding(long stemId, Embedding embedding)
    {
        CheckEmbedding(embedding);
        using var c = Connect();
        using var tx = BeginLogged(c);
        RequireStem(c, tx, stemId);
        var change = WriteEmbedding(c, tx, stemId, embedding);
        tx.Commit();
        Raise(change);
    }

    private static void CheckEmbedding(Embedding embedding)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        if (embedding.Dimension == 0) throw new InvalidInputException("An embedding must have at least one dimension.");
        if (embedding.Vector.Any(x => !float.IsFinite(x))) throw new InvalidInputException($"An embedding of '{embedding.ModelId}' holds a value that is not a finite number.");
    }

    private CatalogChange WriteEmbedding(NpgsqlConnection c, NpgsqlTransaction tx, long stemId, Embedding embedding)
    {
        EnsureEmbeddingModel(c, tx, embedding.ModelId, embedding.Dimension);
        using (var cmd = Cmd(c, tx,
            "INSERT INTO embeddings (stem_id, model_id, vector, created_at) VALUES (@id, @m, @v, @t) ON CONFLICT (stem_id, model_id) DO UPDATE SET vector = EXCLUDED.vector, created_at = EXCLUDED.created_at;",
            ("id", stemId), ("m", embedding.ModelId), ("v", new Vector(embedding.Vector)), ("t", Now())))
        {
            ExecuteForStem(cmd, stemId);
        }
        return LogChange(c, tx, CatalogChangeKind.EmbeddingSet, stemId, embedding.ModelId);
    }

    /// <summary>Registers a new embedding model with its dimension and index, or checks the dimension of a known one.</summary>
    private void EnsureEmbeddingModel(NpgsqlConnection c, NpgsqlTransaction tx, string modelId, int dimension)
    {
        var index = dimension <= MaxIndexedDimension ? IndexName(modelId) : null;
        using (var ins = Cmd(c, tx,
            "INSERT INTO embedding_models (model_id, dimension, index_name, created_at) VALUES (@m, @d, @i, @t) ON CONFLICT (model_id) DO NOTHING RETURNING model_id;",
            ("m", modelId), ("d", dimension), ("i", index), ("t", Now())))
        {
            if (ins.ExecuteScalar() is not null)
            {
                if (index is not null) Exec(c, tx, IndexDdl(modelId, dimension, index, IndexSettings));
                return;
            }
        }
        using var cmd = Cmd(c, tx, "SELECT dimension FROM embedding_models WHERE model_id = @m;", ("m", modelId));
        var known = Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        if (known != dimension)
        {
            throw new InvalidInputException($"Embeddings of '{modelId}' have {known} dimensions in this catalog, and this one has {dimension}; a model id names one vector space, so give a changed model a new id.");
        }
    }

    /// <summary>The name of the HNSW index of <paramref name="modelId"/> (a hash, since model ids may hold any character).</summary>
    internal static string IndexName(string modelId) =>
        "ix_embeddings_hnsw_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(modelId)))[..16];

    internal static string IndexDdl(string modelId, int dimension, string indexName, PostgresIndexSettings? settings = null)
    {
        var s = settings ?? new PostgresIndexSettings();
        var inv = CultureInfo.InvariantCulture;
        return $"CREATE INDEX IF NOT EXISTS {indexName} ON embeddings USING hnsw ((vector::vector({dimension.ToString(inv)})) vector_cosine_ops) " +
            $"WITH (m = {s.M.ToString(inv)}, ef_construction = {s.EfConstruction.ToString(inv)}) WHERE model_id = {Literal(modelId)};";
    }

    /// <summary>How this catalog builds new HNSW indexes (from the catalog URL; an existing index keeps what it was built with).</summary>
    internal PostgresIndexSettings IndexSettings { get; init; } = new();

    /// <summary>A SQL string literal (for DDL and index predicates, which take no parameters).</summary>
    internal static string Literal(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <inheritdoc/>
    public Embedding? GetEmbedding(long stemId, string modelId)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT vector FROM embeddings WHERE stem_id = @id AND model_id = @m;", ("id", stemId), ("m", modelId));
        return cmd.ExecuteScalar() is Vector v ? new Embedding(modelId, v.ToArray()) : null;
    }

    /// <inheritdoc/>
    public IEnumerable<StemVector> GetEmbeddings(string modelId)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT stem_id, vector FROM embeddings WHERE model_id = @m ORDER BY stem_id;", ("m", modelId));
        using var r = cmd.ExecuteReader();
        while (r.Read()) yield return new StemVector(r.GetInt64(0), r.GetFieldValue<Vector>(1).ToArray());
    }

    /// <inheritdoc/>
    public int CountEmbeddings(string modelId)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT COUNT(*) FROM embeddings WHERE model_id = @m;", ("m", modelId));
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public IReadOnlyList<long> StemsWithoutEmbedding(string modelId) =>
        Ids("SELECT s.id FROM stems s WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.stem_id = s.id AND e.model_id = @m) ORDER BY s.id;", ("m", modelId));
}
