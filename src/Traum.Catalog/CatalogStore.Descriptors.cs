using Microsoft.Data.Sqlite;
using Traum.Core;

namespace Traum.Catalog;

/// <summary>Descriptors (<see cref="IAnalysisStore"/>); their details and fingerprints are in <c>CatalogStore.DescriptorDetails.cs</c>.</summary>
public sealed partial class CatalogStore
{
    /// <summary>Writes (or replaces) a stem's descriptors.</summary>
    public void SetDescriptors(long stemId, Descriptors descriptors)
    {
        var d = descriptors;
        ArgumentNullException.ThrowIfNull(d);
        using var c = Connect();
        using var tx = c.BeginTransaction();
        var change = WriteDescriptors(c, tx, stemId, d);
        tx.Commit();
        Raise(change);
    }

    private CatalogChange WriteDescriptors(SqliteConnection c, SqliteTransaction tx, long stemId, Descriptors d)
    {
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
        return LogChange(c, tx, CatalogChangeKind.DescriptorsSet, stemId, null);
    }

    /// <summary>A stem's descriptors, or null when it has none yet.</summary>
    public Descriptors? GetDescriptors(long stemId)
    {
        using var c = Connect();
        return ReadDescriptors(c, " WHERE d.stem_id = $id;", ("$id", stemId)).GetValueOrDefault(stemId);
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
}
