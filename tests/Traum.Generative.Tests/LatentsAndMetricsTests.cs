using System.Buffers.Binary;
using System.IO.Compression;

using Xunit;

namespace Traum.Generative.Tests;

public sealed class LatentsAndMetricsTests
{
    [Fact]
    public void Random_ManyDraws_MeanZeroStdTemperature()
    {
        var z = Latents.Random(20_000, 1, 0.7, 3);
        var mean = z.Average(v => (double)v);
        var std = Math.Sqrt(z.Average(v => (v - mean) * (v - mean)));
        Assert.Equal(0, mean, 0.02);
        Assert.Equal(0.7, std, 0.02);
        Assert.Equal(z, Latents.Random(20_000, 1, 0.7, 3));
    }

    [Fact]
    public void FromMixture_DrawsEachComponentEquallyWithItsOwnSpread()
    {
        // Two well-separated components in 2-d: every draw belongs to one of them, each takes about half, and within a
        // component the spread is t·σ of that component, per dimension.
        LatentPosterior[] mixture = [new([-10f, 5f], [0.5f, 2f]), new([10f, -5f], [1f, 0.25f])];
        var z = Latents.FromMixture(mixture, 20_000, 0.8, 7);
        var groups = Enumerable.Range(0, 20_000).Select(i => (X: z[2 * i], Y: z[(2 * i) + 1])).GroupBy(p => p.X > 0).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(0.5, groups[false].Count / 20_000.0, 0.02);
        foreach (var (positive, c) in new[] { (false, mixture[0]), (true, mixture[1]) })
        {
            var g = groups[positive];
            var mx = g.Average(p => p.X);
            var my = g.Average(p => p.Y);
            Assert.Equal(c.Mean[0], mx, 0.05);
            Assert.Equal(c.Mean[1], my, 0.1);
            Assert.Equal(0.8 * c.Std[0], Math.Sqrt(g.Average(p => (p.X - mx) * (p.X - mx))), 0.03);
            Assert.Equal(0.8 * c.Std[1], Math.Sqrt(g.Average(p => (p.Y - my) * (p.Y - my))), 0.05);
        }
        Assert.Equal(z, Latents.FromMixture(mixture, 20_000, 0.8, 7));
        Assert.NotEqual(z, Latents.FromMixture(mixture, 20_000, 0.8, 8));
    }

    [Fact]
    public void FromMixture_ZeroTemperature_GivesTheComponentMeans()
    {
        LatentPosterior[] mixture = [new([1f, 2f, 3f], [1f, 1f, 1f]), new([-1f, 0f, 4f], [1f, 1f, 1f])];
        var z = Latents.FromMixture(mixture, 50, 0, 1);
        for (var i = 0; i < 50; i++)
        {
            var row = z.AsSpan(3 * i, 3).ToArray();
            Assert.Contains(mixture, c => c.Mean.SequenceEqual(row));
        }
        Assert.Throws<ArgumentException>(() => Latents.FromMixture([], 1, 1, 1));
        Assert.Throws<ArgumentException>(() => Latents.FromMixture([new([1f], [1f]), new([1f, 2f], [1f, 1f])], 1, 1, 1));
    }

