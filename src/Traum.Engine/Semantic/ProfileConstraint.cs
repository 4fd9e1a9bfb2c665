using System.Globalization;
using Traum.Core;

namespace Traum.Engine.Semantic;

/// <summary>How a <see cref="ProfileConstraint"/> compares.</summary>
public enum ProfileComparison
{
    /// <summary><c>&gt;</c>: the value must exceed the bound.</summary>
    Greater,
    /// <summary><c>&gt;=</c>: the value must reach the bound.</summary>
    GreaterOrEqual,
    /// <summary><c>&lt;</c>: the value must stay below the bound.</summary>
    Less,
    /// <summary><c>&lt;=</c>: the value must not exceed the bound.</summary>
    LessOrEqual,
}

/// <summary>
/// A condition on a semantic profile, written <c>FAMILY:LABEL OP VALUE</c> with OP one of &gt; &gt;= &lt; &lt;=:
/// <c>energy:intense&gt;0.8</c> compares the label's softmax score (0…1); <c>mood:dark&gt;=90%</c> (or <c>p90</c>)
/// compares its percentile across the library (0…100).
/// </summary>
/// <param name="Family">Profile family, e.g. "energy" (matched case-insensitively).</param>
/// <param name="Label">Label within the family, e.g. "intense" (matched case-insensitively).</param>
/// <param name="Comparison">How the stem's value is compared with <paramref name="Value"/>.</param>
/// <param name="Value">The bound: a softmax score in 0…1, or a percentile in 0…100 when <paramref name="IsPercentile"/>.</param>
/// <param name="IsPercentile">Compare the label's percentile across the library instead of its score.</param>
public sealed record ProfileConstraint(string Family, string Label, ProfileComparison Comparison, double Value, bool IsPercentile)
{
    /// <summary>Parses one constraint; family and label are checked against <paramref name="prompts"/> when given.</summary>
    /// <exception cref="InvalidInputException">Bad syntax, value out of range, or an unknown family/label.</exception>
    public static ProfileConstraint Parse(string text, PromptSet? prompts = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Replace(" ", "", StringComparison.Ordinal);
        var colon = t.IndexOf(':', StringComparison.Ordinal);
        var opAt = t.IndexOfAny(['>', '<']);
        if (colon <= 0 || opAt <= colon + 1)
        {
            throw Bad(text, "write FAMILY:LABEL>VALUE, e.g. energy:intense>0.8 (score 0…1) or mood:dark>=90% (percentile)");
        }
        var family = t[..colon];
        var label = t[(colon + 1)..opAt];
        var orEqual = opAt + 1 < t.Length && t[opAt + 1] == '=';
        var comparison = (t[opAt], orEqual) switch
        {
            ('>', false) => ProfileComparison.Greater,
            ('>', true) => ProfileComparison.GreaterOrEqual,
            ('<', false) => ProfileComparison.Less,
            _ => ProfileComparison.LessOrEqual,
        };
        var valueText = t[(opAt + (orEqual ? 2 : 1))..];
        var percentile = false;
        if (valueText.EndsWith('%'))
        {
            percentile = true;
            valueText = valueText[..^1];
        }
        else if (valueText.StartsWith('p') || valueText.StartsWith('P'))
        {
            percentile = true;
            valueText = valueText[1..];
        }
        if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw Bad(text, $"'{valueText}' is not a number");
        }
        if (percentile && (value < 0 || value > 100)) throw Bad(text, "a percentile must be between 0 and 100");
        if (!percentile && (value < 0 || value > 1)) throw Bad(text, "a score must be between 0 and 1 (write 90% or p90 for a percentile)");
        if (prompts is not null)
        {
            if (prompts.Find(family, label) is not { } found)
            {
                var known = string.Join(", ", prompts.Families.SelectMany(f => f.Labels.Select(l => $"{f.Name}:{l.Name}")));
                throw Bad(text, $"unknown label '{family}:{label}'; known labels: {known}");
            }
            family = found.Family.Name;
            label = found.Label.Name;
        }
        return new ProfileConstraint(family, label, comparison, value, percentile);
    }

    /// <summary>True when <paramref name="profile"/> satisfies the constraint (false when it lacks the label).</summary>
    public bool IsSatisfiedBy(SemanticProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var family = profile.Families.FirstOrDefault(f => f.Key.Equals(Family, StringComparison.OrdinalIgnoreCase)).Value;
        var score = family?.FirstOrDefault(s => s.Label.Equals(Label, StringComparison.OrdinalIgnoreCase));
        if (score is null) return false;
        var x = IsPercentile ? score.Percentile : score.Score;
        return Comparison switch
        {
            ProfileComparison.Greater => x > Value,
            ProfileComparison.GreaterOrEqual => x >= Value,
            ProfileComparison.Less => x < Value,
            _ => x <= Value,
        };
    }

    /// <summary>The constraint in the syntax <see cref="Parse"/> reads, e.g. <c>energy:intense&gt;0.8</c> or <c>mood:dark&gt;=90%</c>.</summary>
    public override string ToString()
    {
        var op = Comparison switch
        {
            ProfileComparison.Greater => ">",
            ProfileComparison.GreaterOrEqual => ">=",
            ProfileComparison.Less => "<",
            _ => "<=",
        };
        var v = IsPercentile ? Value.ToString(CultureInfo.InvariantCulture) + "%" : Value.ToString(CultureInfo.InvariantCulture);
        return $"{Family}:{Label}{op}{v}";
    }

    private static InvalidInputException Bad(string text, string problem) => new($"Profile constraint '{text}': {problem}.");
}
