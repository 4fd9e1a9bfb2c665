using Traum.Core;
using Traum.Engine.Semantic;
using Xunit;

namespace Traum.Engine.Tests.Semantic;

public sealed class ProfileConstraintTests
{
    private static SemanticProfile Profile(double score, double percentile) => new("k", new Dictionary<string, IReadOnlyList<ProfileScore>>
    {
        ["energy"] = [new ProfileScore("intense", score, percentile), new ProfileScore("calm", 1 - score, 100 - percentile)],
    });

    [Theory]
    [InlineData("energy:intense>0.8", 0.81, 0, true)]
    [InlineData("energy:intense>0.8", 0.8, 0, false)]
    [InlineData("energy:intense>=0.8", 0.8, 0, true)]
    [InlineData("energy:intense<0.2", 0.1, 0, true)]
    [InlineData("energy:intense<=0.2", 0.3, 0, false)]
    [InlineData("energy:intense>=90%", 0.1, 90, true)]
    [InlineData("energy:intense>p90", 0.99, 89, false)]
    [InlineData("Energy : Intense > 0.5", 0.6, 0, true)]
    [InlineData("energy:missing>0.5", 0.6, 0, false)]
    public void IsSatisfiedBy_ScoreOrPercentile_ComparesAsWritten(string text, double score, double percentile, bool expected)
    {
        Assert.Equal(expected, ProfileConstraint.Parse(text).IsSatisfiedBy(Profile(score, percentile)));
    }

    [Theory]
    [InlineData("energy>0.8", "FAMILY:LABEL")]
    [InlineData("energy:intense=0.8", "FAMILY:LABEL")]
    [InlineData("energy:intense>lots", "not a number")]
    [InlineData("energy:intense>1.5", "between 0 and 1")]
    [InlineData("energy:intense>150%", "between 0 and 100")]
    public void Parse_BadSyntax_ClearError(string text, string problem)
    {
        var e = Assert.Throws<InvalidInputException>(() => ProfileConstraint.Parse(text));
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Parse_UnknownLabel_ListsKnownLabels()
    {
        var e = Assert.Throws<InvalidInputException>(() => ProfileConstraint.Parse("energy:furious>0.5", PromptSet.BuiltIn));
        Assert.Contains("energy:intense", e.Message);
        Assert.Equal("mood", ProfileConstraint.Parse("MOOD:Dark>0.5", PromptSet.BuiltIn).Family);
    }

    [Fact]
    public void Renderer_BarLengthProportionalToScore()
    {
        var lines = ProfileRenderer.Lines(Profile(0.75, 92), barWidth: 8);
        Assert.Equal(2, lines.Count);
        Assert.Equal(6, lines[0].Count(c => c == '█'));
        Assert.Equal(2, lines[0].Count(c => c == '░'));
        Assert.Contains("0.75", lines[0]);
        Assert.Contains("p92", lines[0]);
        Assert.StartsWith("energy", lines[0]);
        Assert.Equal(2, lines[1].Count(c => c == '█'));
        Assert.StartsWith("      ", lines[1]);
    }
}
