using Npgsql;
using Traum.Core;

namespace Traum.Catalog.Postgres;

/// <summary>Descriptors with their details, fingerprints, and one stem's analysis in one transaction (<see cref="IAnalysisStore"/>).</summary>
internal sealed partial class PostgresCatalog
{
    private const string DescriptorSelect =
        "SELECT d.stem_id, d.duration, d.peak_db, d.rms_db, d.lufs, d.centroid, d.bandwidth, d.rolloff, d.flatness, d.zcr, d.onset_density, " +
        "d.bpm, d.bpm_confidence, d.musical_key, d.mode, d.key_confidence, d.is_one_shot, " +
        "x.true_peak_db, x.momentary_max_lufs, x.short_term_max_lufs, x.loudness_range, x.loop_bars, x.stated_bpm, x.stated_key, x.stated_mode " +
        "FROM descriptors d LEFT JOIN descriptor_details x ON x.stem_id = d.stem_id";

    /// <inheritdoc/>
    public void SaveAnalysis(long stemId, AnalysisResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        foreach (var e in results.Embeddings) CheckEmbedding(e);
        foreach (var p in results.Profiles) ArgumentNullException.ThrowIfNull(p);
        foreach (var f in results.Fingerprints) ArgumentNullException.ThrowIfNull(f);
        if (results.IsEmpty) return;
        using var c = Connect();
        using var tx = BeginLogged(c);
        RequireStem(c, tx, stemId);
        var changes = new List<CatalogChange>();
        if (results.Descriptors is { } d) changes.Add(WriteDescriptors(c, tx, stemId, d));
        foreach (var e in results.Embeddings) changes.Add(WriteEmbedding(c, tx, stemId, e));
        foreach (var p in results.Profiles) changes.Add(WriteProfile(c, tx, stemId, p));
        foreach (var f in results.Fingerprints) WriteFingerprint(c, tx, stemId, f.Algorithm, f.Duration, f.Items);
        tx.Commit();
        Raise(changes);
    }

    /// <summary>Locks the stem's row for this transaction (so it cannot be deleted under the writes); throws when there is none.</summary>
    private static void RequireStem(NpgsqlConnection c, NpgsqlTransaction tx, long stemId)
    {
        using var cmd = Cmd(c, tx, "SELECT 1 FROM stems WHERE id = @id FOR KEY SHARE;", ("id", stemId));
        if (cmd.ExecuteScalar() is null) throw NoStem(stemId);
    }

