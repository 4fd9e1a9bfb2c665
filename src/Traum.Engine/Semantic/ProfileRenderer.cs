using System.Globalization;
using System.Text;
using Traum.Core;

namespace Traum.Engine.Semantic;

/// <summary>Renders a semantic profile as text bars, one line per label, grouped by family (for <c>traum stems show</c>).</summary>
public static class ProfileRenderer
{
    /// <summary>
    /// Lines like <c>energy   intense     ████████░░░░  0.67  p92</c>: bar length ∝ score (0…1),
    /// then the score and the percentile across the library.
    /// </summary>
    /// <param name="profile">The profile to render.</param>
    /// <param name="barWidth">Characters of a full bar (score 1).</param>
    public static IReadOnlyList<string> Lines(SemanticProfile profile, int barWidth = 20)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentOutOfRangeException.ThrowIfLessThan(barWidth, 1);
        var familyWidth = profile.Families.Keys.Select(k => k.Length).DefaultIfEmpty(0).Max();
        var labelWidth = profile.Families.Values.SelectMany(v => v).Select(s => s.Label.Length).DefaultIfEmpty(0).Max();
        var lines = new List<string>();
        foreach (var (family, scores) in profile.Families)
        {
            var first = true;
            foreach (var s in scores)
            {
                var filled = (int)Math.Round(Math.Clamp(s.Score, 0, 1) * barWidth, MidpointRounding.AwayFromZero);
                var sb = new StringBuilder();
                sb.Append((first ? family : "").PadRight(familyWidth)).Append("  ");
                sb.Append(s.Label.PadRight(labelWidth)).Append("  ");
                sb.Append('█', filled).Append('░', barWidth - filled).Append("  ");
                sb.Append(s.Score.ToString("0.00", CultureInfo.InvariantCulture)).Append("  p");
                sb.Append(Math.Round(s.Percentile).ToString("0", CultureInfo.InvariantCulture));
                lines.Add(sb.ToString());
                first = false;
            }
        }
        return lines;
    }

    /// <summary>All lines joined with newlines.</summary>
    public static string Render(SemanticProfile profile, int barWidth = 20) => string.Join(Environment.NewLine, Lines(profile, barWidth));
}
