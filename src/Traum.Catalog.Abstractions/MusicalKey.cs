using Traum.Core;

namespace Traum.Catalog;

/// <summary>A tonic pitch class and mode, as stored in <see cref="Descriptors.Key"/>/<see cref="Descriptors.Mode"/>.</summary>
/// <param name="Tonic">"C", "Db", "D", "Eb", … "F#", … "Bb", "B", spelled as <see cref="KeyNames"/> does.</param>
/// <param name="Mode">"major" or "minor".</param>
public sealed record MusicalKey(string Tonic, string Mode)
{
    /// <summary>Short name: "Am", "C", "F#m", "Bbm".</summary>
    public override string ToString() => Mode == "minor" ? Tonic + "m" : Tonic;

    /// <summary>Camelot code ("8A" for A minor).</summary>
    public string Camelot => KeyNames.Camelot(Tonic, Mode)!;

    /// <summary>
    /// Parses "Am", "A min", "A minor", "a-minor", "C", "C maj", "C major", "F#m", "Bbm", "Gb", "Ebmaj".
    /// Also Camelot codes ("8A", "12B"). Any spelling becomes the <see cref="KeyNames"/> one ("A#m" → Bb minor). A bare tonic means major.
    /// </summary>
    /// <exception cref="InvalidInputException">Not a key.</exception>
    public static MusicalKey Parse(string text)
    {
        if (TryParse(text, out var key)) return key;
        throw new InvalidInputException($"'{text}' is not a musical key; write it like Am, C, F#m, Bb minor or E major.");
    }

    /// <summary>Parses a key written as <see cref="Parse"/> accepts; false (and no exception) when it is not one.</summary>
    /// <param name="text">The key as written, or null.</param>
    /// <param name="key">The key; not to be used when the result is false.</param>
    public static bool TryParse(string? text, out MusicalKey key)
    {
        key = null!;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim().Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        if (s.Length == 0) return false;
        if (s.Length is 2 or 3 && char.IsAsciiDigit(s[0]) && char.ToUpperInvariant(s[^1]) is 'A' or 'B'
            && int.TryParse(s[..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= 12)
        {
            // Camelot: n·7 semitones above C for nB (8B = C); nA is the relative minor, three semitones below.
            var minorCode = char.ToUpperInvariant(s[^1]) == 'A';
            var majorPc = (((number - 8) * 7 % 12) + 12) % 12;
            key = new MusicalKey(KeyNames.Spell(minorCode ? majorPc + 9 : majorPc), minorCode ? "minor" : "major");
            return true;
        }
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
        key = new MusicalKey(KeyNames.Spell(pc), mode);
        return true;
    }
}
