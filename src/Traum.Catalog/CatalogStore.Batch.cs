using System.Text.Json;
using Microsoft.Data.Sqlite;
using Traum.Core;

namespace Traum.Catalog;

/// <summary>
/// Reads for many stems at once (search hits, listings): one query per kind of data, whatever the number of stems,
/// instead of one per stem. Ids go in as one JSON array parameter (<c>json_each</c>), so the SQL text is fixed.
/// </summary>
public sealed partial class CatalogStore
{
    private const string DescriptorSelect =
        "SELECT d.stem_id, d.duration, d.peak_db, d.rms_db, d.lufs, d.centroid, d.bandwidth, d.rolloff, d.flatness, d.zcr, d.onset_density, " +
        "d.bpm, d.bpm_confidence, d.musical_key, d.mode, d.key_confidence, d.is_one_shot, " +
        "x.true_peak_db, x.momentary_max_lufs, x.short_term_max_lufs, x.loudness_range, x.loop_bars, x.stated_bpm, x.stated_key, x.stated_mode " +
        "FROM descriptors d LEFT JOIN descriptor_details x ON x.stem_id = d.stem_id";

    private static string IdArray(IEnumerable<long> ids) => JsonSerializer.Serialize(ids.Distinct().ToArray());

    /// <summary>The stems with these ids that exist, by id (one query).</summary>
    public IReadOnlyDictionary<long, Stem> GetStems(IReadOnlyCollection<long> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0) return new Dictionary<long, Stem>();
        using var c = Connect();
        return QueryStems(c, null, "WHERE s.id IN (SELECT value FROM json_each($ids))", ("$ids", IdArray(ids))).ToDictionary(s => s.Id);
    }

    /// <summary>The descriptors of those of these stems that have them, by stem id (one query).</summary>
    public IReadOnlyDictionary<long, Descriptors> GetDescriptors(IReadOnlyCollection<long> stemIds)
    {
        ArgumentNullException.ThrowIfNull(stemIds);
        if (stemIds.Count == 0) return new Dictionary<long, Descriptors>();
        using var c = Connect();
        return ReadDescriptors(c, " WHERE d.stem_id IN (SELECT value FROM json_each($ids));", ("$ids", IdArray(stemIds)));
    }

    /// <summary>The newest semantic profile of those of these stems that have one, by stem id (one query).</summary>
    public IReadOnlyDictionary<long, SemanticProfile> GetLatestProfiles(IReadOnlyCollection<long> stemIds)
    {
        ArgumentNullException.ThrowIfNull(stemIds);
        var map = new Dictionary<long, SemanticProfile>();
        if (stemIds.Count == 0) return map;
        using var c = Connect();
        using var cmd = Cmd(c, null,
            "SELECT stem_id, model_id, profile FROM profiles WHERE stem_id IN (SELECT value FROM json_each($ids)) ORDER BY stem_id, created_at DESC;",
            ("$ids", IdArray(stemIds)));
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var id = r.GetInt64(0);
            if (!map.ContainsKey(id)) map[id] = new SemanticProfile(r.GetString(1), ParseProfile(r.GetString(2)));
        }
        return map;
    }

    private static Dictionary<long, Descriptors> ReadDescriptors(SqliteConnection c, string where, params (string, object?)[] ps)
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
                Bpm = N(11), BpmConfidence = D(12), Key = S(13), Mode = S(14), KeyConfidence = D(15), IsOneShot = r.GetInt64(16) != 0,
                TruePeakDb = N(17), MomentaryMaxLufs = N(18), ShortTermMaxLufs = N(19), LoudnessRange = N(20), LoopBars = N(21),
                StatedBpm = N(22), StatedKey = S(23), StatedMode = S(24),
            };
        }
        return map;
    }
}
