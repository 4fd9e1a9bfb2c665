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
        using (var m = Cmd(c, null, "SELECT dimension, index_name FROM embedding_models WHERE model_id = @m;", ("m", request.ModelId)))
        using (var r = m.ExecuteReader())
        {
            if (!r.Read()) return new VectorSearchResult([], 0);
            dimension = r.GetInt32(0);
            indexName = r.IsDBNull(1) ? null : r.GetString(1);
        }
        var count = CountVectors(c, request.ModelId);
        if (count == 0) return new VectorSearchResult([], 0);
        if (dimension != request.Vector.Length)
        {
            throw new InvalidInputException($"The query has {request.Vector.Length} values but the stored embeddings of '{request.ModelId}' have {dimension}; embed the query with the same model.");
        }
        return new VectorSearchResult(Nearest(c, request, dimension, exact: request.Exact || indexName is null, cancellationToken), count);
    }

    /// <summary>How long a model's vector count is reused before it is counted again (in the background).</summary>
    internal TimeSpan VectorCountLifetime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The number of stored vectors of <paramref name="modelId"/> (what a search reports as searched). Counting is a
    /// scan of the model's rows (about 50 ms at 1 000 000), so the count is kept: this process's own changes drop it at
    /// once (<see cref="ForgetVectorCounts"/>); another process's show within <see cref="VectorCountLifetime"/>, counted
    /// again in the background while searches use the last count. A kept count of 0 is always counted again.
    /// </summary>
    private int CountVectors(NpgsqlConnection c, string modelId)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_vectorCounts.TryGetValue(modelId, out var kept) && kept.Value > 0)
        {
            if (System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref kept.At), now) >= VectorCountLifetime && Interlocked.CompareExchange(ref kept.Refreshing, 1, 0) == 0)
            {
                _ = Task.Run(() =>
                {
                    try
                    {
                        using var own = Connect();
                        var started = System.Diagnostics.Stopwatch.GetTimestamp();
                        Interlocked.Exchange(ref kept.Value, Count(own, modelId));
                        Interlocked.Exchange(ref kept.At, started);
                    }
                    catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TraumException)
                    {
                        // The next search tries again; until then the last count stands.
                    }
                    finally { Volatile.Write(ref kept.Refreshing, 0); }
                }, CancellationToken.None);
            }
            return (int)Interlocked.Read(ref kept.Value);
        }
        var counted = new VectorCount { Value = Count(c, modelId), At = now };
        _vectorCounts[modelId] = counted;
        return (int)counted.Value;
    }

    private static long Count(NpgsqlConnection c, string modelId)
    {
        using var cmd = Cmd(c, null, "SELECT COUNT(*) FROM embeddings WHERE model_id = @m;", ("m", modelId));
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Drops the kept vector counts (this process changed embeddings or stems).</summary>
    private void ForgetVectorCounts() => _vectorCounts.Clear();

    private sealed class VectorCount
    {
        public long Value;
        public long At;
        public int Refreshing;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, VectorCount> _vectorCounts = new(StringComparer.Ordinal);

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
