using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Traum.Core;

namespace Traum.Catalog;

/// <summary>Stems: rows, tags, listings and filters (<see cref="IStemCatalog"/>).</summary>
public sealed partial class CatalogStore
{
    private const string StemColumns =
        "s.id, s.name, s.kind, s.category, s.origin, s.track_id, s.generation_id, s.file_path, s.content_hash, " +
        "s.source_path, s.sample_rate, s.channels, s.duration, s.created_at, " +
        "(SELECT group_concat(t.tag, char(31)) FROM (SELECT tag FROM stem_tags WHERE stem_id = s.id ORDER BY tag) t), s.favourite, s.rating";

    /// <summary>
    /// Adds a stem (with its tags) and logs <see cref="CatalogChangeKind.StemAdded"/>. The catalog enforces content
    /// identity: one row per sound, origin and track or generation, so of two concurrent adds of the same stem one
    /// wins and the other gets <see cref="StemExistsException"/> with the winner.
    /// </summary>
    /// <exception cref="StemExistsException">The same sound is already this stem (same origin, track and generation).</exception>
    /// <exception cref="InvalidInputException">A field is out of range or a referenced track/generation does not exist.</exception>
    public Stem AddStem(NewStem stem)
    {
        ArgumentNullException.ThrowIfNull(stem);
        if (!ContentHashFormat.IsValid(stem.ContentHash)) throw new InvalidInputException($"'{stem.ContentHash}' is not a content hash (64 lower-case hex digits).");
        if (stem.SampleRate <= 0 || stem.Channels <= 0 || !(stem.Duration >= 0)) throw new InvalidInputException($"Stem '{stem.Name}': sample rate, channels and duration must be positive.");
        if (string.IsNullOrWhiteSpace(stem.Kind) || string.IsNullOrWhiteSpace(stem.Category)) throw new InvalidInputException($"Stem '{stem.Name}': kind and category must not be empty.");
        using var c = Connect();
        using var tx = c.BeginTransaction();
        var now = Now();
        long id;
        try
        {
            using var cmd = Cmd(c, tx,
                """
                INSERT INTO stems (name, kind, category, origin, track_id, generation_id, file_path, content_hash, source_path,
                                   source_size, source_modified, sample_rate, channels, duration, created_at)
                VALUES ($n, $k, $c, $o, $tr, $g, $f, $h, $sp, $ss, $sm, $sr, $ch, $d, $t) RETURNING id;
                """,
                ("$n", stem.Name), ("$k", Norm(stem.Kind)), ("$c", Norm(stem.Category)), ("$o", OriginText(stem.Origin)),
                ("$tr", stem.TrackId), ("$g", stem.GenerationId), ("$f", stem.FilePath), ("$h", stem.ContentHash),
                ("$sp", stem.SourcePath), ("$ss", stem.SourceSize), ("$sm", stem.SourceModified?.ToUnixTimeMilliseconds()),
                ("$sr", stem.SampleRate), ("$ch", stem.Channels), ("$d", stem.Duration), ("$t", now));
            id = (long)cmd.ExecuteScalar()!;
        }
        catch (SqliteException e) when (e.SqliteExtendedErrorCode == SqliteConstraintUnique)
        {
            tx.Rollback();
            var existing = QueryStems(c, null,
                "WHERE s.content_hash = $h AND s.origin = $o AND s.track_id IS $tr AND s.generation_id IS $g ORDER BY s.id LIMIT 1",
                ("$h", stem.ContentHash), ("$o", OriginText(stem.Origin)), ("$tr", stem.TrackId), ("$g", stem.GenerationId)).FirstOrDefault();
            if (existing is null) throw;
            throw new StemExistsException(existing, e);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19) // SQLITE_CONSTRAINT
        {
            throw new InvalidInputException($"Stem '{stem.Name}': its track or generation does not exist ({e.Message}).", e);
        }
        InsertTags(c, tx, id, stem.Tags);
        var change = LogChange(c, tx, CatalogChangeKind.StemAdded, id, null);
        tx.Commit();
        Raise(change);
        return GetStem(id)!;
    }

    /// <inheritdoc/>
    public Stem? GetStem(long id)
    {
        using var c = Connect();
        return QueryStems(c, null, "WHERE s.id = $id", ("$id", id)).FirstOrDefault();
    }

    /// <summary>The stem with this id.</summary>
    /// <exception cref="NotFoundException">No such stem.</exception>
    public Stem GetRequiredStem(long id) =>
        GetStem(id) ?? throw new NotFoundException($"There is no stem {id} in this library; list them with 'traum stems list'.");

