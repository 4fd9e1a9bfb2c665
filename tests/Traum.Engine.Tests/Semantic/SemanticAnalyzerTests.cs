using Traum.Core;
using Traum.Engine.Semantic;
using Traum.TestKit;
using Xunit;

namespace Traum.Engine.Tests.Semantic;

public sealed class SemanticAnalyzerTests
{
    private const string Json = """
        {
          // comments are allowed
          "scale": 10,
          "families": {
            "energy": { "calm": ["c1", "c2"], "intense": "i1" },
            "mood": { "dark": ["d1"], "bright": ["b1"], "neutral": ["n1"] }
          }
        }
        """;

    private static readonly Dictionary<string, float[]> Vectors = new()
    {
        ["c1"] = [1, 0, 0, 0],
        ["c2"] = [0, 2, 0, 0],  // not normalised: the label mean must normalise each prompt first
        ["i1"] = [0, 0, 3, 0],
        ["d1"] = [0, 0, 0, 1],
        ["b1"] = [5, 0, 0, 0],
        ["n1"] = [0, 1, 0, 0],
    };

    private static SemanticAnalyzer Analyzer(out FakeTextEmbedder text)
    {
        text = new FakeTextEmbedder("fake:v1", Vectors);
        return SemanticAnalyzer.Create(PromptSet.Parse(Json, "test"), text, TestContext.Current.CancellationToken);
    }

    private static double Score(SemanticProfile p, string family, string label) => p.Families[family].Single(s => s.Label == label).Score;

    [Fact]
    public void Create_LabelWithTwoPrompts_VectorIsNormalisedMeanOfNormalisedPrompts()
    {
        var analyzer = Analyzer(out var text);
        var calm = analyzer.LabelVector("energy", "calm").ToArray();
        var h = 1 / Math.Sqrt(2);
        double[] expected = [h, h, 0, 0];
        for (var i = 0; i < 4; i++) Assert.Equal(expected[i], calm[i], 1e-6);
        Assert.Equal(1, text.Calls);
        Assert.Equal(6, text.Texts.Count); // each prompt embedded once
    }

    [Fact]
    public void Analyze_KnownVectors_SoftmaxEqualsClosedForm()
    {
        var analyzer = Analyzer(out _);
        // a = (1,1,1,1)/2: cos(a, calm) = 1/√2, cos(a, intense) = 1/2; a two-way softmax is the logistic function.
        var p = analyzer.Analyze(new float[] { 1, 1, 1, 1 });
        var expectedCalm = 1 / (1 + Math.Exp(-10 * (1 / Math.Sqrt(2) - 0.5)));
        Assert.Equal(expectedCalm, Score(p, "energy", "calm"), 1e-6);
        Assert.Equal(1 - expectedCalm, Score(p, "energy", "intense"), 1e-6);
        // cos with dark, bright, neutral are all 1/2: uniform.
        Assert.Equal(1 / 3.0, Score(p, "mood", "dark"), 1e-6);
        Assert.Equal(1 / 3.0, Score(p, "mood", "neutral"), 1e-6);

        // a = (3,0,0,4) (unnormalised, |a| = 5): cos dark 0.8, bright 0.6, neutral 0.
        var q = analyzer.Analyze(new float[] { 3, 0, 0, 4 });
        var z = Math.Exp(8) + Math.Exp(6) + Math.Exp(0);
        Assert.Equal(Math.Exp(8) / z, Score(q, "mood", "dark"), 1e-6);
        Assert.Equal(Math.Exp(6) / z, Score(q, "mood", "bright"), 1e-6);
        Assert.Equal(1 / z, Score(q, "mood", "neutral"), 1e-6);
        Assert.Equal(analyzer.ProfileKey, q.ModelId);
        Assert.Equal(["energy", "mood"], q.Families.Keys);
        Assert.Equal(["dark", "bright", "neutral"], q.Families["mood"].Select(s => s.Label));
    }

    [Fact]
    public void Softmax_LargeLogits_StableAndSumsToOne()
    {
        var p = SemanticAnalyzer.Softmax([1000, 999, -1000]);
        Assert.Equal(1 / (1 + Math.Exp(-1)), p[0], 1e-12);
        Assert.Equal(1.0, p.Sum(), 1e-12);
    }

    [Fact]
    public void Analyze_WrongDimension_ClearError()
    {
        var analyzer = Analyzer(out _);
        var e = Assert.Throws<InvalidInputException>(() => analyzer.Analyze(new float[7]));
        Assert.Contains("fake:v1", e.Message);
    }

