using Npgsql;
using Traum.Core;

namespace Traum.Catalog.Postgres;

/// <summary>Tracks (<see cref="ITrackCatalog"/>), trained models and generations (<see cref="IModelRegistry"/>).</summary>
internal sealed partial class PostgresCatalog
{
    private const string TrackColumns = "id, name, source_path, file_path, format, duration, content_hash, created_at";

    /// <inheritdoc/>
    public Track AddTrack(NewTrack track)
    {
        ArgumentNullException.ThrowIfNull(track);
        using var c = Connect();
        // One statement: of two concurrent adds of the same track, the second returns the first's row.
        using var cmd = Cmd(c, null,
            $"""
            WITH ins AS (
                INSERT INTO tracks (name, source_path, file_path, format, duration, content_hash, created_at)
                VALUES (@n, @s, @f, @fmt, @d, @h, @t) ON CONFLICT (content_hash) DO NOTHING RETURNING {TrackColumns})
            SELECT {TrackColumns} FROM ins UNION ALL SELECT {TrackColumns} FROM tracks WHERE content_hash = @h LIMIT 1;
            """,
            ("n", track.Name), ("s", track.SourcePath), ("f", track.FilePath), ("fmt", track.Format), ("d", track.Duration),
            ("h", track.ContentHash), ("t", Now()));
        using (var r = cmd.ExecuteReader())
        {
            if (r.Read()) return ReadTrack(r);
        }
        // A concurrent add of the same track committed after this statement's snapshot: read it now.
        return FindTrackByHash(track.ContentHash) ?? throw new TraumException($"Track '{track.Name}' could not be added or found; try again.");
    }

    /// <inheritdoc/>
    public Track? GetTrack(long id) => QueryTracks("WHERE id = @id", ("id", id)).FirstOrDefault();

    /// <inheritdoc/>
    public Track? FindTrackByHash(string contentHash) => QueryTracks("WHERE content_hash = @h", ("h", contentHash)).FirstOrDefault();

    /// <inheritdoc/>
    public IReadOnlyList<Track> ListTracks() => QueryTracks("ORDER BY id");

    /// <inheritdoc/>
    public bool DeleteTrack(long id)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "DELETE FROM tracks WHERE id = @id;", ("id", id));
        return cmd.ExecuteNonQuery() > 0;
    }

    /// <inheritdoc/>
    public void ClearTrackFile(long trackId)
    {
        using var c = Connect();
        Exec(c, null, "UPDATE tracks SET file_path = NULL WHERE id = @id;", ("id", trackId));
    }

    private List<Track> QueryTracks(string tail, params (string, object?)[] ps)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, $"SELECT {TrackColumns} FROM tracks {tail};", ps);
        using var r = cmd.ExecuteReader();
        var list = new List<Track>();
        while (r.Read()) list.Add(ReadTrack(r));
        return list;
    }

    private static Track ReadTrack(NpgsqlDataReader r) => new()
    {
        Id = r.GetInt64(0), Name = r.GetString(1), SourcePath = r.GetString(2), FilePath = r.IsDBNull(3) ? null : r.GetString(3),
        Format = r.GetString(4), Duration = r.GetDouble(5), ContentHash = r.GetString(6), CreatedAt = r.GetFieldValue<DateTimeOffset>(7),
    };

    /// <inheritdoc/>
    public TrainedModel AddModel(string category, string version, string path, string? metadataJson = null)
    {
        using var c = Connect();
        var now = Now();
        try
        {
            using var cmd = Cmd(c, null, "INSERT INTO models (category, version, path, metadata, created_at) VALUES (@c, @v, @p, @m, @t) RETURNING id;",
                ("c", category), ("v", version), ("p", path), ("m", metadataJson), ("t", now));
            return new TrainedModel((long)cmd.ExecuteScalar()!, category, version, path, metadataJson, now);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new InvalidInputException($"Category '{category}' already has a model version '{version}'; versions never overwrite each other.", e);
        }
    }

    /// <inheritdoc/>
    public TrainedModel? GetModel(long id) => QueryModels("WHERE id = @id", ("id", id)).FirstOrDefault();

    /// <inheritdoc/>
    public TrainedModel? GetModel(string category, string version) =>
        QueryModels("WHERE category = @c AND version = @v", ("c", category), ("v", version)).FirstOrDefault();

    /// <inheritdoc/>
    public TrainedModel? GetLatestModel(string category) =>
        QueryModels("WHERE category = @c ORDER BY created_at DESC, id DESC LIMIT 1", ("c", category)).FirstOrDefault();

    /// <inheritdoc/>
    public IReadOnlyList<TrainedModel> ListModels(string? category = null) =>
        category is null ? QueryModels("ORDER BY category COLLATE \"C\", id") : QueryModels("WHERE category = @c ORDER BY id", ("c", category));

    /// <inheritdoc/>
    public bool DeleteModel(long id)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "DELETE FROM models WHERE id = @id;", ("id", id));
        return cmd.ExecuteNonQuery() > 0;
    }

    private List<TrainedModel> QueryModels(string tail, params (string, object?)[] ps)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, $"SELECT id, category, version, path, metadata, created_at FROM models {tail};", ps);
        using var r = cmd.ExecuteReader();
        var list = new List<TrainedModel>();
        while (r.Read())
        {
            list.Add(new TrainedModel(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetFieldValue<DateTimeOffset>(5)));
        }
        return list;
    }

    /// <inheritdoc/>
    public Generation AddGeneration(Generation generation)
    {
        ArgumentNullException.ThrowIfNull(generation);
        using var c = Connect();
        var now = Now();
        using var cmd = Cmd(c, null,
            "INSERT INTO generations (model_id, model_category, model_version, mode, seed, parameters, parent_stem_ids, created_at) VALUES (@m, @c, @v, @mode, @s, @p, @parents, @t) RETURNING id;",
            ("m", generation.ModelId), ("c", generation.ModelCategory), ("v", generation.ModelVersion), ("mode", generation.Mode),
            ("s", generation.Seed), ("p", generation.ParametersJson), ("parents", generation.ParentStemIds.ToArray()), ("t", now));
        try
        {
            var id = (long)cmd.ExecuteScalar()!;
            return generation with { Id = id, CreatedAt = now };
        }
        catch (PostgresException e) when (IsForeignKey(e))
        {
            throw new InvalidInputException($"Generation: model {generation.ModelId} is not registered ({e.MessageText}).", e);
        }
    }

    /// <inheritdoc/>
    public Generation? GetGeneration(long id)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null,
            "SELECT id, model_id, model_category, model_version, mode, seed, parameters, parent_stem_ids, created_at FROM generations WHERE id = @id;", ("id", id));
        using var r = cmd.ExecuteReader();
        if (!r.Read()) return null;
        return new Generation
        {
            Id = r.GetInt64(0), ModelId = r.IsDBNull(1) ? null : r.GetInt64(1), ModelCategory = r.GetString(2), ModelVersion = r.GetString(3),
            Mode = r.GetString(4), Seed = r.IsDBNull(5) ? null : r.GetInt64(5), ParametersJson = r.IsDBNull(6) ? null : r.GetString(6),
            ParentStemIds = r.GetFieldValue<long[]>(7), CreatedAt = r.GetFieldValue<DateTimeOffset>(8),
        };
    }
}
