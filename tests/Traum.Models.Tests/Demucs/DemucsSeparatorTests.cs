using Traum.Core;
using Traum.Models.Demucs;
using Traum.TestKit;
using Xunit;
using static Traum.Models.Tests.Demucs.DemucsFixtures;

namespace Traum.Models.Tests.Demucs;

/// <summary>Properties of the separator that hold whatever the signal: conservation, repeatability, edge cases.</summary>
public sealed class DemucsSeparatorTests
{
    // time4 returns 0.1, 0.2, 0.3, 0.4 of the chunk's waveform through the time branch: every stem must be exactly
    // that fraction of the input everywhere (any seam, weight or centring error shows), and the stems sum to the input.
    private static readonly float[] s_time4 = [0.1f, 0.2f, 0.3f, 0.4f];

    // With the track's mean μ (of the channel mean) removed before and spread evenly over the S stems after,
    // stem s = f_s·(x − μ) + μ/S.
    private static void AssertFractions(float[][][] stems, float[] l, float[] r, float[] fractions, double tolerance = 1e-4)
    {
        double mu = 0;
        for (var i = 0; i < l.Length; i++) mu += 0.5 * ((double)l[i] + r[i]);
        mu /= l.Length;
        var share = mu / stems.Length;
        double maxSum = 0, maxStem = 0;
        for (var i = 0; i < l.Length; i++)
        {
            double sl = 0, sr = 0;
            for (var s = 0; s < stems.Length; s++)
            {
                sl += stems[s][0][i];
                sr += stems[s][1][i];
                maxStem = Math.Max(maxStem, Math.Abs(stems[s][0][i] - ((fractions[s] * (l[i] - mu)) + share)));
                maxStem = Math.Max(maxStem, Math.Abs(stems[s][1][i] - ((fractions[s] * (r[i] - mu)) + share)));
            }
            maxSum = Math.Max(maxSum, Math.Max(Math.Abs(sl - l[i]), Math.Abs(sr - r[i])));
        }
        Assert.True(maxSum < tolerance, $"sum of stems differs from the input by {maxSum}");
        Assert.True(maxStem < tolerance, $"a stem differs from its fraction of the input by {maxStem}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(1001)]
    [InlineData(Stride)]
    [InlineData(Segment - 1)]
    [InlineData(Segment)]
    [InlineData(2 * Stride)]
    [InlineData((2 * Stride) - 1)]
    [InlineData((3 * Stride) + 12345)]
    public void Separate_AnyLength_StemsSumToInput(int length)
    {
        var (l, r) = Music(length, seed: 11);
        using var sep = Load("time4");
        var stems = Separate(sep, l, r);
        Assert.All(stems, s => Assert.Equal(length, s[0].Length));
        AssertFractions(stems, l, r, s_time4);
    }

    [Fact]
    public void Separate_DcOffsetTrack_StemsSumToInput()
    {
        // Normalisation subtracts the mean and restores it: the stems still sum to the mix.
        var (l, r) = Music(100_000, seed: 2);
        for (var i = 0; i < l.Length; i++)
        {
            l[i] += 0.25f;
            r[i] += 0.25f;
        }
        using var sep = Load("time4");
        var stems = Separate(sep, l, r);
        double max = 0;
        for (var i = 0; i < l.Length; i++)
        {
            max = Math.Max(max, Math.Abs(stems.Sum(s => (double)s[0][i]) - l[i]));
        }
        Assert.True(max < 1e-4, $"max |sum − input| = {max}");
    }

    [Fact]
    public void Separate_SilentTrack_GivesSilentStemsWithoutNaN()
    {
        var n = 400_000;
        using var sep = Load("fractions4");
        var stems = Separate(sep, new float[n], new float[n]);
        Assert.All(stems, s => Assert.All(s, c => Assert.All(c, v => Assert.Equal(0f, v))));
    }

    [Fact]
    public void Separate_WithShifts_StemsSumToInputAndRepeat()
    {
        var (l, r) = Music(300_000, seed: 8);
        var options = new DemucsOptions { Shifts = 3, Seed = 123, IntraOpThreads = 1 };
        using var sep = Load("time4", options);
        var a = Separate(sep, l, r);
        var b = Separate(sep, l, r);
        AssertFractions(a, l, r, s_time4);
        Assert.Equal(0, MaxAbsDiff(a, b));
    }

    [Fact]
    public void ShiftOffsets_SameSeed_SameOffsetsInRange()
    {
        var a = DemucsSeparator.ShiftOffsets(10, 5, 22050);
        var b = DemucsSeparator.ShiftOffsets(10, 5, 22050);
        var c = DemucsSeparator.ShiftOffsets(10, 6, 22050);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.All(a, o => Assert.InRange(o, 0, 22050));
    }

    [Fact]
    public void Separate_BagOfSpecialists_TakesEachStemFromItsOwnGraph()
    {
        // Graph g gives (g+1)/10 of the input for its own stem and 0.9 for all others.
        var (l, r) = Music(50_000, seed: 6);
        using var sep = Load("bag4");
        var stems = Separate(sep, l, r);
        AssertFractions(stems, l, r, s_time4);
    }

    [Fact]
    public void Separate_Progress_CountsEveryChunkOnce()
    {
        var (l, r) = Music((2 * Stride) + 5, seed: 1);
        using var sep = Load("time4");
        var reports = new List<ProgressInfo>();
        var progress = new SyncProgress(reports.Add);
        var result = sep.Separate(new InMemoryInput(l, r), new InMemorySink(4), progress, TestContext.Current.CancellationToken);
        // offsets 0, stride, 2·stride < length → 3 chunks
        Assert.Equal(3, result.Chunks);
        Assert.Equal([1.0, 2.0, 3.0], reports.Select(p => p.Done));
        Assert.All(reports, p => Assert.Equal(3, p.Total));
    }

    [Fact]
    public void Separate_Cancelled_Throws()
    {
        var (l, r) = Music(2 * Stride, seed: 1);
        using var sep = Load("time4");
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(_ => cts.Cancel());
        Assert.ThrowsAny<OperationCanceledException>(() => sep.Separate(new InMemoryInput(l, r), new InMemorySink(4), progress, cts.Token));
    }

    [Fact]
    public void Separate_EmptyTrack_IsRejected()
    {
        using var sep = Load("time4");
        var e = Assert.Throws<InvalidInputException>(() => sep.Separate(new InMemoryInput([], []), new InMemorySink(4), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("no samples", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Measure_KnownSignal_GivesUnbiasedStd()
    {
        // reference = mean of channels = [1, 2, 3, 4] → mean 2.5, unbiased std sqrt(5/3).
        var (n, mean, std) = DemucsSeparator.Measure(new InMemoryInput([0, 2, 2, 4], [2, 2, 4, 4]), TestContext.Current.CancellationToken);
        Assert.Equal(4, n);
        Assert.Equal(2.5, mean, 12);
        Assert.Equal(Math.Sqrt(5.0 / 3.0), std, 12);
    }

    private sealed class SyncProgress(Action<ProgressInfo> report) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => report(value);
    }
}