    [Fact]
    public void Rank_KnownScores_PercentileIsShareAtOrBelow()
    {
        static SemanticProfile P(double dark, double bright) => new("k", new Dictionary<string, IReadOnlyList<ProfileScore>>
        {
            ["mood"] = [new ProfileScore("dark", dark, 0), new ProfileScore("bright", bright, 0)],
        });
        var ranked = SemanticAnalyzer.Rank(new Dictionary<long, SemanticProfile>
        {
            [1] = P(0.1, 0.9), [2] = P(0.5, 0.5), [3] = P(0.5, 0.5), [4] = P(0.9, 0.1), [5] = P(0.3, 0.7),
        });
        // dark scores sorted: 0.1 0.3 0.5 0.5 0.9 → 100·#{≤x}/5
        double Pct(long id, string label) => ranked[id].Families["mood"].Single(s => s.Label == label).Percentile;
        Assert.Equal(20, Pct(1, "dark"), 1e-9);
        Assert.Equal(80, Pct(2, "dark"), 1e-9);
        Assert.Equal(80, Pct(3, "dark"), 1e-9);
        Assert.Equal(100, Pct(4, "dark"), 1e-9);
        Assert.Equal(40, Pct(5, "dark"), 1e-9);
        Assert.Equal(100, Pct(1, "bright"), 1e-9);
        Assert.Equal(20, Pct(4, "bright"), 1e-9);
        Assert.Equal(0.5, ranked[2].Families["mood"][0].Score); // scores untouched
    }

    [Fact]
    public void PromptSet_ChangedPromptOrScale_HashChanges_FormattingDoesNot()
    {
        var a = PromptSet.Parse(Json, "a");
        var reformatted = PromptSet.Parse(Json.Replace("\n", " ", StringComparison.Ordinal).Replace("// comments are allowed", "", StringComparison.Ordinal), "b");
        var prompt = PromptSet.Parse(Json.Replace("\"d1\"", "\"d2\"", StringComparison.Ordinal), "c");
        var scale = PromptSet.Parse(Json.Replace("\"scale\": 10", "\"scale\": 20", StringComparison.Ordinal), "d");
        Assert.Equal(a.Hash, reformatted.Hash);
        Assert.NotEqual(a.Hash, prompt.Hash);
        Assert.NotEqual(a.Hash, scale.Hash);
        Assert.NotEqual(a.Hash, a.WithScale(11).Hash);
        Assert.Equal(16, a.Hash.Length);
    }

    [Fact]
    public void ProfileKey_DiffersWithPrompts_SplitsBack()
    {
        var text = new FakeTextEmbedder("fake:v1", Vectors);
        var a = SemanticAnalyzer.Create(PromptSet.Parse(Json, "a"), text, TestContext.Current.CancellationToken);
        var b = SemanticAnalyzer.Create(PromptSet.Parse(Json, "a").WithScale(50), text, TestContext.Current.CancellationToken);
        Assert.NotEqual(a.ProfileKey, b.ProfileKey);
        Assert.Equal(("fake:v1", a.Prompts.Hash), SemanticAnalyzer.SplitProfileKey(a.ProfileKey));
        Assert.Equal(("plain", (string?)null), SemanticAnalyzer.SplitProfileKey("plain"));
    }

    [Fact]
    public void BuiltIn_HasFiveFamiliesWithDocumentedLabels()
    {
        var set = PromptSet.BuiltIn;
        Assert.Equal(["energy", "mood", "texture", "movement", "space"], set.Families.Select(f => f.Name));
        Assert.Equal(["calm", "moderate", "driving", "intense"], set.Families[0].Labels.Select(l => l.Name));
        Assert.Equal(["dark", "melancholic", "neutral", "uplifting", "euphoric"], set.Families[1].Labels.Select(l => l.Name));
        Assert.Equal(100, set.Scale);
        Assert.All(set.Families.SelectMany(f => f.Labels), l => Assert.NotEmpty(l.Prompts));
    }

    [Fact]
    public void Load_LibraryFile_OverridesBuiltIn()
    {
        using var dir = new TempDir("prompts");
        Assert.Same(PromptSet.BuiltIn, PromptSet.Load(dir.Path));
        File.WriteAllText(dir.File(PromptSet.FileName), Json);
        var set = PromptSet.Load(dir.Path);
        Assert.Equal(["energy", "mood"], set.Families.Select(f => f.Name));
        Assert.Equal(dir.File(PromptSet.FileName), set.Source);
        Assert.Equal(25, PromptSet.Load(dir.Path, scaleOverride: 25).Scale);
    }

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("{\"families\": {}}", "defines no family")]
    [InlineData("{\"families\": {\"energy\": {\"calm\": [\"x\"]}}}", "at least two labels")]
    [InlineData("{\"families\": {\"energy\": {\"calm\": [], \"loud\": [\"y\"]}}}", "has no prompt")]
    [InlineData("{\"scale\": -1, \"families\": {\"energy\": {\"calm\": \"x\", \"loud\": \"y\"}}}", "scale")]
    [InlineData("{\"families\": {\"energy\": {\"calm\": [3], \"loud\": \"y\"}}}", "must be strings")]
    public void Load_MalformedFile_ErrorNamesFileAndProblem(string json, string problem)
    {
        using var dir = new TempDir("prompts");
        File.WriteAllText(dir.File(PromptSet.FileName), json);
        var e = Assert.Throws<InvalidInputException>(() => PromptSet.Load(dir.Path));
        Assert.Contains(dir.File(PromptSet.FileName), e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Load_ExplicitMissingFile_ClearError()
    {
        using var dir = new TempDir("prompts");
        var e = Assert.Throws<InvalidInputException>(() => PromptSet.Load(dir.Path, dir.File("nope.json")));
        Assert.Contains("nope.json", e.Message);
    }
}
