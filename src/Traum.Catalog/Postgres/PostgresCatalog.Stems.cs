using System.Globalization;
using Npgsql;
using Traum.Core;

namespace Traum.Catalog.Postgres;

/// <summary>Stems: rows, tags, listings and filters (<see cref="IStemCatalog"/>).</summary>
internal sealed partial class PostgresCatalog
{
    private const string StemColumns =
        "s.id, s.name, s.kind, s.category, s.origin, s.track_id, s.generation_id, s.file_path, s.content_hash, " +
        "s.source_path, s.sample_rate, s.channels, s.duration, s.created_at, " +
        "(SELECT string_agg(t.tag, chr(31) ORDER BY lower(t.tag) COLLATE \"C\", t.tag COLLATE \"C\") FROM stem_tags t WHERE t.stem_id = s.id), s.favourite, s.rating";

    /// <inheritdoc/>
    public Stem AddStem(NewStem stem)
    {
        ArgumentNullException.ThrowIfNull(stem);
        if (!ContentHashFormat.IsValid(stem.ContentHash)) throw new InvalidInputException($"'{stem.ContentHash}' is not a content hash (64 lower-case hex digits).");
        if (stem.SampleRate <= 0 || stem.Channels <= 0 || !(stem.Duration >= 0)) throw new InvalidInputException($"Stem '{stem.Name}': sample rate, channels and duration must be positive.");
        if (string.IsNullOrWhiteSpace(stem.Kind) || string.IsNullOrWhiteSpace(stem.Category)) throw new InvalidInputException($"Stem '{stem.Name}': kind and category must not be empty.");
        using var c = Connect();
        var tx = BeginLogged(c);
        long id;
        CatalogChange change;
        try
        {
            using (var cmd = Cmd(c, tx,
                """
                INSERT INTO stems (name, kind, category, origin, track_id, generation_id, file_path, content_hash, source_path,
                                   source_size, source_modified, sample_rate, channels, duration, created_at)
                VALUES (@n, @k, @c, @o, @tr, @g, @f, @h, @sp, @ss, @sm, @sr, @ch, @d, @t) RETURNING id;
                """,
                ("n", stem.Name), ("k", Norm(stem.Kind)), ("c", Norm(stem.Category)), ("o", CatalogStore.OriginText(stem.Origin)),
                ("tr", stem.TrackId), ("g", stem.GenerationId), ("f", stem.FilePath), ("h", stem.ContentHash),
                ("sp", stem.SourcePath), ("ss", stem.SourceSize), ("sm", stem.SourceModified?.ToUnixTimeMilliseconds()),
                ("sr", stem.SampleRate), ("ch", stem.Channels), ("d", stem.Duration), ("t", Now())))
            {
                id = (long)cmd.ExecuteScalar()!;
            }
            InsertTags(c, tx, id, stem.Tags);
            change = LogChange(c, tx, CatalogChangeKind.StemAdded, id, null);
            tx.Commit();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            tx.Rollback();
            var existing = QueryStems(c, null,
                "WHERE s.content_hash = @h AND s.origin = @o AND s.track_id IS NOT DISTINCT FROM @tr AND s.generation_id IS NOT DISTINCT FROM @g ORDER BY s.id LIMIT 1",
                ("h", stem.ContentHash), ("o", CatalogStore.OriginText(stem.Origin)), ("tr", (object?)stem.TrackId ?? DBNull.Value), ("g", (object?)stem.GenerationId ?? DBNull.Value)).FirstOrDefault();
            if (existing is null) throw;
            throw new StemExistsException(existing, e);
        }
        catch (PostgresException e) when (IsForeignKey(e))
        {
            throw new InvalidInputException($"Stem '{stem.Name}': its track or generation does not exist ({e.MessageText}).", e);
        }
        finally
        {
            tx.Dispose();
        }
        Raise(change);
        return GetStem(id)!;
    }

