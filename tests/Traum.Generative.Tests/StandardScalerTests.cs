using Traum.Core;
using Traum.TestKit;

using Xunit;

namespace Traum.Generative.Tests;

public sealed class StandardScalerTests
{
    [Fact]
    public void Fit_KnownColumns_MeanAndPopulationStd()
    {
        // Rows: (1, 5), (3, 5), (5, 5); row 3 (100, 100) is not in the fitted rows.
        float[] data = [1, 5, 3, 5, 5, 5, 100, 100];
        var s = StandardScaler.Fit(data, 2, [0, 1, 2]);
        Assert.Equal(3f, s.Mean[0]);
        Assert.Equal((float)Math.Sqrt(8.0 / 3), s.Std[0], 6);
        Assert.Equal(5f, s.Mean[1]);
        // Constant column → the relative floor: the mean std over the columns, (√(8/3) + 0)/2.
        var floor = (float)(Math.Sqrt(8.0 / 3) / 2);
        Assert.Equal(floor, s.Std[1], 6);
        var z = new float[2];
        s.Transform([5f, 5.002f], z);
        Assert.Equal(2 / (float)Math.Sqrt(8.0 / 3), z[0], 6);
        Assert.Equal(0.002f / floor, z[1], 3);
        s.InverseTransform(z);
        Assert.Equal(5f, z[0], 5);
        Assert.Equal(5.002f, z[1], 5);
    }

    [Fact]
    public void SaveLoad_RoundTripsBitExactly()
    {
        using var dir = new TempDir("scaler");
        var rng = new Random(5);
        var mean = Enumerable.Range(0, 500).Select(_ => (float)(rng.NextDouble() * 1e3 - 500)).ToArray();
        var std = Enumerable.Range(0, 500).Select(_ => (float)(rng.NextDouble() * 3) + 1e-4f).ToArray();
        new StandardScaler(mean, std).Save(dir.File("scaler.json"));
        var back = StandardScaler.Load(dir.File("scaler.json"));
        Assert.Equal(mean.Select(BitConverter.SingleToInt32Bits), back.Mean.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(std.Select(BitConverter.SingleToInt32Bits), back.Std.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Load_CorruptFile_ModelNotFoundWithAdvice()
    {
        using var dir = new TempDir("scaler");
        File.WriteAllText(dir.File("scaler.json"), "{\"kind\":\"standard\",\"mean\":[1,2");
        var e = Assert.Throws<ModelNotFoundException>(() => StandardScaler.Load(dir.File("scaler.json")));
        Assert.Contains("traum train", e.Message, StringComparison.Ordinal);
    }
}
