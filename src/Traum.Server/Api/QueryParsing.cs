using Traum.Catalog;
using Traum.Core;
using Traum.Server.Services;

namespace Traum.Server.Api;

/// <summary>Query values of the API. Tempo, key and origin are parsed by <see cref="StemFilters"/>, as everywhere else.</summary>
internal static class QueryParsing
{
    public static int Clamp(int? value, int fallback, int min, int max, string name) =>
        value is null ? fallback
        : value < min || value > max ? throw new InvalidInputException($"{name} must be between {min} and {max}.")
        : value.Value;

    public static string? Trimmed(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>
    /// Search filters in the vocabulary of the library listing (<see cref="StemFilter"/>): <paramref name="bpm"/> "124" is 123.5–124.5,
    /// <paramref name="halfDouble"/> adds the range halved and doubled, <paramref name="compatible"/> keeps keys that mix with the one given.
    /// </summary>
    /// <exception cref="InvalidInputException">A value is malformed.</exception>
    public static SearchFilter Filter(string? kind, string? category, string? origin, string? bpm, string? key,
        double? minDuration, double? maxDuration, string[]? profile, bool halfDouble = false, string? compatible = null)
    {
        var (lo, hi) = StemFilters.ParseBpm(bpm);
        if (halfDouble && lo is null && hi is null) throw new InvalidInputException("Half/double tempo needs a tempo to halve and double; give a BPM such as 124 or 120-130.");
        if (Trimmed(key) is { } k) StemFilters.ParseKey(k);
        if (Trimmed(compatible) is { } ck) StemFilters.ParseKey(ck);
        if (minDuration < 0 || maxDuration < 0) throw new InvalidInputException("Durations are seconds and cannot be negative.");
        return new SearchFilter(Trimmed(kind), Trimmed(category), StemFilters.ParseOrigin(origin), lo, hi, Trimmed(key), minDuration, maxDuration,
            profile is { Length: > 0 } ? profile : null, Trimmed(compatible), halfDouble);
    }
}
