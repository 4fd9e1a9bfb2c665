using Traum.Models.Demucs;
using Xunit;

namespace Traum.Models.Tests.Demucs;

/// <summary>The checks behind <c>traum models verify demucs…</c>, against closed forms of the fixture graphs.</summary>
public sealed class DemucsSelfCheckTests
{
    private static (bool? Passed, string Detail) ChunkCheck(string fixture, double? tolerance = null)
    {
        var folder = DemucsFixtures.Dir(fixture);
        var manifest = DemucsManifest.Load(folder);
        if (tolerance is { } t) manifest = manifest with { SumTolerance = t };
        var results = DemucsSelfCheck.Run(folder, manifest, new DemucsOptions { IntraOpThreads = 1 }, TestContext.Current.CancellationToken);
        var chunk = Assert.Single(results, r => r.Name.StartsWith("one chunk", StringComparison.Ordinal));
        return (chunk.Passed, chunk.Detail);
    }

    [Fact]
    public void Run_TimeBranchFractionsSummingToOne_PassesWithNoError()
    {
        // time4: stems are 0.1, 0.2, 0.3, 0.4 of the chunk: their sum is the chunk, up to float rounding.
        var (passed, detail) = ChunkCheck("time4");
        Assert.True(passed, detail);
        Assert.StartsWith("relative RMS error 0 ", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_StemsSummingToFourTenths_FailsWithRelativeErrorSixTenths()
    {
        var (passed, detail) = ChunkCheck("nosum4");
        Assert.False(passed);
        Assert.Contains("relative RMS error of 0.6 ", detail, StringComparison.Ordinal);
        Assert.Contains("tolerance 0.1", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ToleranceAboveTheError_Passes()
    {
        var (passed, detail) = ChunkCheck("nosum4", tolerance: 0.61);
        Assert.True(passed, detail);
    }

    [Fact]
    public void Run_EveryPublicContractFixture_Passes()
    {
        foreach (var fixture in new[] { "ghilda-split", "monteslu-ft-fp16", "stemsplit-ft-full", "stemsplit6-full", "full-fp16io" })
        {
            var (passed, detail) = ChunkCheck(fixture);
            Assert.True(passed, $"{fixture}: {detail}");
        }
    }

    [Fact]
    public void Run_GraphThatFitsNeitherContract_ReportsTheLoadFailure()
    {
        var folder = DemucsFixtures.Dir("other-layout");
        var results = DemucsSelfCheck.Run(folder, DemucsManifest.Load(folder), new DemucsOptions { IntraOpThreads = 1 }, TestContext.Current.CancellationToken);
        var graphs = Assert.Single(results, r => r.Name == "graphs");
        Assert.False(graphs.Passed);
        Assert.Contains("fits neither", graphs.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void TestChunk_IsNormalisedLikeATrack()
    {
        var chunk = DemucsSelfCheck.TestChunk(343980, 44100);
        double mean = 0;
        for (var i = 0; i < chunk[0].Length; i++) mean += 0.5 * ((double)chunk[0][i] + chunk[1][i]);
        mean /= chunk[0].Length;
        double m2 = 0;
        for (var i = 0; i < chunk[0].Length; i++) m2 += Math.Pow((0.5 * ((double)chunk[0][i] + chunk[1][i])) - mean, 2);
        Assert.True(Math.Abs(mean) < 1e-6);
        Assert.Equal(1.0, Math.Sqrt(m2 / (chunk[0].Length - 1)), 4);
    }
}