    /// <inheritdoc/>
    public Stem? GetStem(long id)
    {
        using var c = Connect();
        return QueryStems(c, null, "WHERE s.id = @id", ("id", id)).FirstOrDefault();
    }

    /// <inheritdoc/>
    public Stem GetRequiredStem(long id) => GetStem(id) ?? throw NoStem(id);

    /// <inheritdoc/>
    public IReadOnlyDictionary<long, Stem> GetStems(IReadOnlyCollection<long> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0) return new Dictionary<long, Stem>();
        using var c = Connect();
        return QueryStems(c, null, "WHERE s.id = ANY(@ids)", ("ids", ids.Distinct().ToArray())).ToDictionary(s => s.Id);
    }

    /// <inheritdoc/>
    public IReadOnlyList<Stem> FindStemsByHash(string contentHash)
    {
        using var c = Connect();
        return QueryStems(c, null, "WHERE s.content_hash = @h ORDER BY s.id", ("h", contentHash));
    }

    /// <inheritdoc/>
    public Stem? FindStemBySource(string sourcePath, long size, DateTimeOffset modified)
    {
        using var c = Connect();
        return QueryStems(c, null, "WHERE s.source_path = @p AND s.source_size = @s AND s.source_modified = @m ORDER BY s.id LIMIT 1",
            ("p", sourcePath), ("s", size), ("m", modified.ToUnixTimeMilliseconds())).FirstOrDefault();
    }

    /// <inheritdoc/>
    public IReadOnlyList<Stem> ListStems(StemQuery? query = null)
    {
        query ??= StemQuery.All;
        var (where, ps) = PostgresStemFilter.Build(query);
        var bpm = PostgresStemFilter.BpmSql;
        var key = PostgresStemFilter.KeySql;
        string[] terms = query.Sort switch
        {
            StemSort.Name => ["lower(s.name) COLLATE \"C\""],
            StemSort.Kind => ["s.kind COLLATE \"C\"", "s.category COLLATE \"C\""],
            StemSort.Category => ["s.category COLLATE \"C\"", "s.kind COLLATE \"C\""],
            StemSort.Duration => ["s.duration"],
            StemSort.Bpm => [$"{bpm} IS NULL", bpm],
            StemSort.Key => [$"{key} IS NULL", $"{key} COLLATE \"C\"", "d.mode COLLATE \"C\""],
            StemSort.Loudness => ["d.lufs IS NULL", "d.lufs"],
            StemSort.Created => ["s.created_at"],
            StemSort.Rating => ["s.rating IS NULL", "s.rating"],
            _ => ["s.id"],
        };
        // NULLS FIRST in ascending and LAST in descending order, as SQLite sorts them (the "IS NULL" terms put unknowns last).
        var order = string.Join(", ", terms.Select(o => o.EndsWith(" IS NULL", StringComparison.Ordinal) ? o
            : query.Descending ? o + " DESC NULLS LAST" : o + " ASC NULLS FIRST"));
        var sql = $"LEFT JOIN descriptors d ON d.stem_id = s.id {where} ORDER BY {order}, s.id{(query.Descending ? " DESC" : "")}";
        if (query.Limit is { } limit) { sql += " LIMIT @limit"; ps.Add(("limit", limit)); }
        if (query.Offset > 0) { sql += " OFFSET @offset"; ps.Add(("offset", query.Offset)); }
        using var c = Connect();
        return QueryStems(c, null, sql, [.. ps]);
    }

    /// <inheritdoc/>
    public int CountStems(StemQuery? query = null)
    {
        var (where, ps) = PostgresStemFilter.Build(query ?? StemQuery.All);
        using var c = Connect();
        // The join only when a criterion reads the descriptors: counting the whole library is then an index count, not
        // one descriptor lookup per stem (25–30 ms at 100 000 stems, on every search).
        var from = where.Contains("d.", StringComparison.Ordinal) ? "stems s LEFT JOIN descriptors d ON d.stem_id = s.id" : "stems s";
        using var cmd = Cmd(c, null, $"SELECT COUNT(*) FROM {from} {where};", [.. ps]);
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public IReadOnlyList<CategoryCount> CountByCategory()
    {
        using var c = Connect();
        using var cmd = Cmd(c, null,
            "SELECT kind, category, COUNT(*), SUM(duration) FROM stems GROUP BY kind, category ORDER BY COUNT(*) DESC, kind COLLATE \"C\", category COLLATE \"C\";");
        using var r = cmd.ExecuteReader();
        var list = new List<CategoryCount>();
        while (r.Read()) list.Add(new CategoryCount(r.GetString(0), r.GetString(1), (int)r.GetInt64(2), r.GetDouble(3)));
        return list;
    }

    /// <inheritdoc/>
    public Stem UpdateStem(long id, string? kind = null, string? category = null, string? name = null, IReadOnlyCollection<string>? tags = null,
        bool? favourite = null, int? rating = null)
    {
        if (rating is < 0 or > 5) throw new InvalidInputException($"A rating is 1 to 5 stars (0 removes it), not {rating}.");
        if (kind is not null && string.IsNullOrWhiteSpace(kind)) throw new InvalidInputException("A kind must not be empty.");
        if (category is not null && string.IsNullOrWhiteSpace(category)) throw new InvalidInputException("A category must not be empty.");
        if (name is not null && string.IsNullOrWhiteSpace(name)) throw new InvalidInputException("A name must not be empty.");
        using var c = Connect();
        using var tx = BeginLogged(c);
        using (var cmd = Cmd(c, tx,
            """
            UPDATE stems SET kind = COALESCE(@k::text, kind), category = COALESCE(@c::text, category), name = COALESCE(@n::text, name),
                favourite = COALESCE(@f::boolean, favourite), rating = CASE WHEN @r::integer IS NULL THEN rating WHEN @r::integer = 0 THEN NULL ELSE @r::integer END
            WHERE id = @id;
            """,
            ("k", kind is null ? null : Norm(kind)), ("c", category is null ? null : Norm(category)), ("n", name?.Trim()),
            ("f", favourite), ("r", rating), ("id", id)))
        {
            if (cmd.ExecuteNonQuery() == 0) throw NoStem(id);
        }
        if (tags is not null)
        {
            Exec(c, tx, "DELETE FROM stem_tags WHERE stem_id = @id;", ("id", id));
            InsertTags(c, tx, id, tags);
        }
        var change = LogChange(c, tx, CatalogChangeKind.StemUpdated, id, null);
        tx.Commit();
        Raise(change);
        return GetStem(id)!;
    }

    /// <inheritdoc/>
    public Stem RelinkStem(long id, string filePath)
    {
        if (string.IsNullOrWhiteSpace(filePath)) throw new InvalidInputException("A stem's file path must not be empty.");
        using var c = Connect();
        using var tx = BeginLogged(c);
        using (var cmd = Cmd(c, tx, "UPDATE stems SET file_path = @p WHERE id = @id;", ("p", filePath), ("id", id)))
        {
            if (cmd.ExecuteNonQuery() == 0) throw NoStem(id);
        }
        var change = LogChange(c, tx, CatalogChangeKind.StemUpdated, id, null);
        tx.Commit();
        Raise(change);
        return GetStem(id)!;
    }

    /// <inheritdoc/>
    public Stem AddTags(long id, IEnumerable<string> tags) => ChangeTags(id, tags, add: true);

    /// <inheritdoc/>
    public Stem RemoveTags(long id, IEnumerable<string> tags) => ChangeTags(id, tags, add: false);

    private Stem ChangeTags(long id, IEnumerable<string> tags, bool add)
    {
        ArgumentNullException.ThrowIfNull(tags);
        using var c = Connect();
        using var tx = BeginLogged(c);
        using (var exists = Cmd(c, tx, "SELECT 1 FROM stems WHERE id = @id FOR UPDATE;", ("id", id)))
        {
            if (exists.ExecuteScalar() is null) throw NoStem(id);
        }
        if (add) InsertTags(c, tx, id, tags);
        else Exec(c, tx, "DELETE FROM stem_tags WHERE stem_id = @id AND lower(tag) = ANY(@t);", ("id", id), ("t", tags.Select(t => t.Trim().ToLowerInvariant()).ToArray()));
        var change = LogChange(c, tx, CatalogChangeKind.StemUpdated, id, null);
        tx.Commit();
        Raise(change);
        return GetStem(id)!;
    }

    private static void InsertTags(NpgsqlConnection c, NpgsqlTransaction tx, long id, IEnumerable<string> tags)
    {
        foreach (var raw in tags)
        {
            var t = raw.Trim();
            if (t.Length == 0) continue;
            Exec(c, tx, "INSERT INTO stem_tags (stem_id, tag) VALUES (@id, @t) ON CONFLICT DO NOTHING;", ("id", id), ("t", t));
        }
    }

    /// <inheritdoc/>
    public StemDeletion DeleteStem(long id)
    {
        using var c = Connect();
        using var tx = BeginLogged(c);
        var stem = QueryStems(c, tx, "WHERE s.id = @id", ("id", id)).FirstOrDefault() ?? throw NoStem(id);
        Exec(c, tx, "DELETE FROM stems WHERE id = @id;", ("id", id));
        bool shared;
        using (var cnt = Cmd(c, tx, "SELECT EXISTS (SELECT 1 FROM stems WHERE file_path = @f) OR EXISTS (SELECT 1 FROM tracks WHERE file_path = @f);", ("f", stem.FilePath)))
        {
            shared = (bool)cnt.ExecuteScalar()!;
        }
        var change = LogChange(c, tx, CatalogChangeKind.StemRemoved, id, null);
        tx.Commit();
        Raise(change);
        return new StemDeletion(stem, shared);
    }

    /// <inheritdoc/>
    public IReadOnlySet<string> ListReferencedFiles()
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT file_path FROM stems UNION SELECT file_path FROM tracks WHERE file_path IS NOT NULL;");
        using var r = cmd.ExecuteReader();
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (r.Read()) set.Add(r.GetString(0));
        return set;
    }

    /// <inheritdoc/>
    public bool IsFileReferenced(string relativePath)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT EXISTS (SELECT 1 FROM stems WHERE file_path = @f) OR EXISTS (SELECT 1 FROM tracks WHERE file_path = @f);", ("f", relativePath));
        return (bool)cmd.ExecuteScalar()!;
    }

    private static List<Stem> QueryStems(NpgsqlConnection c, NpgsqlTransaction? tx, string tail, params (string, object?)[] ps)
    {
        using var cmd = Cmd(c, tx, $"SELECT {StemColumns} FROM stems s {tail};", ps);
        using var r = cmd.ExecuteReader();
        var list = new List<Stem>();
        while (r.Read())
        {
            list.Add(new Stem
            {
                Id = r.GetInt64(0),
                Name = r.GetString(1),
                Kind = r.GetString(2),
                Category = r.GetString(3),
                Origin = CatalogStore.ParseOrigin(r.GetString(4)),
                TrackId = r.IsDBNull(5) ? null : r.GetInt64(5),
                GenerationId = r.IsDBNull(6) ? null : r.GetInt64(6),
                FilePath = r.GetString(7),
                ContentHash = r.GetString(8),
                SourcePath = r.IsDBNull(9) ? null : r.GetString(9),
                SampleRate = r.GetInt32(10),
                Channels = r.GetInt32(11),
                Duration = r.GetDouble(12),
                CreatedAt = r.GetFieldValue<DateTimeOffset>(13),
                Tags = r.IsDBNull(14) ? [] : r.GetString(14).Split('\u001f'),
                Favourite = r.GetBoolean(15),
                Rating = r.IsDBNull(16) ? null : r.GetInt32(16),
            });
        }
        return list;
    }
}
