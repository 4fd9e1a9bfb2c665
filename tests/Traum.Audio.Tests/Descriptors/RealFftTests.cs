using Traum.Audio.Descriptors;
using Xunit;

namespace Traum.Audio.Tests.Descriptors;

public sealed class RealFftTests
{
    [Theory]
    [InlineData(8)]
    [InlineData(64)]
    [InlineData(2048)]
    public void Power_RandomFrame_EqualsDirectDft(int n)
    {
        var rng = new Random(n);
        var x = new float[n];
        for (var i = 0; i < n; i++) x[i] = (float)((rng.NextDouble() * 2) - 1);
        var power = new float[(n / 2) + 1];
        new RealFft(n).Power(x, power);

        double maxPower = 0;
        var expected = new double[power.Length];
        for (var k = 0; k < power.Length; k++)
        {
            double re = 0, im = 0;
            for (var t = 0; t < n; t++)
            {
                var phase = -2 * Math.PI * k * t / n;
                re += x[t] * Math.Cos(phase);
                im += x[t] * Math.Sin(phase);
            }
            expected[k] = (re * re) + (im * im);
            maxPower = Math.Max(maxPower, expected[k]);
        }
        for (var k = 0; k < power.Length; k++)
        {
            Assert.True(Math.Abs(power[k] - expected[k]) <= 1e-4 * maxPower, $"bin {k}: {power[k]} vs {expected[k]}");
        }
    }

    [Fact]
    public void Power_WrongFrameLength_Throws()
    {
        var fft = new RealFft(16);
        Assert.Throws<ArgumentException>(() => fft.Power(new float[15], new float[9]));
    }
}
