using Microsoft.Data.Sqlite;
using Traum.Core;

namespace Traum.Catalog;

/// <summary>The descriptors kept in <c>descriptor_details</c> (schema v3): loudness meter, loop length, stated values; and audio fingerprints (<c>fingerprints</c>).</summary>
public sealed partial class CatalogStore
{
    // Tempo and key as the filters see them: the value stated by the name when there is one, else the estimate.
    private const string StatedKeySql = "(SELECT x.stated_key FROM descriptor_details x WHERE x.stem_id = s.id)";
    private const string BpmSql = "COALESCE((SELECT x.stated_bpm FROM descriptor_details x WHERE x.stem_id = s.id), d.bpm)";
    private const string KeySql = "COALESCE(" + StatedKeySql + ", d.musical_key)";
    // A stated key without a mode ("Bass F#") matches either mode.
    private const string StatedModeSql = "(SELECT x.stated_mode FROM descriptor_details x WHERE x.stem_id = s.id)";

    /// <summary>
    /// The tempo and key criteria of <paramref name="q"/>: stated values first (a name such as "Am Bass 128 BPM"), then the
    /// estimates; keys match by pitch class whatever the stored spelling (A# and Bb alike).
    /// </summary>
    private static void AddMusicalFilters(StemQuery q, List<string> w, List<(string, object?)> ps)
    {
        if (q.MinBpm is not null || q.MaxBpm is not null)
        {
            // One range, or (half/double) the range at ×0.5, ×1 and ×2: any of them may hold.
            double[] factors = q.BpmHalfDouble ? [0.5, 1, 2] : [1];
            var any = new List<string>();
            for (var f = 0; f < factors.Length; f++)
            {
                var both = new List<string>();
                if (q.MinBpm is { } b0) { both.Add($"{BpmSql} >= $bpm0_{f}"); ps.Add(($"$bpm0_{f}", b0 * factors[f])); }
                if (q.MaxBpm is { } b1) { both.Add($"{BpmSql} <= $bpm1_{f}"); ps.Add(($"$bpm1_{f}", b1 * factors[f])); }
                any.Add("(" + string.Join(" AND ", both) + ")");
            }
            w.Add("(" + string.Join(" OR ", any) + ")");
        }
        var i = 0;
        string AnyOf(IEnumerable<(int PitchClass, bool Minor)> keys)
        {
            var any = new List<string>();
            foreach (var (pc, minor) in keys.Distinct())
            {
                var inList = new List<string>();
                foreach (var n in KeyNames.Spellings(pc))
                {
                    var p = $"$key{i}_{inList.Count}";
                    inList.Add(p);
                    ps.Add((p, n));
                }
                ps.Add(($"$mode{i}", minor ? "minor" : "major"));
                any.Add($"({KeySql} IN ({string.Join(", ", inList)}) AND (CASE WHEN {StatedKeySql} IS NOT NULL THEN ({StatedModeSql} IS NULL OR {StatedModeSql} = $mode{i}) ELSE d.mode = $mode{i} END))");
                i++;
            }
            return "(" + string.Join(" OR ", any) + ")";
        }
        if (q.Key is { } key) w.Add(AnyOf([(KeyNames.PitchClass(key.Tonic)!.Value, key.Mode == "minor")]));
        if (q.CompatibleWith is { } near) w.Add(AnyOf(KeyNames.Compatible(KeyNames.PitchClass(near.Tonic)!.Value, near.Mode == "minor")));
    }

    private static void SetDescriptorDetails(SqliteConnection c, SqliteTransaction tx, long stemId, Descriptors d)
    {
        using var cmd = Cmd(c, tx,
            """
            INSERT OR REPLACE INTO descriptor_details (stem_id, true_peak_db, momentary_max_lufs, short_term_max_lufs, loudness_range,
                loop_bars, stated_bpm, stated_key, stated_mode)
            VALUES ($id, $tp, $m, $s, $lra, $bars, $sbpm, $skey, $smode);
            """,
            ("$id", stemId), ("$tp", d.TruePeakDb), ("$m", d.MomentaryMaxLufs), ("$s", d.ShortTermMaxLufs), ("$lra", d.LoudnessRange),
            ("$bars", d.LoopBars), ("$sbpm", d.StatedBpm), ("$skey", d.StatedKey), ("$smode", d.StatedMode));
        cmd.ExecuteNonQuery();
    }

    /// <summary>Stores (or replaces) a stem's audio fingerprint (raw 32-bit items) made by <paramref name="algorithm"/>.</summary>
    public void SetFingerprint(long stemId, string algorithm, double duration, IReadOnlyList<uint> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        using var c = Connect();
        WriteFingerprint(c, null, stemId, algorithm, duration, items);
    }

    private static void WriteFingerprint(SqliteConnection c, SqliteTransaction? tx, long stemId, string algorithm, double duration, IReadOnlyList<uint> items)
    {
        var blob = new byte[items.Count * 4];
        for (var i = 0; i < items.Count; i++) BitConverter.TryWriteBytes(blob.AsSpan(4 * i), items[i]);
        using var cmd = Cmd(c, tx, "INSERT OR REPLACE INTO fingerprints (stem_id, algorithm, duration, data) VALUES ($id, $a, $d, $b);",
            ("$id", stemId), ("$a", algorithm), ("$d", duration), ("$b", blob));
        ExecuteForStem(cmd, stemId);
    }

    /// <summary>True when stem <paramref name="stemId"/> has a fingerprint made by <paramref name="algorithm"/>.</summary>
    public bool HasFingerprint(long stemId, string algorithm)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT 1 FROM fingerprints WHERE stem_id = $id AND algorithm = $a;", ("$id", stemId), ("$a", algorithm));
        return cmd.ExecuteScalar() is not null;
    }

    /// <summary>Every stored fingerprint of <paramref name="algorithm"/>, by stem id.</summary>
    public IReadOnlyDictionary<long, uint[]> GetFingerprints(string algorithm)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT stem_id, data FROM fingerprints WHERE algorithm = $a;", ("$a", algorithm));
        using var r = cmd.ExecuteReader();
        var map = new Dictionary<long, uint[]>();
        while (r.Read())
        {
            var blob = (byte[])r.GetValue(1);
            var items = new uint[blob.Length / 4];
            for (var i = 0; i < items.Length; i++) items[i] = BitConverter.ToUInt32(blob, 4 * i);
            map[r.GetInt64(0)] = items;
        }
        return map;
    }
}
