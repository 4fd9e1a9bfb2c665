using Traum.Engine.StemGeneration;
using Traum.Engine.Tests.Training;
using Traum.Engine.Training;
using Traum.Generative;
using Traum.Models.Clap;
using Traum.TestKit;
using Traum.TestKit.Fixtures;
using Xunit;

namespace Traum.Engine.Tests.Generation;

public sealed class GenerationEvaluatorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void EndOfTraining_Report_IsConsistentAndUsesTheOtherCategoryAsScale()
    {
        using var lib = new VaeTestLibrary(bassStems: 12, hatStems: 8);
        var trained = new TrainingService(lib.Library).Train(VaeTestLibrary.Request("bass") with { EvaluationStems = 8 }, cancellationToken: Ct);
        var r = trained.Metadata.GenerationReport;
        Assert.NotNull(r);
        Assert.Equal(GenerationEvaluator.DescriptorEmbedding, r.Embedding);
        Assert.Equal((8, 12), (r.Generated, r.Training));
        Assert.Equal(r.GeneratedPairwise / r.TrainingPairwise, r.Diversity, 9);
        Assert.Equal("hihat", r.OtherCategory);
        Assert.True(r.Frechet >= 0 && double.IsFinite(r.Frechet));
        // Generated bass is nearer the bass it learnt from than hats are: a scale that separates categories.
        Assert.True(r.Frechet < r.FrechetOtherCategory, $"{r.Frechet} vs {r.FrechetOtherCategory}");
        Assert.True(r.NearerOwnCentroid >= 7, $"{r.NearerOwnCentroid} of 8 nearer the bass centroid");

        // The same evaluation run again from the saved model gives the same figures (seeded latents and phases).
        using var model = VaeModel.Load(trained.Directory);
        var again = new GenerationEvaluator(lib.Library).Evaluate(model, "bass", 8, trained.Metadata.Training.Seed, 32, Ct);
        Assert.Equal(r.Diversity, again.Diversity, 9);
        Assert.Equal(r.Frechet, again.Frechet, 9);
    }

    [Fact]
    public void Evaluate_WithClap_MeasuresInClapSpace()
    {
        using var lib = new VaeTestLibrary(bassStems: 12, hatStems: 4);
        using var dir = new TempDir("clap-eval");
        using var clap = new ClapEmbedder(ClapModelLocator.FromFolder(ClapFixture.CreateModelFolder(dir.File("clap")), "fp32"));
        var trained = new TrainingService(lib.Library).Train(VaeTestLibrary.Request("bass") with { EvaluationStems = 0 }, cancellationToken: Ct);
        using var model = VaeModel.Load(trained.Directory);
        var evaluator = new GenerationEvaluator(lib.Library, clap);
        Assert.Equal(ClapFixture.ModelId, evaluator.Embedding);
        var r = evaluator.Evaluate(model, "bass", 4, 1, 8, Ct);
        Assert.Equal(ClapFixture.ModelId, r.Embedding);
        Assert.Equal((4, 12), (r.Generated, r.Training));
        Assert.True(double.IsFinite(r.Frechet) && r.Frechet >= 0);
        Assert.True(double.IsFinite(r.Diversity) && r.Diversity > 0);
        Assert.NotNull(r.FrechetOtherCategory);
    }
}