    /// <summary>Stems with this content hash (the same sound), oldest first.</summary>
    public IReadOnlyList<Stem> FindStemsByHash(string contentHash)
    {
        using var c = Connect();
        return QueryStems(c, null, "WHERE s.content_hash = $h ORDER BY s.id", ("$h", contentHash));
    }

    /// <summary>The stem imported from this source file when its size and modification time still match, if any.</summary>
    public Stem? FindStemBySource(string sourcePath, long size, DateTimeOffset modified)
    {
        using var c = Connect();
        return QueryStems(c, null, "WHERE s.source_path = $p AND s.source_size = $s AND s.source_modified = $m ORDER BY s.id LIMIT 1",
            ("$p", sourcePath), ("$s", size), ("$m", modified.ToUnixTimeMilliseconds())).FirstOrDefault();
    }

    /// <summary>Stems matching <paramref name="query"/>, ordered and paged as it says.</summary>
    public IReadOnlyList<Stem> ListStems(StemQuery? query = null)
    {
        query ??= StemQuery.All;
        var (where, ps) = BuildWhere(query);
        // Tempo and key sort as the filters read them: the value a name states first, then the estimate. Unknown values last.
        string[] terms = query.Sort switch
        {
            StemSort.Name => ["s.name COLLATE NOCASE"],
            StemSort.Kind => ["s.kind", "s.category"],
            StemSort.Category => ["s.category", "s.kind"],
            StemSort.Duration => ["s.duration"],
            StemSort.Bpm => [$"{BpmSql} IS NULL", BpmSql],
            StemSort.Key => [$"{KeySql} IS NULL", KeySql, "d.mode"],
            StemSort.Loudness => ["d.lufs IS NULL", "d.lufs"],
            StemSort.Created => ["s.created_at"],
            StemSort.Rating => ["s.rating IS NULL", "s.rating"],
            _ => ["s.id"],
        };
        var order = string.Join(", ", terms.Select(o => query.Descending && !o.EndsWith(" IS NULL", StringComparison.Ordinal) ? o + " DESC" : o));
        var sql = $"LEFT JOIN descriptors d ON d.stem_id = s.id {where} ORDER BY {order}, s.id{(query.Descending ? " DESC" : "")}";
        if (query.Limit is { } limit) { sql += " LIMIT $limit OFFSET $offset"; ps.Add(("$limit", limit)); ps.Add(("$offset", query.Offset)); }
        else if (query.Offset > 0) { sql += " LIMIT -1 OFFSET $offset"; ps.Add(("$offset", query.Offset)); }
        using var c = Connect();
        return QueryStems(c, null, sql, [.. ps]);
    }

    /// <summary>How many stems match (ignoring limit and offset).</summary>
    public int CountStems(StemQuery? query = null)
    {
        var (where, ps) = BuildWhere(query ?? StemQuery.All);
        using var c = Connect();
        // The join only when a criterion reads the descriptors: counting the whole library is then an index count, not
        // one descriptor lookup per stem (25–30 ms at 100 000 stems, on every search).
        var from = where.Contains("d.", StringComparison.Ordinal) ? "stems s LEFT JOIN descriptors d ON d.stem_id = s.id" : "stems s";
        using var cmd = Cmd(c, null, $"SELECT COUNT(*) FROM {from} {where};", [.. ps]);
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Stem counts per kind and category, largest first.</summary>
    public IReadOnlyList<CategoryCount> CountByCategory()
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT kind, category, COUNT(*), SUM(duration) FROM stems GROUP BY kind, category ORDER BY COUNT(*) DESC, kind, category;");
        using var r = cmd.ExecuteReader();
        var list = new List<CategoryCount>();
        while (r.Read()) list.Add(new CategoryCount(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetDouble(3)));
        return list;
    }

