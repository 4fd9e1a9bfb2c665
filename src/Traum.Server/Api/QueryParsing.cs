using System.Globalization;
using Traum.Core;
using Traum.Server.Services;

namespace Traum.Server.Api;

/// <summary>Parses the filter values the CLI and the API share ("120-130", "Am", "separated").</summary>
internal static class QueryParsing
{
    /// <summary>"120" → (120, 120); "120-130" → (120, 130); "120-" and "-130" are open ranges.</summary>
    /// <exception cref="InvalidInputException">Not a number or range.</exception>
    public static (double? Min, double? Max) Range(string? text, string name)
    {
        if (string.IsNullOrWhiteSpace(text)) return (null, null);
        var parts = text.Split('-', 2);
        double? Parse(string s) => s.Trim().Length == 0 ? null
            : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v >= 0 ? v
            : throw new InvalidInputException($"'{text}' is not a valid {name}; write a number like 120 or a range like 120-130.");
        if (parts.Length == 1) return (Parse(parts[0]), Parse(parts[0]));
        var (lo, hi) = (Parse(parts[0]), Parse(parts[1]));
        if (lo > hi) throw new InvalidInputException($"'{text}': the lower end of the {name} range is above the upper end.");
        return (lo, hi);
    }

    /// <exception cref="InvalidInputException">Unknown origin.</exception>
    public static StemOrigin? Origin(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        return Enum.TryParse<StemOrigin>(text, ignoreCase: true, out var o) && Enum.IsDefined(o)
            ? o
            : throw new InvalidInputException($"'{text}' is not an origin; use separated, imported or generated.");
    }

    public static int Clamp(int? value, int fallback, int min, int max, string name) =>
        value is null ? fallback
        : value < min || value > max ? throw new InvalidInputException($"{name} must be between {min} and {max}.")
        : value.Value;

    public static string? Trimmed(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    public static SearchFilter Filter(string? kind, string? category, string? origin, string? bpm, string? key,
        double? minDuration, double? maxDuration, string[]? profile)
    {
        var (lo, hi) = Range(bpm, "BPM");
        if (minDuration < 0 || maxDuration < 0) throw new InvalidInputException("Durations are seconds and cannot be negative.");
        return new SearchFilter(Trimmed(kind), Trimmed(category), Origin(origin), lo, hi, Trimmed(key), minDuration, maxDuration,
            profile is { Length: > 0 } ? profile : null);
    }
}
