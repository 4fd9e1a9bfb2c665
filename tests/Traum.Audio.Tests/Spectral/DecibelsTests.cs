using Traum.Audio.Spectral;
using Xunit;

namespace Traum.Audio.Tests.Spectral;

public sealed class DecibelsTests
{
    [Fact]
    public void PowerToDb_KnownValues_TenLog10WithFloor()
    {
        float[] x = [1f, 10f, 0.001f, 0f, 1e-12f, 100f];
        Decibels.PowerToDb(x);
        float[] want = [0f, 10f, -30f, -100f, -100f, 20f];
        for (var i = 0; i < x.Length; i++) Assert.Equal(want[i], x[i], 1e-4);
    }

    [Fact]
    public void PowerToDb_Reference_SubtractsReferenceLevel()
    {
        float[] x = [4f, 0.4f];
        Decibels.PowerToDb(x, reference: 4.0);
        Assert.Equal(0f, x[0], 1e-5);
        Assert.Equal(-10f, x[1], 1e-4);
    }

    [Fact]
    public void AmplitudeToDb_KnownValues_TwentyLog10WithFloor()
    {
        float[] x = [1f, 0.5f, 0f, 10f];
        Decibels.AmplitudeToDb(x);
        float[] want = [0f, (float)(20 * Math.Log10(0.5)), -100f, 20f];
        for (var i = 0; i < x.Length; i++) Assert.Equal(want[i], x[i], 1e-4);
    }

    [Fact]
    public void PowerToDb_NonPositiveFloor_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Decibels.PowerToDb(new float[1].AsSpan(), floor: 0));
    }
}
