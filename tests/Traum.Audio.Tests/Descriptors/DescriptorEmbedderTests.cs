using System.Numerics.Tensors;
using Traum.Audio.Descriptors;
using Xunit;
using Traum.TestKit;

namespace Traum.Audio.Tests.Descriptors;

public sealed class DescriptorEmbedderTests
{
    private static readonly DescriptorEmbedder s_embedder = new();

    private static float[] Embed(float[] samples, int rate)
        => s_embedder.Embed(AudioBuffer.Mono(samples, rate), TestContext.Current.CancellationToken);

    private static double Cosine(float[] a, float[] b) => TensorPrimitives.CosineSimilarity(a, b);

    private static float[] Kick(int rate, double startHz = 150, double endHz = 50, double decay = 0.15, int seed = 1)
        => Signals.DrumHit(0.6, rate, startHz, endHz, 0.1, seed, decay);

    private static float[] Pad(int rate)
    {
        // A minor chord, slow 0.5 s attack, held for 3 s.
        var x = Signals.Chord([57, 60, 64, 69], 3, rate, 0.4);
        var attack = (int)(0.5 * rate);
        for (var i = 0; i < attack; i++) x[i] *= (float)i / attack;
        return x;
    }

    private static float[] Scaled(float[] x, float gain) => x.Select(v => v * gain).ToArray();

    [Fact]
    public void Embed_Anything_UnitLengthOfDocumentedDimension()
    {
        var v = Embed(DescriptorSignals.DrumPattern(120, 2, 44_100), 44_100);
        Assert.Equal(DescriptorEmbedder.VectorLength, v.Length);
        Assert.Equal(s_embedder.Dimension, v.Length);
        Assert.Equal("descriptors:v1", s_embedder.ModelId);
        Assert.Equal(1.0, TensorPrimitives.Norm<float>(v), 5);
        Assert.All(v, x => Assert.True(float.IsFinite(x)));
    }

    [Fact]
    public void Embed_SameAudioTwice_CosineOne()
    {
        var x = DescriptorSignals.DrumPattern(100, 2, 44_100);
        Assert.Equal(1.0, Cosine(Embed(x, 44_100), Embed((float[])x.Clone(), 44_100)), 6);
    }

    [Theory]
    [InlineData(0.1f)]
    [InlineData(0.5f)]
    [InlineData(1.9f)]
    public void Embed_GainChange_CosineAtLeast099(float gain)
    {
        var loop = DescriptorSignals.DrumPattern(120, 2, 44_100);
        Assert.True(Cosine(Embed(loop, 44_100), Embed(Scaled(loop, gain), 44_100)) >= 0.99);
        var pad = Pad(44_100);
        Assert.True(Cosine(Embed(pad, 44_100), Embed(Scaled(pad, gain), 44_100)) >= 0.99);
    }

    [Fact]
    public void Embed_SameSoundAt44100And48000_CosineAtLeast099()
    {
        Assert.True(Cosine(Embed(Kick(44_100), 44_100), Embed(Kick(48_000), 48_000)) >= 0.99);
        Assert.True(Cosine(Embed(Pad(44_100), 44_100), Embed(Pad(48_000), 48_000)) >= 0.99);
        var a = Embed(DescriptorSignals.DrumPattern(128, 2, 44_100), 44_100);
        var b = Embed(DescriptorSignals.DrumPattern(128, 2, 48_000), 48_000);
        Assert.True(Cosine(a, b) >= 0.99, $"cosine {Cosine(a, b)}");
    }

    [Fact]
    public void Embed_KickVsPad_MuchLowerThanKickVsSlightlyDifferentKick()
    {
        var kick = Embed(Kick(44_100), 44_100);
        var otherKick = Embed(Kick(44_100, startHz: 165, endHz: 55, decay: 0.17, seed: 9), 44_100);
        var pad = Embed(Pad(44_100), 44_100);
        var similar = Cosine(kick, otherKick);
        var different = Cosine(kick, pad);
        Assert.True(similar >= 0.9, $"kick vs kick {similar}");
        Assert.True(different <= similar - 0.5, $"kick vs kick {similar}, kick vs pad {different}");
    }

    [Fact]
    public void Embed_StereoWithEqualChannels_SameAsMono()
    {
        var x = Pad(44_100);
        var stereo = s_embedder.Embed(new AudioBuffer([x, (float[])x.Clone()], 44_100), TestContext.Current.CancellationToken);
        Assert.Equal(1.0, Cosine(stereo, Embed(x, 44_100)), 6);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(441)]
    [InlineData(88_200)]
    public void Embed_SilenceOrEmpty_FiniteUnitVector(int samples)
    {
        var v = Embed(new float[samples], 44_100);
        Assert.All(v, x => Assert.True(float.IsFinite(x)));
        Assert.Equal(1.0, TensorPrimitives.Norm<float>(v), 5);
    }

    [Fact]
    public void CreateDct_Rows_AreOrthonormal()
    {
        const int rows = 20, bands = 40;
        var dct = DescriptorEmbedder.CreateDct(rows, bands);
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < rows; j++)
            {
                var dot = TensorPrimitives.Dot(dct.AsSpan(i * bands, bands), dct.AsSpan(j * bands, bands));
                Assert.Equal(i == j ? 1.0 : 0.0, dot, 5);
            }
        }
    }

    [Fact]
    public void CreateDct_ConstantInput_OnlyCoefficientZero()
    {
        // DCT-II (orthonormal) of a constant c over M bands is c·√M at index 0 and 0 elsewhere.
        const int bands = 40;
        var dct = DescriptorEmbedder.CreateDct(20, bands);
        var x = Enumerable.Repeat(3f, bands).ToArray();
        Assert.Equal(3 * Math.Sqrt(bands), TensorPrimitives.Dot(dct.AsSpan(0, bands), x), 4);
        for (var c = 1; c < 20; c++) Assert.Equal(0, TensorPrimitives.Dot(dct.AsSpan(c * bands, bands), x), 4);
    }
}
