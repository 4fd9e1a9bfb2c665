using Traum.Core;

namespace Traum.Catalog.Postgres;

/// <summary>
/// <see cref="StemQuery"/> as a PostgreSQL WHERE clause over <c>stems s LEFT JOIN descriptors d</c>, with the same
/// meaning as the SQLite provider's: tempo and key as a name states them first, then the estimates; keys by pitch class.
/// </summary>
internal static class PostgresStemFilter
{
    private const string StatedKeySql = "(SELECT x.stated_key FROM descriptor_details x WHERE x.stem_id = s.id)";
    private const string StatedModeSql = "(SELECT x.stated_mode FROM descriptor_details x WHERE x.stem_id = s.id)";

    /// <summary>The tempo filters and sorts read: the stated tempo, else the estimate.</summary>
    public const string BpmSql = "COALESCE((SELECT x.stated_bpm FROM descriptor_details x WHERE x.stem_id = s.id), d.bpm)";

    /// <summary>The key filters and sorts read: the stated key, else the estimate.</summary>
    public const string KeySql = "COALESCE(" + StatedKeySql + ", d.musical_key)";

    /// <summary>The clause (empty, or starting with WHERE) and its parameters; names start with <c>f_</c>.</summary>
    public static (string Where, List<(string, object?)> Params) Build(StemQuery q)
    {
        var w = new List<string>();
        var ps = new List<(string, object?)>();
        void Add(string clause, string name, object? value) { w.Add(clause); ps.Add((name, value)); }
        if (q.Kind is not null) Add("s.kind = @f_kind", "f_kind", q.Kind.Trim().ToLowerInvariant());
        if (q.Category is not null) Add("s.category = @f_cat", "f_cat", q.Category.Trim().ToLowerInvariant());
        if (q.Origin is { } o) Add("s.origin = @f_origin", "f_origin", CatalogStore.OriginText(o));
        if (q.TrackId is { } tr) Add("s.track_id = @f_track", "f_track", tr);
        if (q.GenerationId is { } g) Add("s.generation_id = @f_gen", "f_gen", g);
        AddMusical(q, w, ps);
        if (q.MinDuration is { } d0) Add("s.duration >= @f_dur0", "f_dur0", d0);
        if (q.MaxDuration is { } d1) Add("s.duration <= @f_dur1", "f_dur1", d1);
        if (q.Tag is not null) Add("EXISTS (SELECT 1 FROM stem_tags tg WHERE tg.stem_id = s.id AND lower(tg.tag) = lower(@f_tag))", "f_tag", q.Tag.Trim());
        if (q.NameContains is not null) Add("strpos(lower(s.name), lower(@f_name)) > 0", "f_name", q.NameContains);
        if (q.IsOneShot is { } os) Add("d.is_one_shot = @f_os", "f_os", os);
        if (q.Favourite is { } fav) Add("s.favourite = @f_fav", "f_fav", fav);
        if (q.MinRating is { } mr) Add("s.rating >= @f_minrating", "f_minrating", mr);
        if (q.Ids is not null) Add("s.id = ANY(@f_ids)", "f_ids", q.Ids.Distinct().ToArray());
        return (w.Count == 0 ? "" : "WHERE " + string.Join(" AND ", w), ps);
    }

    private static void AddMusical(StemQuery q, List<string> w, List<(string, object?)> ps)
    {
        if (q.MinBpm is not null || q.MaxBpm is not null)
        {
            double[] factors = q.BpmHalfDouble ? [0.5, 1, 2] : [1];
            var any = new List<string>();
            for (var f = 0; f < factors.Length; f++)
            {
                var both = new List<string>();
                if (q.MinBpm is { } b0) { both.Add($"{BpmSql} >= @f_bpm0_{f}"); ps.Add(($"f_bpm0_{f}", b0 * factors[f])); }
                if (q.MaxBpm is { } b1) { both.Add($"{BpmSql} <= @f_bpm1_{f}"); ps.Add(($"f_bpm1_{f}", b1 * factors[f])); }
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
                ps.Add(($"f_keys{i}", KeyNames.Spellings(pc).ToArray()));
                ps.Add(($"f_mode{i}", minor ? "minor" : "major"));
                any.Add($"({KeySql} = ANY(@f_keys{i}) AND (CASE WHEN {StatedKeySql} IS NOT NULL THEN ({StatedModeSql} IS NULL OR {StatedModeSql} = @f_mode{i}) ELSE d.mode = @f_mode{i} END))");
                i++;
            }
            return "(" + string.Join(" OR ", any) + ")";
        }
        if (q.Key is { } key) w.Add(AnyOf([(KeyNames.PitchClass(key.Tonic)!.Value, key.Mode == "minor")]));
        if (q.CompatibleWith is { } near) w.Add(AnyOf(KeyNames.Compatible(KeyNames.PitchClass(near.Tonic)!.Value, near.Mode == "minor")));
    }
}
