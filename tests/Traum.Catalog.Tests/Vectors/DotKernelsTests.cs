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

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(0)]
    public void SearchExact_EveryVectorWidth_EqualsBruteForceAndBreaksTiesByAscendingId(int bits)
    {
        var before = DotKernels.MaxVectorBits;
        DotKernels.MaxVectorBits = bits;
        try
        {
            const int dim = 512;
            var rng = new Random(bits + 17);
            var data = new Dictionary<long, float[]>();
            var twin = Unit(rng, dim);
            // 3 000 rows across both partitions; every 97th id holds the same direction, so a query along it ties 31
            // rows at the top, spread over different positions within groups of eight.
            using var index = new VectorIndex("m", dim, new VectorIndexOptions { Threads = 2, MinimumRowsPerThread = 1 });
            for (long id = 1; id <= 3000; id++)
            {
                var v = id % 97 == 0 ? twin : Unit(rng, dim);
                data[id] = v;
                index.Upsert(id, v);
            }
            var tied = index.SearchExact(twin, 10, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal(data.Keys.Where(id => id % 97 == 0).Order().Take(10), tied.Select(h => h.Id));
            for (var n = 0; n < 5; n++)
            {
                var q = Unit(rng, dim);
                var reference = data.Select(p => (Id: p.Key, Score: p.Value.Zip(q, (a, b) => (double)a * b).Sum())).OrderByDescending(r => r.Score).ToList();
                var hits = index.SearchExact(q, 10, cancellationToken: TestContext.Current.CancellationToken);
                Assert.Equal(10, hits.Count);
                for (var i = 0; i < 10; i++) Assert.Equal(reference[i].Score, hits[i].Score, 1e-5);
                // Ids agree wherever the reference's neighbours are not within float rounding of each other.
                for (var i = 0; i < 10; i++)
                {
                    if (Math.Abs(reference[i].Score - reference[i + 1].Score) > 1e-5 && (i == 0 || Math.Abs(reference[i].Score - reference[i - 1].Score) > 1e-5))
                    {
                        Assert.Equal(reference[i].Id, hits[i].Id);
                    }
                }
            }
        }
        finally
        {
            DotKernels.MaxVectorBits = before;
        }
    }

    private static float[] Unit(Random rng, int dim)
    {
        var v = Enumerable.Range(0, dim).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }
}
