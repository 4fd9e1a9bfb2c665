using System.Text.RegularExpressions;
using Traum.Core;

namespace Traum.Engine.Ingest;

/// <summary>A stem's kind (drums, bass, other, vocals, guitar, piano or a user category) and finer category.</summary>
/// <param name="Kind">Lower-case kind.</param>
/// <param name="Category">Lower-case category.</param>
/// <param name="Reason">Where it came from: "flag", "separation", "file name", "folder", or "default".</param>
public sealed record StemClass(string Kind, string Category, string Reason);

/// <summary>
/// Decides a stem's kind and category. In order: the <c>--kind</c>/<c>--category</c> flags; a separation stem name
/// (the file is named exactly drums, bass, other, vocals, guitar, piano, or no_vocals); the words of the file name;
/// the words of the folder names from the nearest folder outwards; otherwise "uncategorized".
/// Names are split into words at anything that is not a letter or digit and at lower→upper case changes
/// ("KickDrum_01" → kick, drum, 01); a trailing plural "s" is ignored. The first rule of <see cref="Rules"/> that
/// matches any word wins (so "808 Kick" is a kick; "bass drum" is a kick too).
/// </summary>
public static partial class StemClassifier
{
    /// <summary>A naming rule: any of <paramref name="Words"/> (or the two-word <paramref name="Phrase"/>) gives kind and category.</summary>
    /// <param name="Words">Lower-case words, any one of which matches (a trailing plural "s" is ignored); unused when <paramref name="Phrase"/> is given.</param>
    /// <param name="Kind">The kind a match gives.</param>
    /// <param name="Category">The category a match gives.</param>
    /// <param name="Phrase">Two lower-case words separated by a space that must follow each other in the name; when given, only it is matched.</param>
    public sealed record Rule(string[] Words, string Kind, string Category, string? Phrase = null);

    /// <summary>The rules, most specific first. docs/library.md lists them for users.</summary>
    public static IReadOnlyList<Rule> Rules { get; } =
    [
        new([], StemKinds.Drums, "kick", Phrase: "bass drum"),
        new(["kick", "kik", "bd"], StemKinds.Drums, "kick"),
        new(["snare", "snr", "sd", "rim", "rimshot"], StemKinds.Drums, "snare"),
        new(["clap", "clp"], StemKinds.Drums, "clap"),
        new(["hat", "hihat", "hh", "hat", "openhat", "closedhat", "oh", "ch"], StemKinds.Drums, "hihat"),
        new(["cymbal", "crash", "ride", "china", "splash"], StemKinds.Drums, "cymbal"),
        new(["tom", "toms"], StemKinds.Drums, "tom"),
        new(["perc", "percussion", "shaker", "conga", "bongo", "tambourine", "cowbell", "clave"], StemKinds.Drums, "percussion"),
        new(["808"], StemKinds.Bass, "808"),
        new(["sub", "subbass"], StemKinds.Bass, "sub"),
        new(["bass", "bassline", "reese"], StemKinds.Bass, "bass"),
        new(["vox", "vocal", "vocals", "voice", "acapella", "acappella", "choir", "adlib", "chant"], StemKinds.Vocals, "vocals"),
        new(["guitar", "gtr", "guitars"], StemKinds.Guitar, "guitar"),
        new(["piano", "pno", "rhodes"], StemKinds.Piano, "piano"),
        new(["keys", "key", "organ", "ep", "wurli", "clav"], StemKinds.Piano, "keys"),
        new(["pad", "pads", "atmo", "atmosphere", "drone", "ambient"], StemKinds.Other, "pad"),
        new(["lead", "leads"], StemKinds.Other, "lead"),
        new(["pluck", "plucks"], StemKinds.Other, "pluck"),
        new(["arp", "arpeggio"], StemKinds.Other, "arp"),
        new(["chord", "chords", "stab", "stabs"], StemKinds.Other, "chords"),
        new(["string", "strings", "violin", "cello", "orchestra"], StemKinds.Other, "strings"),
        new(["brass", "horn", "horns", "trumpet", "sax"], StemKinds.Other, "brass"),
        new(["synth", "synths"], StemKinds.Other, "synth"),
        new(["fx", "sfx", "riser", "impact", "sweep", "whoosh", "noise", "downlifter", "uplifter"], StemKinds.Other, "fx"),
        new(["drum", "drums", "beat", "breakbeat", "break", "breaks", "groove", "kit"], StemKinds.Drums, "drums"),
    ];

