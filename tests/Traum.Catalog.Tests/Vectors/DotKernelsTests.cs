using Traum.Catalog.Vectors;
using Xunit;

namespace Traum.Catalog.Tests.Vectors;

/// <summary>Switches the process-wide vector width of the scan kernel: not in parallel with other index tests.</summary>
[Collection("Dot kernel width")]
public sealed class DotKernelsTests
{
    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(0)]
    public void Dot4AndDot8_EveryVectorWidth_EqualTheDotProductOfEachRow(int bits)
    {
        var before = DotKernels.MaxVectorBits;
        DotKernels.MaxVectorBits = bits;
        try
        {
            var rng = new Random(bits + 3);
            foreach (var dim in new[] { 3, 8, 16, 37, 512 })
            {
                var q = Enumerable.Range(0, dim).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
                var rows = Enumerable.Range(0, 4 * dim).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
                var scores = new float[4];
                DotKernels.Dot4(q, rows, dim, scores);
                for (var j = 0; j < 4; j++)
                {
                    double expected = 0;
                    for (var i = 0; i < dim; i++) expected += (double)q[i] * rows[(j * dim) + i];
                    Assert.Equal(expected, scores[j], 1e-4);
                }
                var rows8 = Enumerable.Range(0, 8 * dim).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
                var scores8 = new float[8];
                DotKernels.Dot8(q, rows8, dim, scores8);
                for (var j = 0; j < 8; j++)
                {
                    double expected = 0;
                    for (var i = 0; i < dim; i++) expected += (double)q[i] * rows8[(j * dim) + i];
                    Assert.Equal(expected, scores8[j], 1e-4);
                }
            }
        }
        finally
        {
            DotKernels.MaxVectorBits = before;
        }
    }
}
