using System.CommandLine;
using System.Text.RegularExpressions;

namespace Traum.Cli;

/// <summary>Turns System.CommandLine's parse errors into one line a user reads: the nearest valid name, no .NET type names.</summary>
internal static partial class ParseErrors
{
    /// <summary>The first error of <paramref name="parse"/>, rewritten.</summary>
    public static string Describe(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        // An unknown name explains the rest ("Required command was not provided" after a misspelt command).
        var error = parse.Errors.Select(e => e.Message).FirstOrDefault(m => Unrecognized().IsMatch(m)) ?? parse.Errors[0].Message;
        var command = parse.CommandResult.Command;
        var path = CommandPath(command);
        var unknown = Unrecognized().Match(error);
        if (unknown.Success)
        {
            var token = unknown.Groups[1].Value;
            var candidates = token.StartsWith('-')
                ? command.Options.Concat(Globals(command)).SelectMany(o => o.Aliases.Prepend(o.Name))
                : command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name));
            var nearest = Nearest(token, candidates);
            var what = token.StartsWith('-') ? "option" : command.Subcommands.Count > 0 ? "command" : "argument";
            return nearest is null
                ? $"unknown {what} '{token}' for '{path}'; '{path} --help' lists what it takes."
                : $"unknown {what} '{token}'; did you mean '{nearest}'? ('{path} --help' lists what it takes)";
        }
        return $"{FriendlyTypes(error)} ('{path} --help' lists what it takes)";
    }

    /// <summary>Replaces .NET type names such as <c>System.Nullable`1[System.Double]</c> with words.</summary>
    internal static string FriendlyTypes(string message) =>
        TypeName().Replace(ExpectedType().Replace(message, ": expected $1"), m => (m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value) switch
        {
            "Int32" or "Int64" or "Int16" or "UInt32" or "UInt64" => "a whole number",
            "Double" or "Single" or "Decimal" => "a number",
            "Boolean" => "true or false",
            "String" => "text",
            "TimeSpan" => "a duration",
            var other => other.ToLowerInvariant(),
        });

    /// <summary>The closest of <paramref name="candidates"/> by edit distance, if close enough to be a typo.</summary>
    internal static string? Nearest(string token, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in candidates.Distinct(StringComparer.Ordinal))
        {
            var d = Distance(token.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance)
            {
                bestDistance = d;
                best = c;
            }
        }
        return best is not null && bestDistance <= Math.Max(2, token.Length / 3) ? best : null;
    }

    private static IEnumerable<Option> Globals(Command command)
    {
        foreach (var parent in Parents(command))
        {
            foreach (var o in parent.Options.Where(o => o.Recursive)) yield return o;
        }
    }

    private static IEnumerable<Command> Parents(Command command)
    {
        for (var p = command.Parents.OfType<Command>().FirstOrDefault(); p is not null; p = p.Parents.OfType<Command>().FirstOrDefault()) yield return p;
    }

    private static string CommandPath(Command command)
    {
        var names = Parents(command).Reverse().Skip(1).Select(c => c.Name).Append(command.Name).ToList();
        if (command.Parents.FirstOrDefault() is null) return "traum";
        return "traum " + string.Join(' ', names);
    }

    /// <summary>Levenshtein distance.</summary>
    private static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }

    [GeneratedRegex(" as expected type '([^']+)'")]
    private static partial Regex ExpectedType();

    [GeneratedRegex("Unrecognized command or argument '([^']+)'")]
    private static partial Regex Unrecognized();

    [GeneratedRegex(@"System\.(?:Nullable`1\[System\.(\w+)\]|(\w+))")]
    private static partial Regex TypeName();
}