    private static (string Where, List<(string, object?)> Params) BuildWhere(StemQuery q)
    {
        var w = new List<string>();
        var ps = new List<(string, object?)>();
        void Add(string clause, string name, object? value) { w.Add(clause); ps.Add((name, value)); }
        if (q.Kind is not null) Add("s.kind = $kind", "$kind", Norm(q.Kind));
        if (q.Category is not null) Add("s.category = $cat", "$cat", Norm(q.Category));
        if (q.Origin is { } o) Add("s.origin = $origin", "$origin", OriginText(o));
        if (q.TrackId is { } tr) Add("s.track_id = $track", "$track", tr);
        if (q.GenerationId is { } g) Add("s.generation_id = $gen", "$gen", g);
        AddMusicalFilters(q, w, ps);
        if (q.MinDuration is { } d0) Add("s.duration >= $dur0", "$dur0", d0);
        if (q.MaxDuration is { } d1) Add("s.duration <= $dur1", "$dur1", d1);
        if (q.Tag is not null) Add("EXISTS (SELECT 1 FROM stem_tags tg WHERE tg.stem_id = s.id AND tg.tag = $tag)", "$tag", q.Tag.Trim());
        if (q.NameContains is not null) Add("instr(lower(s.name), lower($name)) > 0", "$name", q.NameContains);
        if (q.IsOneShot is { } os) Add("d.is_one_shot = $os", "$os", os ? 1 : 0);
        if (q.Favourite is { } fav) Add("s.favourite = $fav", "$fav", fav ? 1 : 0);
        if (q.MinRating is { } mr) Add("s.rating >= $minrating", "$minrating", mr);
        if (q.Ids is not null) Add("s.id IN (SELECT value FROM json_each($ids))", "$ids", JsonSerializer.Serialize(q.Ids));
        return (w.Count == 0 ? "" : "WHERE " + string.Join(" AND ", w), ps);
    }

