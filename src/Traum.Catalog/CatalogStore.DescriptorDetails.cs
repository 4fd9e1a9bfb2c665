using Microsoft.Data.Sqlite;
using Traum.Core;

namespace Traum.Catalog;

/// <summary>The descriptors kept in <c>descriptor_details</c> (schema v3): loudness meter, loop length, stated values.</summary>
public sealed partial class CatalogStore
{
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

    private static Descriptors WithDescriptorDetails(SqliteConnection c, long stemId, Descriptors d)
    {
        using var cmd = Cmd(c, null,
            "SELECT true_peak_db, momentary_max_lufs, short_term_max_lufs, loudness_range, loop_bars, stated_bpm, stated_key, stated_mode FROM descriptor_details WHERE stem_id = $id;",
            ("$id", stemId));
        using var r = cmd.ExecuteReader();
        if (!r.Read()) return d;
        double? D(int i) => r.IsDBNull(i) ? null : r.GetDouble(i);
        string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        return d with
        {
            TruePeakDb = D(0), MomentaryMaxLufs = D(1), ShortTermMaxLufs = D(2), LoudnessRange = D(3), LoopBars = D(4),
            StatedBpm = D(5), StatedKey = S(6), StatedMode = S(7),
        };
    }
}
