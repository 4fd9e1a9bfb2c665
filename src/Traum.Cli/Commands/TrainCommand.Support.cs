using System.Globalization;
using Traum.Core;

namespace Traum.Cli.Commands;

/// <summary>Shared pieces of the train and generate commands: argument parsing.</summary>
internal static class GenerativeCommandSupport
{
    /// <summary>"2s", "2", "1.5 s", "500ms" → seconds.</summary>
    /// <exception cref="InvalidInputException">Not a duration.</exception>
    public static double ParseSeconds(string text, string option)
    {
        var t = (text ?? "").Trim().ToLowerInvariant();
        var scale = 1.0;
        if (t.EndsWith("ms", StringComparison.Ordinal)) { scale = 0.001; t = t[..^2]; }
        else if (t.EndsWith('s')) { t = t[..^1]; }
        if (!double.TryParse(t.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v <= 0)
        {
            throw new InvalidInputException($"{option} '{text}' is not a duration; write e.g. 2s, 1.5s or 500ms.");
        }
        return v * scale;
    }

    /// <summary>"512,256" → [512, 256].</summary>
    public static IReadOnlyList<int> ParseInts(string text, string option)
    {
        var parts = (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var list = new List<int>();
        foreach (var p in parts)
        {
            if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v <= 0)
            {
                throw new InvalidInputException($"{option} '{text}' must be positive integers separated by commas, e.g. 512,256.");
            }
            list.Add(v);
        }
        if (list.Count == 0) throw new InvalidInputException($"{option} needs at least one value, e.g. 512,256.");
        return list;
    }
}
