using Xunit;
using Traum.Models.Demucs;
using static Traum.Models.Tests.Demucs.DemucsFixtures;

namespace Traum.Models.Tests.Demucs;

/// <summary>
/// The separator against tools/demucs/reference.py, a numpy implementation of demucs' apply_model, _spec and _ispec
/// written independently of the C# code, on linear fixture graphs whose output per chunk is known in closed form.
/// </summary>
public sealed class DemucsSeparatorReferenceTests
{
    [Fact]
    public void Separate_BothBranchesFixture_MatchesNumpyReference()
    {
        var (l, r) = Music(600_000);
        using var sep = Load("fractions4");
        var actual = Separate(sep, l, r);
        var expected = Reference("fractions4", l, r);
        Assert.True(MaxAbsDiff(actual, expected) < 1e-4, $"max |diff| = {MaxAbsDiff(actual, expected)}");
    }

    [Fact]
    public void Separate_ChannelOrderFixture_MatchesNumpyReference()
    {
        // The fixture rotates the left spectrum by -i, swaps L/R spectra and L/R waveforms: a swapped re/im or L/R
        // packing, or binding inputs/outputs by position (this graph has them in the other order), changes the result.
        var (l, r) = Music(400_000, seed: 3);
        using var sep = Load("channels4");
        var actual = Separate(sep, l, r);
        var expected = Reference("channels4", l, r);
        Assert.True(MaxAbsDiff(actual, expected) < 1e-4, $"max |diff| = {MaxAbsDiff(actual, expected)}");
        // And the fixture does discriminate: the drums stem (−i·L) is far from L and from a re/im swap (i·conj(L)).
        var drums = actual[0][0];
        double dist = 0;
        for (var i = 0; i < l.Length; i++) dist = Math.Max(dist, Math.Abs(drums[i] - l[i]));
        Assert.True(dist > 0.1);
    }

    [Fact]
    public void Separate_SixSourceFixture_MatchesNumpyReference()
    {
        var (l, r) = Music(300_001, seed: 5);
        using var sep = Load("fractions6");
        Assert.Equal(6, sep.Manifest.Sources.Count);
        var actual = Separate(sep, l, r);
        Assert.Equal(6, actual.Length);
        var expected = Reference("fractions6", l, r);
        Assert.True(MaxAbsDiff(actual, expected) < 1e-4, $"max |diff| = {MaxAbsDiff(actual, expected)}");
    }

    [Fact]
    public void Separate_WithShifts_MatchesNumpyReferenceAtTheSameOffsets()
    {
        var (l, r) = Music(350_000, seed: 9);
        var options = new DemucsOptions { Shifts = 2, Seed = 7, IntraOpThreads = 1 };
        using var sep = Load("fractions4", options);
        var actual = Separate(sep, l, r);
        var offsets = DemucsSeparator.ShiftOffsets(2, 7, 22050);
        var expected = Reference("fractions4", l, r, offsets);
        Assert.True(MaxAbsDiff(actual, expected) < 1e-4, $"max |diff| = {MaxAbsDiff(actual, expected)}");
    }

    [Theory]
    [InlineData(Stride - 1)]
    [InlineData(Stride + 1)]
    [InlineData((2 * Stride) + 1)]
    [InlineData(Segment + 1)]
    public void Separate_LengthsAroundChunkSeams_MatchNumpyReference(int length)
    {
        var (l, r) = Music(length, seed: length % 17);
        using var sep = Load("fractions4");
        var actual = Separate(sep, l, r);
        var expected = Reference("fractions4", l, r);
        Assert.True(MaxAbsDiff(actual, expected) < 1e-4, $"max |diff| = {MaxAbsDiff(actual, expected)}");
    }

    [Fact]
    public void Separate_OtherOverlap_MatchesNumpyReference()
    {
        var (l, r) = Music(500_000, seed: 4);
        using var sep = Load("fractions4", new DemucsOptions { Overlap = 0.5, IntraOpThreads = 1 });
        var actual = Separate(sep, l, r);
        var expected = Reference("fractions4", l, r, overlap: 0.5);
        Assert.True(MaxAbsDiff(actual, expected) < 1e-4, $"max |diff| = {MaxAbsDiff(actual, expected)}");
    }
}
