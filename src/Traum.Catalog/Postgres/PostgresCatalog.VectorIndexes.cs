using System.Globalization;
using Npgsql;
using Traum.Core;

namespace Traum.Catalog.Postgres;

/// <summary>The HNSW indexes of the embedding models (<see cref="IVectorIndexMaintenance"/>).</summary>
internal sealed partial class PostgresCatalog : IVectorIndexMaintenance
{
    /// <summary>The name a rebuilt index has while it is built beside the one in use.</summary>
    internal static string NextIndexName(string indexName) => indexName + "_next";

    /// <inheritdoc/>
    public IReadOnlyList<VectorIndexState> VectorIndexes()
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, """
            SELECT m.model_id, m.dimension, m.index_name,
                   (SELECT count(*) FROM embeddings e WHERE e.model_id = m.model_id),
                   array_to_string(cl.reloptions, ','), COALESCE(pg_relation_size(cl.oid), 0), COALESCE(ix.indisvalid, false), cl.oid IS NOT NULL
            FROM embedding_models m
            LEFT JOIN pg_class cl ON cl.relname = m.index_name AND cl.relkind = 'i' AND cl.relnamespace = current_schema()::regnamespace
            LEFT JOIN pg_index ix ON ix.indexrelid = cl.oid
            ORDER BY m.model_id;
            """);
        using var r = cmd.ExecuteReader();
        var list = new List<VectorIndexState>();
        while (r.Read())
        {
            var options = r.IsDBNull(4) ? "" : r.GetString(4);
            var exists = r.GetBoolean(7);
            list.Add(new VectorIndexState(r.GetString(0), r.GetInt32(1), r.GetInt64(3), r.IsDBNull(2) ? null : r.GetString(2),
                exists ? Option(options, "m", 16) : null, exists ? Option(options, "ef_construction", 64) : null, r.GetInt64(5), r.GetBoolean(6),
                IndexSettings.M, IndexSettings.EfConstruction));
        }
        return list;
    }

    /// <summary>A reloption of an index ("m=16,ef_construction=64"), or <paramref name="pgvectorDefault"/> when it was built without it.</summary>
    private static int Option(string reloptions, string key, int pgvectorDefault)
    {
        foreach (var part in reloptions.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && part[..eq] == key && int.TryParse(part[(eq + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)) return v;
        }
        return pgvectorDefault;
    }

    /// <inheritdoc/>
    public void RebuildVectorIndex(string modelId, string? buildMemory = null, IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        var state = VectorIndexes().FirstOrDefault(s => s.ModelId == modelId)
            ?? throw new InvalidInputException($"The catalog has no embeddings of '{modelId}'; 'traum catalog index' lists the models it has.");
        if (state.IndexName is not { } name)
        {
            throw new InvalidInputException($"The vectors of '{modelId}' have {state.Dimension} values, more than pgvector indexes ({MaxIndexedDimension}); its searches scan.");
        }
        var next = NextIndexName(name);
        using var c = Connect();
        // Left over by a rebuild that was stopped: a complete one only needs its name, anything else is dropped.
        if (state.M is null && IndexIsValid(c, next))
        {
            Exec(c, null, $"ALTER INDEX {next} RENAME TO {name};");
            return;
        }
        Exec(c, null, $"DROP INDEX CONCURRENTLY IF EXISTS {next};");
        if (buildMemory is not null)
        {
            try
            {
                Exec(c, null, "SELECT set_config('maintenance_work_mem', @v, false);", ("v", buildMemory));
            }
            catch (PostgresException e) when (e.SqlState == "22023")
            {
                throw new InvalidInputException($"'{buildMemory}' is not a memory size PostgreSQL takes ({e.MessageText}); write it as 512MB or 6GB.", e);
            }
        }
        var pid = Convert.ToInt32(Scalar(c, "SELECT pg_backend_pid();"), CultureInfo.InvariantCulture);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (progress is not null) _ = Task.Run(() => ReportBuild(pid, state.Vectors, progress, watching.Token), CancellationToken.None);
        try
        {
            using var build = Cmd(c, null, IndexDdl(modelId, state.Dimension, next, IndexSettings).Replace("CREATE INDEX IF NOT EXISTS", "CREATE INDEX CONCURRENTLY", StringComparison.Ordinal));
            build.CommandTimeout = 0; // hours at tens of millions of vectors
            using (cancellationToken.Register(build.Cancel))
            {
                build.ExecuteNonQuery();
            }
        }
        catch (Exception e) when (e is PostgresException or NpgsqlException or OperationCanceledException)
        {
            // A stopped or failed concurrent build leaves an invalid index behind: remove it, the old one stays in use.
            // Dropping it waits for open writes too; if they take long, the next rebuild drops it first.
            try
            {
                using var clean = Connect();
                using var drop = Cmd(clean, null, $"DROP INDEX CONCURRENTLY IF EXISTS {next};");
                drop.CommandTimeout = 30;
                drop.ExecuteNonQuery();
            }
            catch (Exception cleanup) when (cleanup is TraumException or NpgsqlException)
            {
                // Left for the next rebuild.
            }
            cancellationToken.ThrowIfCancellationRequested();
            throw e is PostgresException pg
                ? new TraumException($"Rebuilding the vector index of '{modelId}' failed: {pg.MessageText} ({pg.SqlState}). The old index stays in use.", e)
                : new TraumException($"Rebuilding the vector index of '{modelId}' failed ({e.Message}). The old index stays in use.", e);
        }
        finally
        {
            watching.Cancel(); // the watcher ends at its next step and reports nothing more
        }
        if (buildMemory is not null) Exec(c, null, "RESET maintenance_work_mem;");
        // The new index answers from here on (the planner takes either); then the old one goes and the new one takes its name.
        // Both wait for open writes (an ingest's transactions are short), however long that takes.
        foreach (var sql in new[] { $"DROP INDEX CONCURRENTLY IF EXISTS {name};", $"ALTER INDEX {next} RENAME TO {name};" })
        {
            using var step = Cmd(c, null, sql);
            step.CommandTimeout = 0;
            step.ExecuteNonQuery();
        }
    }

    private static bool IndexIsValid(NpgsqlConnection c, string indexName) =>
        Scalar(c, $"SELECT COALESCE((SELECT ix.indisvalid FROM pg_class cl JOIN pg_index ix ON ix.indexrelid = cl.oid WHERE cl.relname = {Literal(indexName)} AND cl.relnamespace = current_schema()::regnamespace), false);") is true;

    private static object? Scalar(NpgsqlConnection c, string sql)
    {
        using var cmd = Cmd(c, null, sql);
        return cmd.ExecuteScalar();
    }

    /// <summary>Reports the build of backend <paramref name="pid"/> from <c>pg_stat_progress_create_index</c> until cancelled.</summary>
    private async Task ReportBuild(int pid, long vectors, IProgress<ProgressInfo> progress, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await using (var c = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
                {
                    await using var cmd = Cmd(c, null, "SELECT phase, tuples_done, tuples_total FROM pg_stat_progress_create_index WHERE pid = @p;", ("p", pid));
                    await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    if (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var phase = r.GetString(0);
                        var done = r.IsDBNull(1) ? 0 : r.GetInt64(1);
                        var total = r.IsDBNull(2) || r.GetInt64(2) == 0 ? vectors : r.GetInt64(2);
                        if (!cancellationToken.IsCancellationRequested) progress.Report(new ProgressInfo(Math.Min(done, total), Math.Max(1, total), "vectors", phase));
                    }
                }
                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or NpgsqlException)
        {
            // Progress is a courtesy: the build goes on without it.
        }
    }
}
