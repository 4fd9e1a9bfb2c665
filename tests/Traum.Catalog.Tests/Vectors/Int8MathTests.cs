using Traum.Catalog.Vectors;
using Xunit;

namespace Traum.Catalog.Tests.Vectors;

public sealed class Int8MathTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(33)]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(512)]
    [InlineData(1027)]
    public void Dot_RandomBytes_EqualsScalarSum(int n)
    {
        var rng = new Random(n);
        var a = new sbyte[n];
        var b = new sbyte[n];
        for (var i = 0; i < n; i++)
        {
            a[i] = (sbyte)rng.Next(-127, 128);
            b[i] = (sbyte)rng.Next(-127, 128);
        }
        long expected = 0;
        for (var i = 0; i < n; i++) expected += a[i] * b[i];
        Assert.Equal(expected, Int8Math.Dot(a, b));
    }

    [Fact]
    public void Dot_ExtremeValues_DoesNotOverflow()
    {
        var a = Enumerable.Repeat((sbyte)-127, 4096).ToArray();
        Assert.Equal(4096L * 127 * 127, Int8Math.Dot(a, a));
    }

    [Fact]
    public void Quantize_RandomVector_ErrorAtMostHalfAStep()
    {
        var rng = new Random(1);
        var v = VectorReference.RandomVector(rng, 300);
        var q = new sbyte[300];
        var scale = Int8Math.Quantize(v, q);
        var maxAbs = v.Max(Math.Abs);
        Assert.Equal(maxAbs / 127f, scale, 1e-7f);
        for (var i = 0; i < v.Length; i++) Assert.True(Math.Abs(q[i] * scale - v[i]) <= scale * 0.5f + 1e-6f);
        Assert.Equal(127, q.Max(x => Math.Abs((int)x)));
    }

    [Fact]
    public void Quantize_ZeroVector_ZeroScale()
    {
        var q = new sbyte[] { 1, 2, 3 };
        Assert.Equal(0f, Int8Math.Quantize(new float[3], q));
        Assert.All(q, x => Assert.Equal(0, x));
    }
}
