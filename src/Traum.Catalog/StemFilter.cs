using System.Globalization;
using Traum.Core;

namespace Traum.Catalog;

/// <summary>
/// Stem filters as a person writes them: the one vocabulary of <c>traum stems list</c>, <c>GET /api/stems</c> and the
/// library page. Every value is text (or a number of seconds) exactly as typed; <see cref="StemFilters.ToQuery"/> turns it
/// into a <see cref="StemQuery"/> with one meaning everywhere. Null or blank means "any".
/// </summary>
public sealed record StemFilter
{
    /// <summary>Substring of the name, case-insensitive.</summary>
    public string? Name { get; init; }
    /// <summary>A kind in use or one separation makes (drums, bass, other, vocals, guitar, piano).</summary>
    public string? Kind { get; init; }
    /// <summary>A category in use (kick, 808, pad, …).</summary>
    public string? Category { get; init; }
    /// <summary>A user tag the stem must carry.</summary>
    public string? Tag { get; init; }
    /// <summary>Tempo: "124" (123.5–124.5), "120-130", "120-" or "-130", in BPM, inclusive.</summary>
    public string? Bpm { get; init; }
    /// <summary>Also match half and double the tempo range (a 124 filter then finds 62 and 248 too).</summary>
    public bool HalfDouble { get; init; }
    /// <summary>A key: Am, C, F#m, Bb minor, 8A.</summary>
    public string? Key { get; init; }
    /// <summary>A key whose Camelot neighbours the stems must be in (same, relative, a fifth up or down).</summary>
    public string? Compatible { get; init; }
    /// <summary>Shortest length in seconds (inclusive).</summary>
    public double? MinDuration { get; init; }
    /// <summary>Longest length in seconds (inclusive).</summary>
    public double? MaxDuration { get; init; }
    /// <summary>"loop" (loops and phrases) or "one-shot".</summary>
    public string? Shape { get; init; }
    /// <summary>separated, imported or generated.</summary>
    public string? Origin { get; init; }
    /// <summary>Only favourites.</summary>
    public bool Favourites { get; init; }
    /// <summary>Only stems rated at least this many stars (1 to 5).</summary>
    public int? MinRating { get; init; }
    /// <summary>Order: id, name, kind, category, duration (or length), bpm, key, loudness, created (or date), rating; null for the caller's default.</summary>
    public string? Sort { get; init; }
    /// <summary>Reverse the order.</summary>
    public bool Descending { get; init; }

    /// <summary>No criterion.</summary>
    public static StemFilter None { get; } = new();
}

/// <summary>Parses <see cref="StemFilter"/> values. Every message says what is wrong and how to write it.</summary>
public static class StemFilters
{
    /// <summary>A single tempo matches this far either side, in BPM: "124" is 123.5–124.5.</summary>
    public const double BpmTolerance = 0.5;

    /// <summary>The sort names and what they mean (aliases included).</summary>
    public static IReadOnlyDictionary<string, StemSort> SortNames { get; } = new Dictionary<string, StemSort>(StringComparer.OrdinalIgnoreCase)
    {
        ["id"] = StemSort.Id,
        ["name"] = StemSort.Name,
        ["kind"] = StemSort.Kind,
        ["category"] = StemSort.Category,
        ["duration"] = StemSort.Duration,
        ["length"] = StemSort.Duration,
        ["bpm"] = StemSort.Bpm,
        ["tempo"] = StemSort.Bpm,
        ["key"] = StemSort.Key,
        ["loudness"] = StemSort.Loudness,
        ["created"] = StemSort.Created,
        ["date"] = StemSort.Created,
        ["rating"] = StemSort.Rating,
    };

