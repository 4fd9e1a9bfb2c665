using System.Text;

namespace Traum.Engine.Export;

/// <summary>
/// File names inside a pack: the stem's name in characters every file system accepts, de-duplicated
/// ("Kick 01.wav", "Kick 01 (2).wav"), compared without regard to case as Windows and macOS do.
/// </summary>
public sealed class PackNames
{
    /// <summary>Longest base name, in characters (before a " (n)" suffix and the extension).</summary>
    public const int MaxLength = 120;

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    private readonly HashSet<string> _used = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Reserves a name (e.g. the manifest's) so no stem takes it.</summary>
    public void Reserve(string fileName) => _used.Add(fileName);

    /// <summary>A new, unused file name for a stem called <paramref name="name"/> with extension <paramref name="extension"/> (no dot).</summary>
    public string Next(string? name, string extension)
    {
        var stem = Clean(name);
        var candidate = $"{stem}.{extension}";
        for (var n = 2; !_used.Add(candidate); n++) candidate = $"{stem} ({n}).{extension}";
        return candidate;
    }

    /// <summary>
    /// The name with letters, digits, spaces and <c>-_.,()[]#&amp;+'!</c> kept; any other character becomes '_',
    /// runs of spaces become one, leading and trailing dots and spaces go; names Windows reserves get a '_' in front;
    /// an empty result is "stem".
    /// </summary>
    public static string Clean(string? name)
    {
        var sb = new StringBuilder(Math.Min(name?.Length ?? 0, MaxLength));
        foreach (var ch in (name ?? "").Normalize(NormalizationForm.FormC))
        {
            var c = char.IsLetterOrDigit(ch) || ch is '-' or '_' or '.' or ',' or '(' or ')' or '[' or ']' or '#' or '&' or '+' or '\'' or '!' ? ch
                : char.IsWhiteSpace(ch) ? ' '
                : '_';
            if (c == ' ' && (sb.Length == 0 || sb[^1] == ' ')) continue;
            if (char.IsSurrogate(c)) c = '_';
            sb.Append(c);
            if (sb.Length >= MaxLength) break;
        }
        var s = sb.ToString().Trim('.', ' ');
        if (s.Length == 0) return "stem";
        var dot = s.IndexOf('.', StringComparison.Ordinal);
        return Reserved.Contains(dot < 0 ? s : s[..dot]) ? "_" + s : s;
    }
}
