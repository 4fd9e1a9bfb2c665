using System.Text.Json;
using Microsoft.Data.Sqlite;
using Traum.Core;

namespace Traum.Catalog;

/// <summary>Trained models and generations (<see cref="IModelRegistry"/>).</summary>
public sealed partial class CatalogStore
{
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

    /// <inheritdoc/>
    public TrainedModel? GetModel(long id) => QueryModels("WHERE id = $id", ("$id", id)).FirstOrDefault();

    /// <inheritdoc/>
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

    /// <inheritdoc/>
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
}