    [Fact]
    public void Interpolate_Endpoints_AreTheInputs()
    {
        float[] a = [1, 2, -1];
        float[] b = [-3, 0.5f, 2];
        foreach (var spherical in new[] { false, true })
        {
            var p = Latents.Interpolate(a, b, 5, spherical);
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(a[i], p[i], 5);
                Assert.Equal(b[i], p[12 + i], 5);
            }
        }
    }

    [Fact]
    public void Interpolate_Linear_MidpointIsTheMean()
    {
        var p = Latents.Interpolate([0f, 4f], [2f, 0f], 3, spherical: false);
        Assert.Equal([0f, 4f, 1f, 2f, 2f, 0f], p);
    }

    [Fact]
    public void Interpolate_SphericalBetweenEqualNorms_KeepsTheNorm()
    {
        // Orthogonal unit vectors: slerp stays on the unit circle; the midpoint is (1/√2, 1/√2).
        var p = Latents.Interpolate([1f, 0f], [0f, 1f], 5, spherical: true);
        for (var s = 0; s < 5; s++) Assert.Equal(1.0, Math.Sqrt((p[2 * s] * p[2 * s]) + (p[(2 * s) + 1] * p[(2 * s) + 1])), 5);
        Assert.Equal(1 / Math.Sqrt(2), p[4], 5);
    }

    [Fact]
    public void SpectralConvergence_ClosedForms()
    {
        float[] s = [3, 4, 0, 1];
        Assert.Equal(0, SpectralMetrics.SpectralConvergence(s, s));
        Assert.Equal(1, SpectralMetrics.SpectralConvergence(s, new float[4]), 9);
        Assert.Equal(0.25, SpectralMetrics.SpectralConvergence(s, s.Select(v => v * 1.25f).ToArray()), 6);
    }

    [Fact]
    public void LogSpectralDistance_TenfoldMagnitude_IsTwentyDb()
    {
        // [bins=2, frames=3], all well above the 80 dB floor.
        float[] s = [1, 2, 3, 4, 5, 6];
        Assert.Equal(20, SpectralMetrics.LogSpectralDistance(s, s.Select(v => v * 10).ToArray(), 2, 3), 6);
        Assert.Equal(0, SpectralMetrics.LogSpectralDistance(s, s, 2, 3));
    }

    [Fact]
    public void PcaReconstruct_RankDeficientData_ExactWithEnoughComponents()
    {
        // Rows are multiples of one direction around a mean: rank 1 after centring, so 1 component reconstructs exactly.
        var rng = new Random(2);
        const int d = 6;
        float[] dir = [1, -2, 0.5f, 3, 0, 1];
        var train = new float[20 * d];
        for (var r = 0; r < 20; r++)
        {
            var c = (float)((rng.NextDouble() * 2) - 1);
            for (var j = 0; j < d; j++) train[(r * d) + j] = c * dir[j];
        }
        float[] held = [.. dir.Select(v => v * 0.3f)];
        var rec = SpectralMetrics.PcaReconstruct(train, 20, held, 1, d, 1, out var used);
        Assert.Equal(1, used);
        for (var j = 0; j < d; j++) Assert.Equal(held[j], rec[j], 4);
    }

    [Fact]
    public void LossPlot_Render_IsAValidPng()
    {
        var losses = Enumerable.Range(1, 10).Select(e => new EpochLoss(e, 1, 1.0 / e, 0, 0, 1.2 / e, 0, 0, 0.1)).ToList();
        var png = LossPlot.Render(losses, 120, 80);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(120, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(80, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        // The IEND chunk's CRC is the well-known constant AE 42 60 82.
        Assert.Equal(new byte[] { 0xAE, 0x42, 0x60, 0x82 }, png[^4..]);
        // IDAT inflates to height × (1 filter byte + 3·width).
        var idatLen = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(33));
        Assert.Equal("IDAT", System.Text.Encoding.ASCII.GetString(png, 37, 4));
        using var z = new ZLibStream(new MemoryStream(png, 41, idatLen), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        Assert.Equal(80 * (1 + (3 * 120)), raw.Length);
        // Not blank: the curves put non-white pixels in.
        Assert.Contains(raw.ToArray(), b => b != 255 && b != 0);
    }

    [Fact]
    public void AdamOptimizer_TwoSteps_MatchTheClosedForm()
    {
        // Loss = Σ c·p with constant gradient c. Step 1: m̂ = c, v̂ = c² → p −= lr·c/(|c| + ε).
        // Step 2 with the same gradient: m̂ and v̂ are again c and c² (bias correction is exact), so the same move.
        using var scope = TorchSharp.torch.NewDisposeScope();
        var p = TorchSharp.torch.tensor(new float[] { 1f, -2f, 0.5f }).requires_grad_();
        var c = TorchSharp.torch.tensor(new float[] { 0.3f, -4f, 0f });
        using var adam = new AdamOptimizer([p], lr: 0.1);
        float[] expected = [1f, -2f, 0.5f];
        float[] grad = [0.3f, -4f, 0f];
        for (var step = 0; step < 2; step++)
        {
            adam.ZeroGrad();
            p.mul(c).sum().backward();
            adam.Step();
            for (var i = 0; i < 3; i++) expected[i] -= (float)(0.1 * grad[i] / (Math.Abs(grad[i]) + 1e-8));
        }
        var actual = p.detach().data<float>().ToArray();
        for (var i = 0; i < 3; i++) Assert.Equal(expected[i], actual[i], 5);
        Assert.Equal(2, adam.Steps);
    }

    [Fact]
    public void Crc32_CheckValue()
    {
        // The standard CRC-32 check value of "123456789" is 0xCBF43926.
        var crc = LossPlot.Crc32.Update(0xFFFFFFFFu, "123456789"u8) ^ 0xFFFFFFFFu;
        Assert.Equal(0xCBF43926u, crc);
    }
}
