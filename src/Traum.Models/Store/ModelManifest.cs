using System.Text.Json;

namespace Traum.Models.Store;

/// <summary>One installed file as recorded in the model folder's <c>traum-model.json</c>.</summary>
public sealed record InstalledFile
{
    /// <summary>Size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>Lower-case hex SHA-256 of the installed file.</summary>
    public required string Sha256 { get; init; }

    /// <summary>What the SHA-256 (or git blob id) was checked against: "registry", "hub-lfs", "hub-git", "hub-cache-blob".</summary>
    public required string CheckedAgainst { get; init; }

    /// <summary>"download" or "hf-cache".</summary>
    public required string Source { get; init; }

    /// <summary>When the file was installed.</summary>
    public DateTimeOffset InstalledAt { get; init; }
}

/// <summary>The record Traum keeps beside an installed model: which files, where from, and their sums.</summary>
public sealed record ModelManifest
{
    /// <summary>File name inside the model folder.</summary>
    public const string FileName = "traum-model.json";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The model's short name (<see cref="ModelDefinition.Name"/>).</summary>
    public required string Name { get; init; }
    /// <summary>Hub repository the files came from, "owner/name".</summary>
    public required string Repo { get; init; }
    /// <summary>Branch, tag or commit the files were resolved at.</summary>
    public required string Revision { get; init; }

    /// <summary>By repository path.</summary>
    public Dictionary<string, InstalledFile> Files { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Reads the manifest of a model folder, or null when there is none (or it is unreadable).</summary>
    public static ModelManifest? Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            var m = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(path), Options);
            return m is null ? null : m with { Files = new Dictionary<string, InstalledFile>(m.Files, StringComparer.Ordinal) };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes the manifest through a temporary file and a rename.</summary>
    public void Write(string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, FileName);
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Options));
        File.Move(tmp, path, overwrite: true);
    }
}
