using System.Globalization;
using System.Text.RegularExpressions;
using Traum.Audio.IO;
using Traum.Core;

namespace Traum.Engine.Ingest;

/// <summary>Tempo and key a file or folder name states, e.g. "Am Bass Loop 128 BPM.wav".</summary>
/// <param name="Bpm">Stated tempo in BPM, or null.</param>
/// <param name="Tonic">Stated tonic spelled as <see cref="KeyNames"/> does, or null.</param>
/// <param name="Mode">"major" or "minor" when the name says so, else null (a bare "F#" or "Eb" states a root).</param>
public sealed record StatedValues(double? Bpm, string? Tonic, string? Mode);

/// <summary>
/// Reads what a sample's name states. The file name is read first, then its folder and the folder above, each value
/// from the nearest name that has one. Tempo: a number from 40 to 300 next to "bpm" ("128bpm", "128 BPM",
/// "bpm_128"); bare numbers are not read ("Kick 808", "Vol 2"). Key: a token such as "Am", "F#m", "Bbmin", "C#maj",
/// "Ebminor", "F#", "Bb", a letter followed by "major"/"minor"/"maj"/"min" ("A minor", "C maj"), or a Camelot code
/// ("8A"); a lone letter ("Side B", "Kit A") is not a key.
/// </summary>
public static partial class StatedMetadata
{
    [GeneratedRegex(@"(?<![\d.])(\d{2,3}(?:\.\d+)?)\s*[-_ ]?\s*bpm(?![a-z])|bpm\s*[-_ ]?\s*(\d{2,3}(?:\.\d+)?)(?![\d])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BpmPattern();

    [GeneratedRegex(@"^([A-G])([#♯b♭]?)(m|min|minor|maj|major|M)?$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyToken();

    [GeneratedRegex(@"^([1-9]|1[0-2])([AB])$", RegexOptions.CultureInvariant)]
    private static partial Regex CamelotToken();

    /// <summary>A file extension: a dot and 1–5 letters or digits, not only digits (".wav", ".mp3", not ".4").</summary>
    [GeneratedRegex(@"^\.(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,5}$", RegexOptions.CultureInvariant)]
    private static partial Regex FileExtension();

    /// <summary>What <paramref name="path"/> (a file path or a bare name) states.</summary>
    public static StatedValues Parse(string? path)
    {
        if (string.IsNullOrWhiteSpace(path)) return new StatedValues(null, null, null);
        var names = new List<string>();
        // Only a real extension is dropped: a bare name such as "Loop 124.4 BPM" (an upload's) keeps its ".4 BPM".
        var file = Path.GetFileName(path);
        if (FileExtension().IsMatch(Path.GetExtension(file))) file = Path.GetFileNameWithoutExtension(file);
        names.Add(file);
        var dir = Path.GetDirectoryName(path);
        for (var i = 0; i < 2 && !string.IsNullOrEmpty(dir); i++)
        {
            names.Add(Path.GetFileName(dir));
            dir = Path.GetDirectoryName(dir);
        }
        double? bpm = null;
        (string Tonic, string? Mode)? key = null;
        foreach (var name in names)
        {
            bpm ??= Bpm(name);
            key ??= Key(name);
        }
        return new StatedValues(bpm, key?.Tonic, key?.Mode);
    }

    /// <summary>
    /// What a stem states through its own tags (<paramref name="tags"/>: set on purpose, so read first) and then its
    /// names (<see cref="Parse(string?)"/>), each value from the first that has one. A tag's key may be a lone letter
    /// ("A"); an ACID root note states a root without a mode.
    /// </summary>
    public static StatedValues Parse(string? path, EmbeddedTags tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var named = Parse(path);
        var bpm = tags.Bpm is >= 40 and <= 300 ? tags.Bpm : null;
        var key = tags.Key is { } text ? KeyFromTag(text) : null;
        if (key is null && tags.RootNote is { } root) key = (KeyNames.Spell(root % 12), null);
        return key is { } k
            ? new StatedValues(bpm ?? named.Bpm, k.Tonic, k.Mode)
            : new StatedValues(bpm ?? named.Bpm, named.Tonic, named.Mode);
    }

    private static (string Tonic, string? Mode)? KeyFromTag(string text)
    {
        var t = text.Trim();
        if (Key(t) is { } key) return key;
        return t.Length == 1 && KeyNames.PitchClass(t.ToUpperInvariant()) is { } pc ? (KeyNames.Spell(pc), null) : null;
    }

    private static double? Bpm(string name)
    {
        foreach (Match m in BpmPattern().Matches(name))
        {
            var text = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v is >= 40 and <= 300) return v;
        }
        return null;
    }

    private static (string Tonic, string? Mode)? Key(string name)
    {
        var tokens = name.Split([' ', '_', '-', '.', '(', ')', '[', ']', ',', '+'], StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < tokens.Length; i++)
        {
            var t = tokens[i];
            var c = CamelotToken().Match(t);
            if (c.Success)
            {
                var number = int.Parse(c.Groups[1].Value, CultureInfo.InvariantCulture);
                var minorCode = c.Groups[2].Value == "A";
                var majorPc = (((number - 8) * 7 % 12) + 12) % 12;
                return (KeyNames.Spell(minorCode ? majorPc + 9 : majorPc), minorCode ? "minor" : "major");
            }
            var m = KeyToken().Match(t);
            if (!m.Success) continue;
            var pc = KeyNames.PitchClass(m.Groups[1].Value + m.Groups[2].Value);
            if (pc is null) continue;
            var suffix = m.Groups[3].Value;
            string? mode = suffix switch
            {
                "m" or "min" or "minor" => "minor",
                "maj" or "major" or "M" => "major",
                _ => null,
            };
            if (mode is null && i + 1 < tokens.Length)
            {
                mode = tokens[i + 1].ToUpperInvariant() switch
                {
                    "MINOR" or "MIN" => "minor",
                    "MAJOR" or "MAJ" => "major",
                    _ => null,
                };
            }
            // A lone letter is a word ("Side B"), not a key; with an accidental or a mode it is one.
            if (mode is null && m.Groups[2].Value.Length == 0) continue;
            return (KeyNames.Spell(pc.Value), mode);
        }
        return null;
    }
}
