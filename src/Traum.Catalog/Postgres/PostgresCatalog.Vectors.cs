using System.Globalization;
using Npgsql;
using Pgvector;
using Traum.Catalog.Vectors;
using Traum.Core;

namespace Traum.Catalog.Postgres;

/// <summary>
/// Vector search in SQL (<see cref="IVectorSearch"/>): cosine distance (<c>&lt;=&gt;</c>) ordered with the model's
/// HNSW index (approximate; iterative index scans keep filtered queries filled), or without it (exact scan). Filters
/// are WHERE clauses over the same stem criteria listings use.
/// </summary>
internal sealed partial class PostgresCatalog
{
    /// <summary>Candidates the HNSW search keeps (<c>hnsw.ef_search</c>) for k results: max(this, 2k), at most 1000.</summary>
    internal int EfSearch { get; set; } = 100;

    /// <inheritdoc/>
    public VectorSearchResult SearchVectors(VectorSearchRequest request, CancellationToken cancellationToken = default)
    {
        VectorSearchChecks.Check(request);
        using var c = Connect();
        int dimension;
        string? indexName;
        using (var m = Cmd(c, null, "SELECT dimension, index_name, (SELECT COUNT(*) FROM embeddings e WHERE e.model_id = @m) FROM embedding_models WHERE model_id = @m;", ("m", request.ModelId)))
        using (var r = m.ExecuteReader())
        {
            if (!r.Read()) return new VectorSearchResult([], 0);
            dimension = r.GetInt32(0);
            indexName = r.IsDBNull(1) ? null : r.GetString(1);
            var count = (int)r.GetInt64(2);
            if (count == 0) return new VectorSearchResult([], 0);
            r.Close();
            if (dimension != request.Vector.Length)
            {
                throw new InvalidInputException($"The query has {request.Vector.Length} values but the stored embeddings of '{request.ModelId}' have {dimension}; embed the query with the same model.");
            }
            return new VectorSearchResult(Nearest(c, request, dimension, exact: request.Exact || indexName is null, cancellationToken), count);
        }
    }

    private List<VectorMatch> Nearest(NpgsqlConnection c, VectorSearchRequest request, int dimension, bool exact, CancellationToken cancellationToken)
    {
        var (where, ps) = request.Filter is { } q && !VectorSearchChecks.IsUnfiltered(q) ? PostgresStemFilter.Build(q) : ("", new List<(string, object?)>());
        var clauses = new List<string> { $"e.model_id = {Literal(request.ModelId)}" };
        if (where.Length > 0) clauses.Add(where["WHERE ".Length..]);
        if (request.Exclude is { } self) { clauses.Add("e.stem_id <> @exclude"); ps.Add(("exclude", self)); }
        var dim = dimension.ToString(CultureInfo.InvariantCulture);
        // The index is over the expression vector::vector(n) of the model's rows: the approximate order names it, the exact one does not.
        var distance = exact ? "e.vector <=> @q" : $"e.vector::vector({dim}) <=> @q::vector({dim})";
        var join = where.Length > 0 ? "JOIN stems s ON s.id = e.stem_id LEFT JOIN descriptors d ON d.stem_id = s.id " : "";
        ps.Add(("q", new Vector(request.Vector)));
        ps.Add(("k", request.K));
        using var tx = c.BeginTransaction();
        if (!exact)
        {
            Exec(c, tx, "SELECT set_config('hnsw.ef_search', @ef, true), set_config('hnsw.iterative_scan', 'strict_order', true);",
                ("ef", Math.Clamp(Math.Max(EfSearch, 2 * request.K), 1, 1000).ToString(CultureInfo.InvariantCulture)));
        }
        else
        {
            Exec(c, tx, "SELECT set_config('enable_indexscan', 'off', true);");
        }
        using var cmd = Cmd(c, tx,
            $"SELECT e.stem_id, {distance} AS distance FROM embeddings e {join}WHERE {string.Join(" AND ", clauses)} ORDER BY distance{(exact ? ", e.stem_id" : "")} LIMIT @k;",
            [.. ps]);
        using var registration = cancellationToken.Register(cmd.Cancel);
        var list = new List<VectorMatch>(request.K);
        try
        {
            using var r = cmd.ExecuteReader();
            while (r.Read()) list.Add(new VectorMatch(r.GetInt64(0), (float)(1 - r.GetDouble(1))));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        tx.Commit();
        // An index scan orders by distance alone; equal scores rank by ascending id, as everywhere.
        if (!exact) list.Sort((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.StemId.CompareTo(b.StemId));
        return list;
    }
}
