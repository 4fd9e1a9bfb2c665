namespace Traum.Catalog;

/// <summary>
/// The catalog's schema as an ordered list of migrations. Migration <c>i</c> (0-based) takes the database from
/// version <c>i</c> to <c>i + 1</c>; the applied versions are recorded in <c>schema_version</c>. Never edit a
/// migration that has shipped: add a new one at the end.
/// </summary>
internal static class Schema
{
    public static IReadOnlyList<string> Migrations { get; } =
    [
        // v1: the records of a library.
        """
        CREATE TABLE tracks (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            source_path TEXT NOT NULL,
            file_path TEXT,
            format TEXT NOT NULL,
            duration REAL NOT NULL,
            content_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        );
        CREATE TABLE models (
            id INTEGER PRIMARY KEY,
            category TEXT NOT NULL,
            version TEXT NOT NULL,
            path TEXT NOT NULL,
            metadata TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (category, version)
        );
        CREATE TABLE generations (
            id INTEGER PRIMARY KEY,
            model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
            model_category TEXT NOT NULL,
            model_version TEXT NOT NULL,
            mode TEXT NOT NULL,
            seed INTEGER,
            parameters TEXT,
            parent_stem_ids TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL
        );
        CREATE TABLE stems (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            category TEXT NOT NULL,
            origin TEXT NOT NULL CHECK (origin IN ('separated', 'imported', 'generated')),
            track_id INTEGER REFERENCES tracks(id) ON DELETE SET NULL,
            generation_id INTEGER REFERENCES generations(id) ON DELETE SET NULL,
            file_path TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            source_path TEXT,
            source_size INTEGER,
            source_modified INTEGER,
            sample_rate INTEGER NOT NULL CHECK (sample_rate > 0),
            channels INTEGER NOT NULL CHECK (channels > 0),
            duration REAL NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX ix_stems_hash ON stems(content_hash);
        CREATE INDEX ix_stems_file ON stems(file_path);
        CREATE INDEX ix_stems_kind ON stems(kind, category);
        CREATE INDEX ix_stems_category ON stems(category);
        CREATE INDEX ix_stems_track ON stems(track_id);
        CREATE INDEX ix_stems_source ON stems(source_path);
        CREATE TABLE stem_tags (
            stem_id INTEGER NOT NULL REFERENCES stems(id) ON DELETE CASCADE,
            tag TEXT NOT NULL COLLATE NOCASE,
            PRIMARY KEY (stem_id, tag)
        ) WITHOUT ROWID;
        CREATE INDEX ix_stem_tags_tag ON stem_tags(tag);
        CREATE TABLE descriptors (
            stem_id INTEGER PRIMARY KEY REFERENCES stems(id) ON DELETE CASCADE,
            duration REAL NOT NULL,
            peak_db REAL,
            rms_db REAL,
            lufs REAL,
            centroid REAL,
            bandwidth REAL,
            rolloff REAL,
            flatness REAL,
            zcr REAL,
            onset_density REAL,
            bpm REAL,
            bpm_confidence REAL,
            musical_key TEXT,
            mode TEXT,
            key_confidence REAL,
            is_one_shot INTEGER NOT NULL
        );
        CREATE INDEX ix_descriptors_bpm ON descriptors(bpm);
        CREATE TABLE embeddings (
            stem_id INTEGER NOT NULL REFERENCES stems(id) ON DELETE CASCADE,
            model_id TEXT NOT NULL,
            dimension INTEGER NOT NULL CHECK (dimension > 0),
            vector BLOB NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (stem_id, model_id)
        );
        CREATE INDEX ix_embeddings_model ON embeddings(model_id, stem_id);
        CREATE TABLE profiles (
            stem_id INTEGER NOT NULL REFERENCES stems(id) ON DELETE CASCADE,
            model_id TEXT NOT NULL,
            profile TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (stem_id, model_id)
        );
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            state TEXT NOT NULL,
            progress REAL NOT NULL DEFAULT 0,
            message TEXT,
            error TEXT,
            parameters TEXT,
            result TEXT,
            created_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            updated_at TEXT
        );
        CREATE INDEX ix_jobs_state ON jobs(state);
        """,
        // v2: change log (so an in-memory index can follow the catalog) and job ownership (so only jobs whose
        // process is gone are marked interrupted).
        """
        CREATE TABLE changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            stem_id INTEGER NOT NULL,
            model_id TEXT,
            at TEXT NOT NULL
        );
        ALTER TABLE jobs ADD COLUMN owner TEXT;
        """,
        // v3: content identity enforced by the catalog. Rows of the same sound with the same origin and the same
        // track or generation are one stem: concurrent ingests used to add several. Existing duplicates are merged
        // into the oldest row (tags, descriptors, embeddings and profiles it lacks are moved to it; the change log
        // records the removals so vector indexes follow), then a unique index makes the race have one winner.
        """
        CREATE TEMP TABLE stem_merge AS
            SELECT s.id AS dup,
                   (SELECT MIN(k.id) FROM stems k
                     WHERE k.content_hash = s.content_hash AND k.origin = s.origin
                       AND k.track_id IS s.track_id AND k.generation_id IS s.generation_id) AS keeper
            FROM stems s;
        DELETE FROM stem_merge WHERE dup = keeper;
        UPDATE OR IGNORE stem_tags SET stem_id = (SELECT keeper FROM stem_merge WHERE dup = stem_tags.stem_id)
            WHERE stem_id IN (SELECT dup FROM stem_merge);
        UPDATE OR IGNORE descriptors SET stem_id = (SELECT keeper FROM stem_merge WHERE dup = descriptors.stem_id)
            WHERE stem_id IN (SELECT dup FROM stem_merge);
        INSERT INTO changes (kind, stem_id, model_id, at)
            SELECT 'EmbeddingSet', m.keeper, e.model_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
            FROM embeddings e JOIN stem_merge m ON m.dup = e.stem_id
            WHERE NOT EXISTS (SELECT 1 FROM embeddings k WHERE k.stem_id = m.keeper AND k.model_id = e.model_id);
        UPDATE OR IGNORE embeddings SET stem_id = (SELECT keeper FROM stem_merge WHERE dup = embeddings.stem_id)
            WHERE stem_id IN (SELECT dup FROM stem_merge);
        UPDATE OR IGNORE profiles SET stem_id = (SELECT keeper FROM stem_merge WHERE dup = profiles.stem_id)
            WHERE stem_id IN (SELECT dup FROM stem_merge);
        INSERT INTO changes (kind, stem_id, model_id, at)
            SELECT 'StemRemoved', dup, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM stem_merge ORDER BY dup;
        DELETE FROM stems WHERE id IN (SELECT dup FROM stem_merge);
        DROP TABLE stem_merge;
        CREATE UNIQUE INDEX ux_stems_identity
            ON stems (content_hash, origin, IFNULL(track_id, -1), IFNULL(generation_id, -1));
        """,
        // v4: jobs claimed by any number of runtimes: a lease renewed by heartbeat (an expired one is taken over),
        // bounded attempts, a cancel request any runtime can make, and whether workers may run the job (detached)
        // or only the command line that started it.
        """
        ALTER TABLE jobs ADD COLUMN lease_until TEXT;
        ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE jobs ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 3;
        ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE jobs ADD COLUMN detached INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX ix_jobs_claim ON jobs (state, detached, created_at);
        """,
        // v5: descriptors beyond the first set (loudness meter, loop length, values stated by names) and audio
        // fingerprints for duplicate detection; each in its own table so the descriptors table stays as it was.
        """
        CREATE TABLE descriptor_details (
            stem_id INTEGER PRIMARY KEY REFERENCES stems(id) ON DELETE CASCADE,
            true_peak_db REAL,
            momentary_max_lufs REAL,
            short_term_max_lufs REAL,
            loudness_range REAL,
            loop_bars REAL,
            stated_bpm REAL,
            stated_key TEXT,
            stated_mode TEXT
        );
        CREATE TABLE fingerprints (
            stem_id INTEGER PRIMARY KEY REFERENCES stems(id) ON DELETE CASCADE,
            algorithm TEXT NOT NULL,
            duration REAL NOT NULL,
            data BLOB NOT NULL
        );
        """,
        // v6: the producer's own marks on a stem: a favourite flag and a rating of 1 to 5 stars (null: not rated).
        """
        ALTER TABLE stems ADD COLUMN favourite INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE stems ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);
        CREATE INDEX ix_stems_favourite ON stems (favourite) WHERE favourite = 1;
        """,
        // v7: data points jobs log (a training run's loss per epoch), so a process other than the one running the job
        // can show them.
        """
        CREATE TABLE job_log (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            data TEXT NOT NULL
        );
        CREATE INDEX ix_job_log_job ON job_log (job_id, seq);
        """,
    ];
}
