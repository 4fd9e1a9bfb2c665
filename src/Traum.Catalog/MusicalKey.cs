using Traum.Core;

namespace Traum.Catalog;

/// <summary>A tonic pitch class and mode, as stored in <see cref="Descriptors.Key"/>/<see cref="Descriptors.Mode"/>.</summary>
/// <param name="Tonic">"C", "C#", "D", … "B" (sharps only).</param>
/// <param name="Mode">"major" or "minor".</param>
public sealed record MusicalKey(string Tonic, string Mode)
{
    private static readonly string[] Sharps = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];

    /// <summary>Short name: "Am", "C", "F#m".</summary>
    public override string ToString() => Mode == "minor" ? Tonic + "m" : Tonic;

    /// <summary>
    /// Parses "Am", "A min", "A minor", "a-minor", "C", "C maj", "C major", "F#m", "Bbm", "Gb", "Ebmaj".
    /// Flats become their sharp equivalents ("Bbm" → A# minor). A bare tonic means major.
    /// </summary>
    /// <exception cref="InvalidInputException">Not a key.</exception>
    public static MusicalKey Parse(string text)
    {
        if (TryParse(text, out var key)) return key;
        throw new InvalidInputException($"'{text}' is not a musical key; write it like Am, C, F#m, Bb minor or E major.");
    }

    public static bool TryParse(string? text, out MusicalKey key)
    {
        key = null!;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim().Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        if (s.Length == 0) return false;
        var letter = char.ToUpperInvariant(s[0]);
        var pc = letter switch { 'C' => 0, 'D' => 2, 'E' => 4, 'F' => 5, 'G' => 7, 'A' => 9, 'B' => 11, _ => -1 };
        if (pc < 0) return false;
        var i = 1;
        if (i < s.Length && (s[i] == '#' || s[i] == '♯')) { pc++; i++; }
        else if (i < s.Length && (s[i] == 'b' || s[i] == '♭')) { pc--; i++; }
        string mode;
        switch (s[i..].ToUpperInvariant())
        {
            case "" or "MAJ" or "MAJOR": mode = "major"; break;
            case "M" or "MIN" or "MINOR": mode = "minor"; break;
            default: return false;
        }
        key = new MusicalKey(Sharps[(pc + 12) % 12], mode);
        return true;
    }
}
