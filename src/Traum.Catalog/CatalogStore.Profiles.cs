using System.Text.Json;
using Microsoft.Data.Sqlite;
using Traum.Core;

namespace Traum.Catalog;

/// <summary>Semantic profiles, stored as JSON per stem and prompt set (<see cref="IProfileStore"/>).</summary>
public sealed partial class CatalogStore
{
    /// <summary>Writes (or replaces) the stem's semantic profile for <see cref="SemanticProfile.ModelId"/>.</summary>
    public void SetProfile(long stemId, SemanticProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        using var c = Connect();
        using var tx = c.BeginTransaction();
        var change = WriteProfile(c, tx, stemId, profile);
        tx.Commit();
        Raise(change);
    }

    private CatalogChange WriteProfile(SqliteConnection c, SqliteTransaction tx, long stemId, SemanticProfile profile)
    {
        using var cmd = Cmd(c, tx, "INSERT OR REPLACE INTO profiles (stem_id, model_id, profile, created_at) VALUES ($id, $m, $p, $t);",
            ("$id", stemId), ("$m", profile.ModelId), ("$p", JsonSerializer.Serialize(profile.Families, ProfileJson)), ("$t", Now()));
        ExecuteForStem(cmd, stemId);
        return LogChange(c, tx, CatalogChangeKind.ProfileSet, stemId, profile.ModelId);
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
}