    /// <summary>
    /// The catalog query <paramref name="filter"/> means. Kinds and categories are checked against <paramref name="inUse"/>
    /// (the library's counts) so a typo names the known ones instead of silently matching nothing; null checks the syntax only.
    /// </summary>
    /// <param name="filter">The filter, as the command line and the API parse it.</param>
    /// <param name="inUse">The library's kinds and categories with their counts, or null.</param>
    /// <param name="defaultSort">The order when <see cref="StemFilter.Sort"/> is not given.</param>
    /// <exception cref="InvalidInputException">A value is malformed or unknown.</exception>
    public static StemQuery ToQuery(StemFilter filter, IReadOnlyCollection<CategoryCount>? inUse, StemSort defaultSort = StemSort.Id)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var (lo, hi) = ParseBpm(filter.Bpm);
        if (filter.HalfDouble && lo is null && hi is null) throw new InvalidInputException("Half/double tempo needs a tempo to halve and double; give a BPM such as 124 or 120-130.");
        if (filter.MinDuration is { } d0 && (!double.IsFinite(d0) || d0 < 0)) throw new InvalidInputException($"Shortest length {d0.ToString(CultureInfo.InvariantCulture)} is not a length; write seconds ≥ 0, e.g. 0.5.");
        if (filter.MaxDuration is { } d1 && (!double.IsFinite(d1) || d1 < 0)) throw new InvalidInputException($"Longest length {d1.ToString(CultureInfo.InvariantCulture)} is not a length; write seconds ≥ 0, e.g. 8.");
        if (filter.MinDuration > filter.MaxDuration) throw new InvalidInputException("The shortest length is above the longest; swap them.");
        if (filter.MinRating is { } mr && mr is < 1 or > 5) throw new InvalidInputException($"A rating is 1 to 5 stars, not {mr}.");
        return new StemQuery
        {
            NameContains = Trimmed(filter.Name),
            Kind = inUse is null ? Trimmed(filter.Kind)?.ToLowerInvariant() : CheckKind(filter.Kind, inUse),
            Category = inUse is null ? Trimmed(filter.Category)?.ToLowerInvariant() : CheckCategory(filter.Category, inUse),
            Tag = Trimmed(filter.Tag),
            MinBpm = lo,
            MaxBpm = hi,
            BpmHalfDouble = filter.HalfDouble,
            Key = Trimmed(filter.Key) is { } k ? ParseKey(k) : null,
            CompatibleWith = Trimmed(filter.Compatible) is { } ck ? ParseKey(ck) : null,
            MinDuration = filter.MinDuration,
            MaxDuration = filter.MaxDuration,
            IsOneShot = ParseShape(filter.Shape),
            Origin = ParseOrigin(filter.Origin),
            Favourite = filter.Favourites ? true : null,
            MinRating = filter.MinRating,
            Sort = Trimmed(filter.Sort) is { } s ? ParseSort(s) : defaultSort,
            Descending = filter.Descending,
        };
    }

    /// <summary>"124" → (123.5, 124.5); "120-130" → (120, 130); "120-" and "-130" are open ranges; blank → no bounds.</summary>
    /// <exception cref="InvalidInputException">Not a tempo or range, or the range is reversed.</exception>
    public static (double? Min, double? Max) ParseBpm(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return (null, null);
        var t = text.Trim();
        var dash = t.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            var v = Tempo(t, text);
            return (v - BpmTolerance, v + BpmTolerance);
        }
        var (a, b) = (t[..dash].Trim(), t[(dash + 1)..].Trim());
        if (a.Length == 0 && b.Length == 0) throw BadTempo(text);
        double? lo = a.Length == 0 ? null : Tempo(a, text);
        double? hi = b.Length == 0 ? null : Tempo(b, text);
        if (lo > hi) throw new InvalidInputException($"Tempo '{text.Trim()}': the lower tempo is above the upper one; write it as {b}-{a}.");
        return (lo, hi);
    }

    /// <summary>"loop" → false, "one-shot" (or "oneshot", "one shot", "shot") → true, blank → null.</summary>
    /// <exception cref="InvalidInputException">Another word.</exception>
    public static bool? ParseShape(string? text) =>
        Trimmed(text)?.ToLowerInvariant().Replace(" ", "-", StringComparison.Ordinal) switch
        {
            null => null,
            "loop" or "loops" or "phrase" => false,
            "one-shot" or "oneshot" or "one-shots" or "shot" => true,
            _ => throw new InvalidInputException($"'{text!.Trim()}' is not a shape; use loop or one-shot."),
        };

    /// <exception cref="InvalidInputException">Not separated, imported or generated.</exception>
    public static StemOrigin? ParseOrigin(string? text) =>
        Trimmed(text)?.ToLowerInvariant() switch
        {
            null => null,
            "separated" => StemOrigin.Separated,
            "imported" => StemOrigin.Imported,
            "generated" => StemOrigin.Generated,
            _ => throw new InvalidInputException($"'{text!.Trim()}' is not an origin; use separated, imported or generated."),
        };

    /// <exception cref="InvalidInputException">Not a sort name.</exception>
    public static StemSort ParseSort(string text) =>
        SortNames.TryGetValue(text.Trim(), out var s) ? s
        : throw new InvalidInputException($"Cannot sort by '{text.Trim()}'; use one of: id, name, kind, category, duration, bpm, key, loudness, created, rating.");

    /// <exception cref="InvalidInputException">Not a key.</exception>
    public static MusicalKey ParseKey(string text) =>
        MusicalKey.TryParse(text, out var key) ? key
        : throw new InvalidInputException($"'{text.Trim()}' is not a key; write it like Am, C, F#m, Bb minor, E major or 8A.");

    /// <summary>The kind, normalised, when it is one separation makes or one in use.</summary>
    /// <exception cref="InvalidInputException">Unknown; the message lists the known kinds.</exception>
    public static string? CheckKind(string? kind, IReadOnlyCollection<CategoryCount> inUse)
    {
        ArgumentNullException.ThrowIfNull(inUse);
        if (Trimmed(kind)?.ToLowerInvariant() is not { } k) return null;
        var known = StemKinds.Separation.Concat(inUse.Select(c => c.Kind)).Distinct(StringComparer.Ordinal).ToList();
        return known.Contains(k, StringComparer.Ordinal) ? k
            : throw new InvalidInputException($"No kind '{kind!.Trim()}'; the known kinds are {string.Join(", ", known)}.");
    }

    /// <summary>The category, normalised, when a stem in the library has it.</summary>
    /// <exception cref="InvalidInputException">Unknown; the message lists the categories in use.</exception>
    public static string? CheckCategory(string? category, IReadOnlyCollection<CategoryCount> inUse)
    {
        ArgumentNullException.ThrowIfNull(inUse);
        if (Trimmed(category)?.ToLowerInvariant() is not { } c) return null;
        var known = inUse.Select(x => x.Category).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (known.Contains(c, StringComparer.Ordinal)) return c;
        throw new InvalidInputException(known.Count == 0
            ? $"No category '{category!.Trim()}': the library has no stems yet, so no categories either."
            : $"No category '{category!.Trim()}'; the categories in use are {string.Join(", ", known)}.");
    }

    private static double Tempo(string s, string whole) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v > 0 ? v : throw BadTempo(whole);

    private static InvalidInputException BadTempo(string text) =>
        new($"'{text.Trim()}' is not a tempo; write BPM as 124 (123.5-124.5), a range 120-130, 120- or -130.");

    private static string? Trimmed(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