    /// <summary>
    /// Changes a stem's kind, category, name and/or tags (null leaves a field as it is; <paramref name="tags"/> replaces
    /// all tags) in one transaction with one <see cref="CatalogChangeKind.StemUpdated"/> entry in the change log.
    /// </summary>
    /// <exception cref="NotFoundException">No such stem.</exception>
    /// <exception cref="InvalidInputException">An empty kind, category or name.</exception>
    /// <param name="id">The stem.</param>
    /// <param name="kind">Its new kind.</param>
    /// <param name="category">Its new category.</param>
    /// <param name="name">Its new name.</param>
    /// <param name="tags">All its tags from now on.</param>
    /// <param name="favourite">Marks or unmarks the stem as a favourite.</param>
    /// <param name="rating">1 to 5 stars; 0 removes the rating.</param>
    public Stem UpdateStem(long id, string? kind = null, string? category = null, string? name = null, IReadOnlyCollection<string>? tags = null,
        bool? favourite = null, int? rating = null)
    {
        if (rating is < 0 or > 5) throw new InvalidInputException($"A rating is 1 to 5 stars (0 removes it), not {rating}.");
        if (kind is not null && string.IsNullOrWhiteSpace(kind)) throw new InvalidInputException("A kind must not be empty.");
        if (category is not null && string.IsNullOrWhiteSpace(category)) throw new InvalidInputException("A category must not be empty.");
        if (name is not null && string.IsNullOrWhiteSpace(name)) throw new InvalidInputException("A name must not be empty.");
        using var c = Connect();
        using var tx = c.BeginTransaction();
        using var cmd = Cmd(c, tx, "UPDATE stems SET kind = COALESCE($k, kind), category = COALESCE($c, category), name = COALESCE($n, name) WHERE id = $id;",
            ("$k", kind is null ? null : Norm(kind)), ("$c", category is null ? null : Norm(category)), ("$n", name?.Trim()), ("$id", id));
        if (cmd.ExecuteNonQuery() == 0) throw NoStem(id);
        if (favourite is { } fav)
        {
            using var f = Cmd(c, tx, "UPDATE stems SET favourite = $f WHERE id = $id;", ("$f", fav ? 1 : 0), ("$id", id));
            f.ExecuteNonQuery();
        }
        if (rating is { } stars)
        {
            using var rt = Cmd(c, tx, "UPDATE stems SET rating = $r WHERE id = $id;", ("$r", stars == 0 ? null : stars), ("$id", id));
            rt.ExecuteNonQuery();
        }
        if (tags is not null)
        {
            using (var del = Cmd(c, tx, "DELETE FROM stem_tags WHERE stem_id = $id;", ("$id", id))) del.ExecuteNonQuery();
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
        using var tx = c.BeginTransaction();
        using (var cmd = Cmd(c, tx, "UPDATE stems SET file_path = $p WHERE id = $id;", ("$p", filePath), ("$id", id)))
        {
            if (cmd.ExecuteNonQuery() == 0) throw NoStem(id);
        }
        var change = LogChange(c, tx, CatalogChangeKind.StemUpdated, id, null);
        tx.Commit();
        Raise(change);
        return GetStem(id)!;
    }

    /// <summary>Adds user tags (trimmed; case-insensitive; duplicates ignored).</summary>
    public Stem AddTags(long id, IEnumerable<string> tags) => ChangeTags(id, tags, add: true);

    /// <summary>Removes user tags (case-insensitive).</summary>
    public Stem RemoveTags(long id, IEnumerable<string> tags) => ChangeTags(id, tags, add: false);

    private Stem ChangeTags(long id, IEnumerable<string> tags, bool add)
    {
        ArgumentNullException.ThrowIfNull(tags);
        using var c = Connect();
        using var tx = c.BeginTransaction();
        using (var exists = Cmd(c, tx, "SELECT 1 FROM stems WHERE id = $id;", ("$id", id)))
        {
            if (exists.ExecuteScalar() is null) throw NoStem(id);
        }
        if (add) InsertTags(c, tx, id, tags);
        else
        {
            foreach (var t in tags)
            {
                using var del = Cmd(c, tx, "DELETE FROM stem_tags WHERE stem_id = $id AND tag = $t;", ("$id", id), ("$t", t.Trim()));
                del.ExecuteNonQuery();
            }
        }
        var change = LogChange(c, tx, CatalogChangeKind.StemUpdated, id, null);
        tx.Commit();
        Raise(change);
        return GetStem(id)!;
    }

    private static void InsertTags(SqliteConnection c, SqliteTransaction tx, long id, IEnumerable<string> tags)
    {
        foreach (var raw in tags)
        {
            var t = raw.Trim();
            if (t.Length == 0) continue;
            using var cmd = Cmd(c, tx, "INSERT OR IGNORE INTO stem_tags (stem_id, tag) VALUES ($id, $t);", ("$id", id), ("$t", t));
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Deletes a stem row with its tags, descriptors, embeddings and profiles. The file is NOT touched here:
    /// <see cref="Library.DeleteStem"/> removes it afterwards when <see cref="StemDeletion.FileShared"/> is false.
    /// </summary>
    /// <exception cref="NotFoundException">No such stem.</exception>
    public StemDeletion DeleteStem(long id)
    {
        using var c = Connect();
        using var tx = c.BeginTransaction();
        var stem = QueryStems(c, tx, "WHERE s.id = $id", ("$id", id)).FirstOrDefault() ?? throw NoStem(id);
        using (var del = Cmd(c, tx, "DELETE FROM stems WHERE id = $id;", ("$id", id))) del.ExecuteNonQuery();
        bool shared;
        using (var cnt = Cmd(c, tx, "SELECT EXISTS (SELECT 1 FROM stems WHERE file_path = $f);", ("$f", stem.FilePath)))
        {
            shared = Convert.ToInt64(cnt.ExecuteScalar(), CultureInfo.InvariantCulture) != 0;
        }
        if (!shared)
        {
            using var tr = Cmd(c, tx, "SELECT EXISTS (SELECT 1 FROM tracks WHERE file_path = $f);", ("$f", stem.FilePath));
            shared = Convert.ToInt64(tr.ExecuteScalar(), CultureInfo.InvariantCulture) != 0;
        }
        var change = LogChange(c, tx, CatalogChangeKind.StemRemoved, id, null);
        tx.Commit();
        Raise(change);
        return new StemDeletion(stem, shared);
    }

    /// <summary>Every file path (relative to the library) that a stem or track row refers to.</summary>
    public IReadOnlySet<string> ListReferencedFiles()
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT file_path FROM stems UNION SELECT file_path FROM tracks WHERE file_path IS NOT NULL;");
        using var r = cmd.ExecuteReader();
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (r.Read()) set.Add(r.GetString(0));
        return set;
    }

    /// <summary>True when a stem or track row refers to this file (relative to the library).</summary>
    public bool IsFileReferenced(string relativePath)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT EXISTS (SELECT 1 FROM stems WHERE file_path = $f) OR EXISTS (SELECT 1 FROM tracks WHERE file_path = $f);", ("$f", relativePath));
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) != 0;
    }

    private static List<Stem> QueryStems(SqliteConnection c, SqliteTransaction? tx, string tail, params (string, object?)[] ps)
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
                Origin = ParseOrigin(r.GetString(4)),
                TrackId = r.IsDBNull(5) ? null : r.GetInt64(5),
                GenerationId = r.IsDBNull(6) ? null : r.GetInt64(6),
                FilePath = r.GetString(7),
                ContentHash = r.GetString(8),
                SourcePath = r.IsDBNull(9) ? null : r.GetString(9),
                SampleRate = r.GetInt32(10),
                Channels = r.GetInt32(11),
                Duration = r.GetDouble(12),
                CreatedAt = ParseTime(r.GetString(13)),
                Tags = r.IsDBNull(14) ? [] : r.GetString(14).Split('\u001f'),
                Favourite = r.GetInt64(15) != 0,
                Rating = r.IsDBNull(16) ? null : r.GetInt32(16),
            });
        }
        return list;
    }

    private static NotFoundException NoStem(long id) => new($"There is no stem {id} in this library; list them with 'traum stems list'.");
}
