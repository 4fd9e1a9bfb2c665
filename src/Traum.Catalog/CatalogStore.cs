using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Traum.Core;

namespace Traum.Catalog;

/// <summary>
/// The catalog: every record of a library in one SQLite database (WAL journal, foreign keys on, busy timeout),
/// migrated to the newest schema on open. Safe to use from many threads and processes at once: each call opens a
/// pooled connection, and every write is one IMMEDIATE transaction. Calls are short and synchronous (SQLite does
/// its I/O synchronously anyway).
/// </summary>
public sealed partial class CatalogStore : ICatalog
{
    private const string StemColumns =
        "s.id, s.name, s.kind, s.category, s.origin, s.track_id, s.generation_id, s.file_path, s.content_hash, " +
        "s.source_path, s.sample_rate, s.channels, s.duration, s.created_at, " +
        "(SELECT group_concat(t.tag, char(31)) FROM (SELECT tag FROM stem_tags WHERE stem_id = s.id ORDER BY tag) t)";

    private readonly string _connectionString;
    private readonly TimeProvider _time;

    private CatalogStore(string path, TimeProvider time)
    {
        DatabasePath = path;
        _time = time;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            ForeignKeys = true,
            DefaultTimeout = 30,
            Pooling = true,
        }.ToString();
    }

    private const int SqliteConstraintUnique = 2067; // SQLITE_CONSTRAINT_UNIQUE

    /// <summary>Busy timeout for a locked database, in milliseconds.</summary>
    public const int BusyTimeoutMs = 15000;

    /// <summary>The schema version this build writes.</summary>
    public static int LatestSchemaVersion => Schema.Migrations.Count;

    /// <summary>Absolute path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>Raised (on the writing thread) after each committed write that changed stems or their analysis.</summary>
    public event EventHandler<CatalogChangedEventArgs>? Changed;

    /// <summary>Opens (creating if needed) the catalog at <paramref name="path"/> and migrates it to the newest schema.</summary>
    /// <exception cref="TraumException">The file is not a Traum catalog, or it was made by a newer Traum.</exception>
    public static CatalogStore Open(string path, TimeProvider? time = null) => Open(path, Schema.Migrations, time);

    /// <summary>Opens with an explicit migration list (tests use a prefix of it to make "older" catalogs).</summary>
    internal static CatalogStore Open(string path, IReadOnlyList<string> migrations, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var store = new CatalogStore(Path.GetFullPath(path), time ?? TimeProvider.System);
        try
        {
            store.Migrate(migrations);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 13 || StorageFullException.IsDiskFull(e)) // SQLITE_FULL
        {
            store.Dispose();
            throw StorageFullException.For(path, e);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26) // SQLITE_CORRUPT, SQLITE_NOTADB
        {
            store.Dispose();
            throw new TraumException($"{path}: the catalog is damaged or not a Traum catalog ({e.Message}). Run 'traum doctor'; if it cannot read the file either, move it aside and re-ingest the library.", e);
        }
        catch (SqliteException e)
        {
            store.Dispose();
            throw new TraumException($"{path}: cannot open the catalog ({e.Message}). Check that the folder is readable and writable and that no other program holds it locked.", e);
        }
        catch
        {
            store.Dispose();
            throw;
        }
        return store;
    }

    /// <summary>The schema version of the open database.</summary>
    public int SchemaVersion
    {
        get
        {
            using var c = Connect();
            return ReadVersion(c);
        }
    }

    private void Migrate(IReadOnlyList<string> migrations)
    {
        using var c = Connect();
        // Reads first, so that opening an up-to-date catalog writes nothing (it works on a full disk).
        using (var mode = Cmd(c, null, "PRAGMA journal_mode;"))
        {
            if (!string.Equals(mode.ExecuteScalar() as string, "wal", StringComparison.OrdinalIgnoreCase)) Exec(c, null, "PRAGMA journal_mode=WAL;");
        }
        using (var has = Cmd(c, null, "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version');"))
        {
            if (Convert.ToInt64(has.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
            {
                Exec(c, null, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);");
            }
        }
        var current = ReadVersion(c);
        if (current > Schema.Migrations.Count)
        {
            throw new TraumException(
                $"{DatabasePath}: this library was written by a newer Traum (schema {current}; this build knows up to {Schema.Migrations.Count}). Update Traum to open it.");
        }
        for (var v = current; v < migrations.Count; v++)
        {
            using var tx = c.BeginTransaction();
            if (ReadVersion(c, tx) != v) { tx.Rollback(); v = ReadVersion(c) - 1; continue; } // another process migrated meanwhile
            Exec(c, tx, migrations[v]);
            Exec(c, tx, "INSERT INTO schema_version (version, applied_at) VALUES ($v, $t);", ("$v", v + 1), ("$t", Now()));
            tx.Commit();
        }
    }

    private static int ReadVersion(SqliteConnection c, SqliteTransaction? tx = null)
    {
        using var cmd = Cmd(c, tx, "SELECT COALESCE(MAX(version), 0) FROM schema_version;");
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    // ───────────────────────────── tracks ─────────────────────────────

    /// <summary>Adds a track, or returns the existing one with the same content hash.</summary>
    public Track AddTrack(NewTrack track)
    {
        ArgumentNullException.ThrowIfNull(track);
        using var c = Connect();
        using var tx = c.BeginTransaction();
        var existing = QueryTracks(c, tx, "WHERE content_hash = $h", ("$h", track.ContentHash)).FirstOrDefault();
        if (existing is not null) return existing;
        var now = Now();
        using var cmd = Cmd(c, tx,
            "INSERT INTO tracks (name, source_path, file_path, format, duration, content_hash, created_at) VALUES ($n, $s, $f, $fmt, $d, $h, $t) RETURNING id;",
            ("$n", track.Name), ("$s", track.SourcePath), ("$f", track.FilePath), ("$fmt", track.Format), ("$d", track.Duration),
            ("$h", track.ContentHash), ("$t", now));
        var id = (long)cmd.ExecuteScalar()!;
        tx.Commit();
        return new Track
        {
            Id = id, Name = track.Name, SourcePath = track.SourcePath, FilePath = track.FilePath, Format = track.Format,
            Duration = track.Duration, ContentHash = track.ContentHash, CreatedAt = ParseTime(now),
        };
    }

    public Track? GetTrack(long id)
    {
        using var c = Connect();
        return QueryTracks(c, null, "WHERE id = $id", ("$id", id)).FirstOrDefault();
    }

    public Track? FindTrackByHash(string contentHash)
    {
        using var c = Connect();
        return QueryTracks(c, null, "WHERE content_hash = $h", ("$h", contentHash)).FirstOrDefault();
    }

    /// <summary>All tracks in id order.</summary>
    public IReadOnlyList<Track> ListTracks()
    {
        using var c = Connect();
        return QueryTracks(c, null, "ORDER BY id");
    }

    /// <summary>Deletes a track row; its stems stay (their track id becomes null). Returns false when it did not exist.</summary>
    public bool DeleteTrack(long id)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "DELETE FROM tracks WHERE id = $id;", ("$id", id));
        return cmd.ExecuteNonQuery() > 0;
    }

    private static List<Track> QueryTracks(SqliteConnection c, SqliteTransaction? tx, string where, params (string, object?)[] ps)
    {
        using var cmd = Cmd(c, tx, $"SELECT id, name, source_path, file_path, format, duration, content_hash, created_at FROM tracks {where};", ps);
        using var r = cmd.ExecuteReader();
        var list = new List<Track>();
        while (r.Read())
        {
            list.Add(new Track
            {
                Id = r.GetInt64(0), Name = r.GetString(1), SourcePath = r.GetString(2), FilePath = r.IsDBNull(3) ? null : r.GetString(3),
                Format = r.GetString(4), Duration = r.GetDouble(5), ContentHash = r.GetString(6), CreatedAt = ParseTime(r.GetString(7)),
            });
        }
        return list;
    }

    // ───────────────────────────── stems ─────────────────────────────

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
        var order = query.Sort switch
        {
            StemSort.Name => "s.name COLLATE NOCASE",
            StemSort.Kind => "s.kind, s.category",
            StemSort.Category => "s.category, s.kind",
            StemSort.Duration => "s.duration",
            StemSort.Bpm => "d.bpm IS NULL, d.bpm",
            StemSort.Key => "d.musical_key IS NULL, d.musical_key, d.mode",
            StemSort.Loudness => "d.lufs IS NULL, d.lufs",
            StemSort.Created => "s.created_at",
            _ => "s.id",
        };
        if (query.Descending) order = string.Join(", ", order.Split(", ").Select(o => o.EndsWith(" IS NULL", StringComparison.Ordinal) ? o : o + " DESC"));
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
        using var cmd = Cmd(c, null, $"SELECT COUNT(*) FROM stems s LEFT JOIN descriptors d ON d.stem_id = s.id {where};", [.. ps]);
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
        if (q.Ids is not null) Add("s.id IN (SELECT value FROM json_each($ids))", "$ids", JsonSerializer.Serialize(q.Ids));
        return (w.Count == 0 ? "" : "WHERE " + string.Join(" AND ", w), ps);
    }

    /// <summary>Changes a stem's kind, category and/or name (null leaves a field as it is).</summary>
    /// <exception cref="NotFoundException">No such stem.</exception>
    public Stem UpdateStem(long id, string? kind = null, string? category = null, string? name = null)
    {
        if (kind is not null && string.IsNullOrWhiteSpace(kind)) throw new InvalidInputException("A kind must not be empty.");
        if (category is not null && string.IsNullOrWhiteSpace(category)) throw new InvalidInputException("A category must not be empty.");
        using var c = Connect();
        using var tx = c.BeginTransaction();
        using var cmd = Cmd(c, tx, "UPDATE stems SET kind = COALESCE($k, kind), category = COALESCE($c, category), name = COALESCE($n, name) WHERE id = $id;",
            ("$k", kind is null ? null : Norm(kind)), ("$c", category is null ? null : Norm(category)), ("$n", name), ("$id", id));
        if (cmd.ExecuteNonQuery() == 0) throw NoStem(id);
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
            });
        }
        return list;
    }

    private static NotFoundException NoStem(long id) => new($"There is no stem {id} in this library; list them with 'traum stems list'.");

    // ───────────────────────────── descriptors ─────────────────────────────

    /// <summary>Writes (or replaces) a stem's descriptors.</summary>
    public void SetDescriptors(long stemId, Descriptors d)
    {
        ArgumentNullException.ThrowIfNull(d);
        using var c = Connect();
        using var tx = c.BeginTransaction();
        using var cmd = Cmd(c, tx,
            """
            INSERT OR REPLACE INTO descriptors (stem_id, duration, peak_db, rms_db, lufs, centroid, bandwidth, rolloff, flatness, zcr,
                onset_density, bpm, bpm_confidence, musical_key, mode, key_confidence, is_one_shot)
            VALUES ($id, $dur, $peak, $rms, $lufs, $cen, $bw, $ro, $fl, $zcr, $on, $bpm, $bpmc, $key, $mode, $keyc, $os);
            """,
            ("$id", stemId), ("$dur", d.Duration), ("$peak", d.PeakDb), ("$rms", d.RmsDb), ("$lufs", d.Lufs), ("$cen", d.SpectralCentroid),
            ("$bw", d.SpectralBandwidth), ("$ro", d.SpectralRolloff), ("$fl", d.SpectralFlatness), ("$zcr", d.ZeroCrossingRate),
            ("$on", d.OnsetDensity), ("$bpm", d.Bpm), ("$bpmc", d.BpmConfidence), ("$key", d.Key), ("$mode", d.Mode),
            ("$keyc", d.KeyConfidence), ("$os", d.IsOneShot ? 1 : 0));
        ExecuteForStem(cmd, stemId);
        SetDescriptorDetails(c, tx, stemId, d);
        var change = LogChange(c, tx, CatalogChangeKind.DescriptorsSet, stemId, null);
        tx.Commit();
        Raise(change);
    }

    /// <summary>A stem's descriptors, or null when it has none yet.</summary>
    public Descriptors? GetDescriptors(long stemId)
    {
        using var c = Connect();
        return ReadDescriptors(c, " WHERE d.stem_id = $id;", ("$id", stemId)).GetValueOrDefault(stemId);
    }

    // ───────────────────────────── embeddings ─────────────────────────────

    /// <summary>Writes (or replaces) the stem's embedding for <see cref="Embedding.ModelId"/>; one per stem per model.</summary>
    public void SetEmbedding(long stemId, Embedding embedding)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        if (embedding.Dimension == 0) throw new InvalidInputException("An embedding must have at least one dimension.");
        using var c = Connect();
        using var tx = c.BeginTransaction();
        using var cmd = Cmd(c, tx,
            "INSERT OR REPLACE INTO embeddings (stem_id, model_id, dimension, vector, created_at) VALUES ($id, $m, $dim, $v, $t);",
            ("$id", stemId), ("$m", embedding.ModelId), ("$dim", embedding.Dimension), ("$v", ToBlob(embedding.Vector)), ("$t", Now()));
        ExecuteForStem(cmd, stemId);
        var change = LogChange(c, tx, CatalogChangeKind.EmbeddingSet, stemId, embedding.ModelId);
        tx.Commit();
        Raise(change);
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

    /// <summary>Ids of stems that have no descriptors (an ingest was killed between the row and its analysis).</summary>
    public IReadOnlyList<long> StemsWithoutDescriptors()
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT s.id FROM stems s WHERE NOT EXISTS (SELECT 1 FROM descriptors d WHERE d.stem_id = s.id) ORDER BY s.id;");
        using var r = cmd.ExecuteReader();
        var list = new List<long>();
        while (r.Read()) list.Add(r.GetInt64(0));
        return list;
    }

    // ───────────────────────────── semantic profiles ─────────────────────────────

    /// <summary>Writes (or replaces) the stem's semantic profile for <see cref="SemanticProfile.ModelId"/>.</summary>
    public void SetProfile(long stemId, SemanticProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        using var c = Connect();
        using var tx = c.BeginTransaction();
        using var cmd = Cmd(c, tx, "INSERT OR REPLACE INTO profiles (stem_id, model_id, profile, created_at) VALUES ($id, $m, $p, $t);",
            ("$id", stemId), ("$m", profile.ModelId), ("$p", JsonSerializer.Serialize(profile.Families, ProfileJson)), ("$t", Now()));
        ExecuteForStem(cmd, stemId);
        var change = LogChange(c, tx, CatalogChangeKind.ProfileSet, stemId, profile.ModelId);
        tx.Commit();
        Raise(change);
    }

    /// <summary>The stem's semantic profile from <paramref name="modelId"/>, or null.</summary>
    public SemanticProfile? GetProfile(long stemId, string modelId)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT profile FROM profiles WHERE stem_id = $id AND model_id = $m;", ("$id", stemId), ("$m", modelId));
        return cmd.ExecuteScalar() is string json ? new SemanticProfile(modelId, ParseProfile(json)) : null;
    }

    /// <summary>The newest semantic profile of a stem from any model, or null.</summary>
    public SemanticProfile? GetLatestProfile(long stemId)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT model_id, profile FROM profiles WHERE stem_id = $id ORDER BY created_at DESC LIMIT 1;", ("$id", stemId));
        using var r = cmd.ExecuteReader();
        return r.Read() ? new SemanticProfile(r.GetString(0), ParseProfile(r.GetString(1))) : null;
    }

    /// <summary>Every stem's profile from <paramref name="modelId"/> (for percentiles across the library).</summary>
    public IReadOnlyDictionary<long, SemanticProfile> GetProfiles(string modelId)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT stem_id, profile FROM profiles WHERE model_id = $m;", ("$m", modelId));
        using var r = cmd.ExecuteReader();
        var map = new Dictionary<long, SemanticProfile>();
        while (r.Read()) map[r.GetInt64(0)] = new SemanticProfile(modelId, ParseProfile(r.GetString(1)));
        return map;
    }

    private static readonly JsonSerializerOptions ProfileJson = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static Dictionary<string, IReadOnlyList<ProfileScore>> ParseProfile(string json)
    {
        var raw = JsonSerializer.Deserialize<Dictionary<string, List<ProfileScore>>>(json, ProfileJson) ?? [];
        return raw.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<ProfileScore>)kv.Value);
    }

    // ───────────────────────────── trained models and generations ─────────────────────────────

    /// <summary>Registers a trained model.</summary>
    /// <exception cref="InvalidInputException">That category already has that version.</exception>
    public TrainedModel AddModel(string category, string version, string path, string? metadataJson = null)
    {
        using var c = Connect();
        var now = Now();
        try
        {
            using var cmd = Cmd(c, null, "INSERT INTO models (category, version, path, metadata, created_at) VALUES ($c, $v, $p, $m, $t) RETURNING id;",
                ("$c", category), ("$v", version), ("$p", path), ("$m", metadataJson), ("$t", now));
            return new TrainedModel((long)cmd.ExecuteScalar()!, category, version, path, metadataJson, ParseTime(now));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw new InvalidInputException($"Category '{category}' already has a model version '{version}'; versions never overwrite each other.", e);
        }
    }

    public TrainedModel? GetModel(long id) => QueryModels("WHERE id = $id", ("$id", id)).FirstOrDefault();

    public TrainedModel? GetModel(string category, string version) =>
        QueryModels("WHERE category = $c AND version = $v", ("$c", category), ("$v", version)).FirstOrDefault();

    /// <summary>The newest model of a category, or null.</summary>
    public TrainedModel? GetLatestModel(string category) =>
        QueryModels("WHERE category = $c ORDER BY created_at DESC, id DESC LIMIT 1", ("$c", category)).FirstOrDefault();

    /// <summary>Models, optionally of one category, oldest first.</summary>
    public IReadOnlyList<TrainedModel> ListModels(string? category = null) =>
        category is null ? QueryModels("ORDER BY category, id") : QueryModels("WHERE category = $c ORDER BY id", ("$c", category));

    /// <summary>Removes a model row (generations keep its category and version). Returns false when it did not exist.</summary>
    public bool DeleteModel(long id)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "DELETE FROM models WHERE id = $id;", ("$id", id));
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
            list.Add(new TrainedModel(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), ParseTime(r.GetString(5))));
        }
        return list;
    }

    /// <summary>Records a generation (lineage); its <see cref="Generation.Id"/> and creation time are assigned here.</summary>
    public Generation AddGeneration(Generation generation)
    {
        ArgumentNullException.ThrowIfNull(generation);
        using var c = Connect();
        var now = Now();
        using var cmd = Cmd(c, null,
            "INSERT INTO generations (model_id, model_category, model_version, mode, seed, parameters, parent_stem_ids, created_at) VALUES ($m, $c, $v, $mode, $s, $p, $parents, $t) RETURNING id;",
            ("$m", generation.ModelId), ("$c", generation.ModelCategory), ("$v", generation.ModelVersion), ("$mode", generation.Mode),
            ("$s", generation.Seed), ("$p", generation.ParametersJson), ("$parents", JsonSerializer.Serialize(generation.ParentStemIds)), ("$t", now));
        var id = (long)cmd.ExecuteScalar()!;
        return generation with { Id = id, CreatedAt = ParseTime(now) };
    }

    public Generation? GetGeneration(long id)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null,
            "SELECT id, model_id, model_category, model_version, mode, seed, parameters, parent_stem_ids, created_at FROM generations WHERE id = $id;", ("$id", id));
        using var r = cmd.ExecuteReader();
        if (!r.Read()) return null;
        return new Generation
        {
            Id = r.GetInt64(0), ModelId = r.IsDBNull(1) ? null : r.GetInt64(1), ModelCategory = r.GetString(2), ModelVersion = r.GetString(3),
            Mode = r.GetString(4), Seed = r.IsDBNull(5) ? null : r.GetInt64(5), ParametersJson = r.IsDBNull(6) ? null : r.GetString(6),
            ParentStemIds = JsonSerializer.Deserialize<long[]>(r.GetString(7)) ?? [], CreatedAt = ParseTime(r.GetString(8)),
        };
    }

    // ───────────────────────────── change log ─────────────────────────────

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

    // ───────────────────────────── plumbing ─────────────────────────────

    internal SqliteConnection Connect()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        Exec(c, null, $"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = NORMAL;");
        return c;
    }

    internal static SqliteCommand Cmd(SqliteConnection c, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] ps)
    {
        var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in ps) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    internal static void Exec(SqliteConnection c, SqliteTransaction? tx, string sql, params (string, object?)[] ps)
    {
        using var cmd = Cmd(c, tx, sql, ps);
        cmd.ExecuteNonQuery();
    }

    private static void ExecuteForStem(SqliteCommand cmd, long stemId)
    {
        try
        {
            cmd.ExecuteNonQuery();
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw NoStem(stemId);
        }
    }

    internal string Now() => FormatTime(_time.GetUtcNow());

    internal static string FormatTime(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    internal static DateTimeOffset ParseTime(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static string Norm(string s) => s.Trim().ToLowerInvariant();

    internal static string OriginText(StemOrigin o) => o switch
    {
        StemOrigin.Separated => "separated",
        StemOrigin.Imported => "imported",
        StemOrigin.Generated => "generated",
        _ => throw new ArgumentOutOfRangeException(nameof(o), o, null),
    };

    private static StemOrigin ParseOrigin(string s) => s switch
    {
        "separated" => StemOrigin.Separated,
        "generated" => StemOrigin.Generated,
        _ => StemOrigin.Imported,
    };

    private static byte[] ToBlob(float[] v)
    {
        var bytes = MemoryMarshal.AsBytes(v.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Embeddings are stored as little-endian float32.");
        return bytes;
    }

    private static float[] FromBlob(byte[] blob)
    {
        var v = new float[blob.Length / 4];
        blob.AsSpan(0, v.Length * 4).CopyTo(MemoryMarshal.AsBytes(v.AsSpan()));
        return v;
    }

    /// <summary>Releases pooled connections so the database file can be moved or deleted.</summary>
    public void Dispose()
    {
        using var c = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(c);
    }
}