    /// <inheritdoc/>
    public StoredAnalysis GetStoredAnalysis(long stemId)
    {
        using var c = Connect();
        bool hasDescriptors;
        using (var cmd = Cmd(c, null, "SELECT EXISTS (SELECT 1 FROM descriptors WHERE stem_id = @id);", ("id", stemId)))
        {
            hasDescriptors = (bool)cmd.ExecuteScalar()!;
        }
        var embeddings = new Dictionary<string, float[]>(StringComparer.Ordinal);
        using (var cmd = Cmd(c, null, "SELECT model_id, vector FROM embeddings WHERE stem_id = @id;", ("id", stemId)))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read()) embeddings[r.GetString(0)] = r.GetFieldValue<Pgvector.Vector>(1).ToArray();
        }
        return new StoredAnalysis(hasDescriptors, embeddings,
            Strings(c, "SELECT model_id FROM profiles WHERE stem_id = @id;", stemId),
            Strings(c, "SELECT algorithm FROM fingerprints WHERE stem_id = @id;", stemId));
    }

    private static HashSet<string> Strings(NpgsqlConnection c, string sql, long stemId)
    {
        using var cmd = Cmd(c, null, sql, ("id", stemId));
        using var r = cmd.ExecuteReader();
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (r.Read()) set.Add(r.GetString(0));
        return set;
    }

    /// <inheritdoc/>
    public void SetDescriptors(long stemId, Descriptors descriptors)
    {
        ArgumentNullException.ThrowIfNull(descriptors);
        using var c = Connect();
        using var tx = BeginLogged(c);
        var change = WriteDescriptors(c, tx, stemId, descriptors);
        tx.Commit();
        Raise(change);
    }

    private CatalogChange WriteDescriptors(NpgsqlConnection c, NpgsqlTransaction tx, long stemId, Descriptors d)
    {
        using (var cmd = Cmd(c, tx,
            """
            INSERT INTO descriptors (stem_id, duration, peak_db, rms_db, lufs, centroid, bandwidth, rolloff, flatness, zcr,
                onset_density, bpm, bpm_confidence, musical_key, mode, key_confidence, is_one_shot)
            VALUES (@id, @dur, @peak, @rms, @lufs, @cen, @bw, @ro, @fl, @zcr, @on, @bpm, @bpmc, @key, @mode, @keyc, @os)
            ON CONFLICT (stem_id) DO UPDATE SET duration = EXCLUDED.duration, peak_db = EXCLUDED.peak_db, rms_db = EXCLUDED.rms_db,
                lufs = EXCLUDED.lufs, centroid = EXCLUDED.centroid, bandwidth = EXCLUDED.bandwidth, rolloff = EXCLUDED.rolloff,
                flatness = EXCLUDED.flatness, zcr = EXCLUDED.zcr, onset_density = EXCLUDED.onset_density, bpm = EXCLUDED.bpm,
                bpm_confidence = EXCLUDED.bpm_confidence, musical_key = EXCLUDED.musical_key, mode = EXCLUDED.mode,
                key_confidence = EXCLUDED.key_confidence, is_one_shot = EXCLUDED.is_one_shot;
            """,
            ("id", stemId), ("dur", d.Duration), ("peak", d.PeakDb), ("rms", d.RmsDb), ("lufs", d.Lufs), ("cen", d.SpectralCentroid),
            ("bw", d.SpectralBandwidth), ("ro", d.SpectralRolloff), ("fl", d.SpectralFlatness), ("zcr", d.ZeroCrossingRate),
            ("on", d.OnsetDensity), ("bpm", d.Bpm), ("bpmc", d.BpmConfidence), ("key", d.Key), ("mode", d.Mode),
            ("keyc", d.KeyConfidence), ("os", d.IsOneShot)))
        {
            ExecuteForStem(cmd, stemId);
        }
        Exec(c, tx,
            """
            INSERT INTO descriptor_details (stem_id, true_peak_db, momentary_max_lufs, short_term_max_lufs, loudness_range,
                loop_bars, stated_bpm, stated_key, stated_mode)
            VALUES (@id, @tp, @m, @s, @lra, @bars, @sbpm, @skey, @smode)
            ON CONFLICT (stem_id) DO UPDATE SET true_peak_db = EXCLUDED.true_peak_db, momentary_max_lufs = EXCLUDED.momentary_max_lufs,
                short_term_max_lufs = EXCLUDED.short_term_max_lufs, loudness_range = EXCLUDED.loudness_range, loop_bars = EXCLUDED.loop_bars,
                stated_bpm = EXCLUDED.stated_bpm, stated_key = EXCLUDED.stated_key, stated_mode = EXCLUDED.stated_mode;
            """,
            ("id", stemId), ("tp", (object?)d.TruePeakDb ?? DBNull.Value), ("m", (object?)d.MomentaryMaxLufs ?? DBNull.Value),
            ("s", (object?)d.ShortTermMaxLufs ?? DBNull.Value), ("lra", (object?)d.LoudnessRange ?? DBNull.Value), ("bars", (object?)d.LoopBars ?? DBNull.Value),
            ("sbpm", (object?)d.StatedBpm ?? DBNull.Value), ("skey", d.StatedKey), ("smode", d.StatedMode));
        return LogChange(c, tx, CatalogChangeKind.DescriptorsSet, stemId, null);
    }

    /// <inheritdoc/>
    public Descriptors? GetDescriptors(long stemId)
    {
        using var c = Connect();
        return ReadDescriptors(c, " WHERE d.stem_id = @id;", ("id", stemId)).GetValueOrDefault(stemId);
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<long, Descriptors> GetDescriptors(IReadOnlyCollection<long> stemIds)
    {
        ArgumentNullException.ThrowIfNull(stemIds);
        if (stemIds.Count == 0) return new Dictionary<long, Descriptors>();
        using var c = Connect();
        return ReadDescriptors(c, " WHERE d.stem_id = ANY(@ids);", ("ids", stemIds.Distinct().ToArray()));
    }

    /// <inheritdoc/>
    public IReadOnlyList<long> StemsWithoutDescriptors() =>
        Ids("SELECT s.id FROM stems s WHERE NOT EXISTS (SELECT 1 FROM descriptors d WHERE d.stem_id = s.id) ORDER BY s.id;");

    private List<long> Ids(string sql, params (string, object?)[] ps)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, sql, ps);
        using var r = cmd.ExecuteReader();
        var list = new List<long>();
        while (r.Read()) list.Add(r.GetInt64(0));
        return list;
    }

    private static Dictionary<long, Descriptors> ReadDescriptors(NpgsqlConnection c, string where, params (string, object?)[] ps)
    {
        using var cmd = Cmd(c, null, DescriptorSelect + where, ps);
        using var r = cmd.ExecuteReader();
        var map = new Dictionary<long, Descriptors>();
        while (r.Read())
        {
            double D(int i) => r.IsDBNull(i) ? double.NaN : r.GetDouble(i);
            double? N(int i) => r.IsDBNull(i) ? null : r.GetDouble(i);
            string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
            map[r.GetInt64(0)] = new Descriptors
            {
                Duration = D(1), PeakDb = D(2), RmsDb = D(3), Lufs = D(4), SpectralCentroid = D(5), SpectralBandwidth = D(6),
                SpectralRolloff = D(7), SpectralFlatness = D(8), ZeroCrossingRate = D(9), OnsetDensity = D(10),
                Bpm = N(11), BpmConfidence = D(12), Key = S(13), Mode = S(14), KeyConfidence = D(15), IsOneShot = r.GetBoolean(16),
                TruePeakDb = N(17), MomentaryMaxLufs = N(18), ShortTermMaxLufs = N(19), LoudnessRange = N(20), LoopBars = N(21),
                StatedBpm = N(22), StatedKey = S(23), StatedMode = S(24),
            };
        }
        return map;
    }

    /// <inheritdoc/>
    public void SetFingerprint(long stemId, string algorithm, double duration, IReadOnlyList<uint> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        using var c = Connect();
        WriteFingerprint(c, null, stemId, algorithm, duration, items);
    }

    private static void WriteFingerprint(NpgsqlConnection c, NpgsqlTransaction? tx, long stemId, string algorithm, double duration, IReadOnlyList<uint> items)
    {
        var blob = new byte[items.Count * 4];
        for (var i = 0; i < items.Count; i++) BitConverter.TryWriteBytes(blob.AsSpan(4 * i), items[i]);
        using var cmd = Cmd(c, tx,
            "INSERT INTO fingerprints (stem_id, algorithm, duration, data) VALUES (@id, @a, @d, @b) ON CONFLICT (stem_id) DO UPDATE SET algorithm = EXCLUDED.algorithm, duration = EXCLUDED.duration, data = EXCLUDED.data;",
            ("id", stemId), ("a", algorithm), ("d", duration), ("b", blob));
        ExecuteForStem(cmd, stemId);
    }

    /// <inheritdoc/>
    public bool HasFingerprint(long stemId, string algorithm)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT 1 FROM fingerprints WHERE stem_id = @id AND algorithm = @a;", ("id", stemId), ("a", algorithm));
        return cmd.ExecuteScalar() is not null;
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<long, uint[]> GetFingerprints(string algorithm)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT stem_id, data FROM fingerprints WHERE algorithm = @a;", ("a", algorithm));
        using var r = cmd.ExecuteReader();
        var map = new Dictionary<long, uint[]>();
        while (r.Read())
        {
            var blob = r.GetFieldValue<byte[]>(1);
            var items = new uint[blob.Length / 4];
            for (var i = 0; i < items.Length; i++) items[i] = BitConverter.ToUInt32(blob, 4 * i);
            map[r.GetInt64(0)] = items;
        }
        return map;
    }
}
