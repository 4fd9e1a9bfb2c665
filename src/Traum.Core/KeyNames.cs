namespace Traum.Core;

/// <summary>
/// How keys are spelled and placed on the Camelot wheel. One convention everywhere: the black keys are spelled
/// Db, Eb, F#, Ab, Bb (flats, except F#, as producers and DJ software write them), whatever the mode.
/// </summary>
public static class KeyNames
{
    /// <summary>Tonic names by pitch class, index 0 = C.</summary>
    public static IReadOnlyList<string> Tonics { get; } = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"];

    /// <summary>The tonic name of pitch class <paramref name="pitchClass"/> (any integer, taken mod 12).</summary>
    public static string Spell(int pitchClass) => Tonics[((pitchClass % 12) + 12) % 12];

    /// <summary>
    /// Pitch class (0 = C) of a tonic name: a letter A–G, then optionally #, ♯, b or ♭ ("A#" and "Bb" are both 10);
    /// null when the text is not a tonic.
    /// </summary>
    public static int? PitchClass(string? tonic)
    {
        if (string.IsNullOrEmpty(tonic)) return null;
        var pc = char.ToUpperInvariant(tonic[0]) switch { 'C' => 0, 'D' => 2, 'E' => 4, 'F' => 5, 'G' => 7, 'A' => 9, 'B' => 11, _ => -1 };
        if (pc < 0) return null;
        if (tonic.Length == 1) return pc;
        if (tonic.Length != 2) return null;
        return tonic[1] switch
        {
            '#' or '♯' => (pc + 1) % 12,
            'b' or '♭' => (pc + 11) % 12,
            _ => null,
        };
    }

    /// <summary>Every spelling of a pitch class that stored data may hold (the convention's and the sharp one).</summary>
    public static IReadOnlyList<string> Spellings(int pitchClass)
    {
        string[] sharps = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
        var pc = ((pitchClass % 12) + 12) % 12;
        return Spell(pc) == sharps[pc] ? [sharps[pc]] : [Spell(pc), sharps[pc]];
    }

    /// <summary>
    /// Camelot code: 1–12 and A (minor) or B (major); C major is 8B, A minor 8A, one step clockwise is a fifth up.
    /// </summary>
    public static string Camelot(int pitchClass, bool minor)
    {
        var majorPc = minor ? (pitchClass + 3) % 12 : pitchClass;
        var number = ((((majorPc % 12) + 12) % 12 * 7 % 12) + 7) % 12 + 1;
        return number.ToString(System.Globalization.CultureInfo.InvariantCulture) + (minor ? "A" : "B");
    }

    /// <summary>Camelot code of a stored key and mode ("major"/"minor"), or null when there is no mode.</summary>
    public static string? Camelot(string? tonic, string? mode) =>
        PitchClass(tonic) is { } pc && mode is "major" or "minor" ? Camelot(pc, mode == "minor") : null;

    /// <summary>
    /// The keys that mix with a key on the Camelot wheel: itself, its relative (same number, other letter) and its two
    /// neighbours (one number up and down, same letter: a fifth up and down). Each as (pitch class, minor).
    /// </summary>
    public static IReadOnlyList<(int PitchClass, bool Minor)> Compatible(int pitchClass, bool minor)
    {
        var pc = ((pitchClass % 12) + 12) % 12;
        return
        [
            (pc, minor),
            (minor ? (pc + 3) % 12 : (pc + 9) % 12, !minor),
            ((pc + 7) % 12, minor),
            ((pc + 5) % 12, minor),
        ];
    }
}
