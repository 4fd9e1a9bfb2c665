using System.Text.Json;
using Npgsql;
using Traum.Core;

namespace Traum.Catalog.Postgres;

/// <summary>Semantic profiles as JSON per stem and prompt set (<see cref="IProfileStore"/>).</summary>
internal sealed partial class PostgresCatalog
{
    private static readonly JsonSerializerOptions ProfileJson = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <inheritdoc/>
    public void SetProfile(long stemId, SemanticProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        using var c = Connect();
        using var tx = BeginLogged(c);
        var change = WriteProfile(c, tx, stemId, profile);
        tx.Commit();
        Raise(change);
    }

    private CatalogChange WriteProfile(NpgsqlConnection c, NpgsqlTransaction tx, long stemId, SemanticProfile profile)
    {
        using (var cmd = Cmd(c, tx,
            "INSERT INTO profiles (stem_id, model_id, profile, created_at) VALUES (@id, @m, @p, @t) ON CONFLICT (stem_id, model_id) DO UPDATE SET profile = EXCLUDED.profile, created_at = EXCLUDED.created_at;",
            ("id", stemId), ("m", profile.ModelId), ("p", JsonSerializer.Serialize(profile.Families, ProfileJson)), ("t", Now())))
        {
            ExecuteForStem(cmd, stemId);
        }
        return LogChange(c, tx, CatalogChangeKind.ProfileSet, stemId, profile.ModelId);
    }

    /// <inheritdoc/>
    public SemanticProfile? GetProfile(long stemId, string modelId)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT profile FROM profiles WHERE stem_id = @id AND model_id = @m;", ("id", stemId), ("m", modelId));
        return cmd.ExecuteScalar() is string json ? new SemanticProfile(modelId, ParseProfile(json)) : null;
    }

    /// <inheritdoc/>
    public SemanticProfile? GetLatestProfile(long stemId)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT model_id, profile FROM profiles WHERE stem_id = @id ORDER BY created_at DESC LIMIT 1;", ("id", stemId));
        using var r = cmd.ExecuteReader();
        return r.Read() ? new SemanticProfile(r.GetString(0), ParseProfile(r.GetString(1))) : null;
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<long, SemanticProfile> GetLatestProfiles(IReadOnlyCollection<long> stemIds)
    {
        ArgumentNullException.ThrowIfNull(stemIds);
        var map = new Dictionary<long, SemanticProfile>();
        if (stemIds.Count == 0) return map;
        using var c = Connect();
        using var cmd = Cmd(c, null,
            "SELECT DISTINCT ON (stem_id) stem_id, model_id, profile FROM profiles WHERE stem_id = ANY(@ids) ORDER BY stem_id, created_at DESC;",
            ("ids", stemIds.Distinct().ToArray()));
        using var r = cmd.ExecuteReader();
        while (r.Read()) map[r.GetInt64(0)] = new SemanticProfile(r.GetString(1), ParseProfile(r.GetString(2)));
        return map;
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<long, SemanticProfile> GetProfiles(string modelId)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT stem_id, profile FROM profiles WHERE model_id = @m;", ("m", modelId));
        using var r = cmd.ExecuteReader();
        var map = new Dictionary<long, SemanticProfile>();
        while (r.Read()) map[r.GetInt64(0)] = new SemanticProfile(modelId, ParseProfile(r.GetString(1)));
        return map;
    }

    private static Dictionary<string, IReadOnlyList<ProfileScore>> ParseProfile(string json)
    {
        var raw = JsonSerializer.Deserialize<Dictionary<string, List<ProfileScore>>>(json, ProfileJson) ?? [];
        return raw.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<ProfileScore>)kv.Value);
    }
}
