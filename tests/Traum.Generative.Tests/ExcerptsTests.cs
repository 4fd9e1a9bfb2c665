using Xunit;

namespace Traum.Generative.Tests;

public sealed class ExcerptsTests
{
    [Fact]
    public void Starts_LoopWithTempo_CutsOnBarLinesByWholeBars()
    {
        // 120 BPM at 1000 Hz: a bar is 2 s = 2000 samples; a 3000-sample excerpt needs 2 bars, so starts step by 4000.
        var x = Enumerable.Repeat(0.5f, 12_000).ToArray();
        var starts = Excerpts.Starts(x, 1000, 3000, new ExcerptHints(Bpm: 120), 100);
        Assert.Equal([0, 4000, 8000], starts);
    }

    [Fact]
    public void Starts_LoopWithTempoAndDownbeat_StartsAtTheDownbeat()
    {
        var x = Enumerable.Repeat(0.5f, 10_000).ToArray();
        var starts = Excerpts.Starts(x, 1000, 2000, new ExcerptHints(Bpm: 120, OnsetSeconds: 0.5), 100);
        Assert.Equal([500, 2500, 4500, 6500], starts);
    }

    [Fact]
    public void Starts_NoHints_ConsecutiveWithHalfLengthTail()
    {
        var x = Enumerable.Repeat(0.5f, 2500).ToArray();
        Assert.Equal([0, 1000, 2000], Excerpts.Starts(x, 1000, 1000, null, 100)); // tail of 500 = half → kept
        var y = Enumerable.Repeat(0.5f, 2400).ToArray();
        Assert.Equal([0, 1000], Excerpts.Starts(y, 1000, 1000, null, 100)); // tail of 400 → dropped
    }

    [Fact]
    public void Starts_OneShot_SingleExcerptFromDetectedOnset()
    {
        var x = new float[5000];
        for (var i = 700; i < 5000; i++) x[i] = 0.8f;
        Assert.Equal([700], Excerpts.Starts(x, 1000, 1000, new ExcerptHints(IsOneShot: true), 100));
    }

    [Fact]
    public void Starts_ShortStemWithoutHints_IsTreatedAsOneShot()
    {
        var x = new float[600];
        x[123] = 1f;
        Assert.Equal([123], Excerpts.Starts(x, 1000, 1000, null, 100));
    }

    [Fact]
    public void Starts_MoreThanMax_ThinnedEvenly()
    {
        var x = new float[10_000];
        Array.Fill(x, 0.1f);
        Assert.Equal([0, 5000], Excerpts.Starts(x, 1000, 1000, null, 2));
    }

    [Fact]
    public void DetectOnset_ThresholdThirtyDbBelowPeak()
    {
        var x = new float[100];
        x[10] = 0.01f;   // −40 dB re 1.0: below threshold
        x[20] = 0.05f;   // −26 dB: above
        x[50] = 1f;
        Assert.Equal(20, Excerpts.DetectOnset(x));
    }
}