    private static readonly HashSet<string> SeparationNames = [.. StemKinds.Separation];

    /// <summary>Classifies a file.</summary>
    /// <param name="path">The source file (its name and folders are used).</param>
    /// <param name="kindFlag">The <c>--kind</c> value, if given.</param>
    /// <param name="categoryFlag">The <c>--category</c> value, if given.</param>
    /// <param name="root">Folders above this one are not looked at (the folder the user named), if given.</param>
    public static StemClass Classify(string path, string? kindFlag = null, string? categoryFlag = null, string? root = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var kind = Clean(kindFlag);
        var category = Clean(categoryFlag);
        if (kind is not null && category is not null) return new StemClass(kind, category, "flag");
        var byName = ByName(path, root);
        if (kind is not null) return new StemClass(kind, byName is not null && byName.Kind == kind ? byName.Category : kind, "flag");
        if (category is not null) return new StemClass(MatchWords(Words(category))?.Kind ?? byName?.Kind ?? category, category, "flag");
        return byName ?? new StemClass(StemKinds.Uncategorized, StemKinds.Uncategorized, "default");
    }

    private static StemClass? ByName(string path, string? root)
    {
        var stemName = Path.GetFileNameWithoutExtension(path).Trim().ToLowerInvariant();
        if (SeparationNames.Contains(stemName)) return new StemClass(stemName, stemName, "separation");
        if (stemName is "no_vocals" or "instrumental") return new StemClass(StemKinds.Other, "instrumental", "separation");

        if (MatchWords(Words(Path.GetFileNameWithoutExtension(path))) is { } byFile) return byFile with { Reason = "file name" };

        var stop = root is null ? null : Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        var depth = 0;
        while (!string.IsNullOrEmpty(dir) && depth < 8)
        {
            if (MatchWords(Words(Path.GetFileName(dir))) is { } byFolder) return byFolder with { Reason = "folder" };
            if (stop is not null && string.Equals(dir.TrimEnd(Path.DirectorySeparatorChar), stop, StringComparison.Ordinal)) break;
            dir = Path.GetDirectoryName(dir);
            depth++;
        }
        return null;
    }

    /// <summary>The words of a name: split at non-alphanumerics, lower→upper case changes and letter↔digit changes except inside "808"-like numbers.</summary>
    public static IReadOnlyList<string> Words(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var spaced = CaseBoundary().Replace(name, "$1 $2");
        var words = new List<string>();
        foreach (var part in NonAlnum().Split(spaced))
        {
            if (part.Length == 0) continue;
            foreach (var w in LetterDigit().Split(part))
            {
                if (w.Length > 0) words.Add(w.ToLowerInvariant());
            }
        }
        return words;
    }

    private static StemClass? MatchWords(IReadOnlyList<string> words)
    {
        if (words.Count == 0) return null;
        foreach (var rule in Rules)
        {
            if (rule.Phrase is { } phrase)
            {
                var p = phrase.Split(' ');
                for (var i = 0; i + 1 < words.Count; i++)
                {
                    if (Same(words[i], p[0]) && Same(words[i + 1], p[1])) return new StemClass(rule.Kind, rule.Category, "");
                }
                continue;
            }
            foreach (var w in words)
            {
                foreach (var r in rule.Words)
                {
                    if (Same(w, r)) return new StemClass(rule.Kind, rule.Category, "");
                }
            }
        }
        return null;
    }

    private static bool Same(string word, string ruleWord) =>
        word == ruleWord || (word.Length > 3 && word.EndsWith('s') && word[..^1] == ruleWord);

    private static string? Clean(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim().ToLowerInvariant();

    [GeneratedRegex("([a-z])([A-Z])")]
    private static partial Regex CaseBoundary();

    [GeneratedRegex("[^A-Za-z0-9]+")]
    private static partial Regex NonAlnum();

    [GeneratedRegex("(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")]
    private static partial Regex LetterDigit();
}
