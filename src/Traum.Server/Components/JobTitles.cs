using System.Text.Json;
using Traum.Core;

namespace Traum.Server.Components;

/// <summary>A human title for a job, from its kind and parameters.</summary>
internal static class JobTitles
{
    public static string Of(JobInfo job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Kind == "reindex") return "Refresh the library's analyses";
        try
        {
            if (job.Parameters is { } p)
            {
                var root = JsonDocument.Parse(p).RootElement;
                string? S(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                switch (job.Kind)
                {
                    case "separate" when S("name") is { } n:
                        return $"Separate “{n}”";
                    case "train" when S("category") is { } c:
                        return $"Train on {c}";
                    case "generate" when S("model") is { } m:
                        return $"Generate with {m} ({S("mode") ?? "random"})";
                    case "ingest" when root.TryGetProperty("names", out var names) && names.ValueKind == JsonValueKind.Array && names.GetArrayLength() > 0:
                        return names.GetArrayLength() == 1 ? $"Add “{names[0].GetString()}”" : $"Add {names.GetArrayLength()} stems";
                    case "ingest" when root.TryGetProperty("paths", out var paths) && paths.ValueKind == JsonValueKind.Array && paths.GetArrayLength() > 0:
                        return $"Ingest {Path.GetFileName(paths[0].GetString()?.TrimEnd('/'))}";
                }
            }
        }
        catch (JsonException)
        {
        }
        return char.ToUpperInvariant(job.Kind[0]) + job.Kind[1..];
    }

    /// <summary>Stem ids a finished job made ("stemIds" in its result), if any.</summary>
    public static IReadOnlyList<long> StemIds(JobInfo job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Result is not { } r) return [];
        try
        {
            var root = JsonDocument.Parse(r).RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("stemIds", out var ids) && ids.ValueKind == JsonValueKind.Array)
            {
                return ids.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Number).Select(e => e.GetInt64()).ToList();
            }
        }
        catch (JsonException)
        {
        }
        return [];
    }
}
