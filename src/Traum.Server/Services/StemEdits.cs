using Traum.Core;

namespace Traum.Server.Services;

/// <summary>Checks metadata edits (API and UI alike): what may be a name, kind, category or tag.</summary>
internal static class StemEdits
{
    /// <summary>Longest name, in characters.</summary>
    public const int MaxName = 200;

    /// <summary>Longest kind, category or tag, in characters.</summary>
    public const int MaxWord = 64;

    /// <summary>At most this many tags on one stem.</summary>
    public const int MaxTags = 64;

    /// <summary>The changes trimmed (kinds and categories lower-cased, tags de-duplicated).</summary>
    /// <exception cref="InvalidInputException">Nothing to change, or a value that is empty, too long or has control characters.</exception>
    public static StemChanges Validate(StemChanges changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes is { Name: null, Kind: null, Category: null, Tags: null, Favourite: null, Rating: null })
        {
            throw new InvalidInputException("Nothing to change: give a name, kind, category, tags, favourite or rating, e.g. {\"kind\": \"drums\", \"category\": \"kick\"}.");
        }
        if (changes.Rating is < 0 or > 5) throw new InvalidInputException($"A rating is 1 to 5 stars (0 removes it), not {changes.Rating}.");
        var tags = changes.Tags?.Select((t, i) => Text(t, $"Tag {i + 1}", MaxWord)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (tags is { Count: > MaxTags }) throw new InvalidInputException($"A stem can have at most {MaxTags} tags; this gives {tags.Count}.");
        return new StemChanges(
            changes.Name is null ? null : Text(changes.Name, "The name", MaxName),
            changes.Kind is null ? null : Text(changes.Kind, "The kind", MaxWord).ToLowerInvariant(),
            changes.Category is null ? null : Text(changes.Category, "The category", MaxWord).ToLowerInvariant(),
            tags,
            changes.Favourite,
            changes.Rating);
    }

    private static string Text(string? value, string what, int max)
    {
        var t = value?.Trim() ?? "";
        if (t.Length == 0) throw new InvalidInputException($"{what} is empty; write at least one character.");
        if (t.Length > max) throw new InvalidInputException($"{what} is {t.Length} characters long; at most {max} are allowed.");
        if (t.Any(char.IsControl)) throw new InvalidInputException($"{what} contains control characters (such as line breaks); use plain text.");
        return t;
    }
}
