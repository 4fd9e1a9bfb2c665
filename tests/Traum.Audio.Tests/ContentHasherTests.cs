using System.Security.Cryptography;
using System.Text;
using Traum.TestKit;
using Xunit;

namespace Traum.Audio.Tests;

public sealed class ContentHasherTests
{
    /// <summary>The documented byte layout, built independently with BinaryWriter.</summary>
    private static string Reference(float[][] chans, int rate)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.ASCII, leaveOpen: true))
        {
            w.Write(Encoding.ASCII.GetBytes("traum-pcm-v1"));
            w.Write((byte)0);
            w.Write(rate);
            w.Write(chans.Length);
            for (var i = 0; i < chans[0].Length; i++)
            {
                foreach (var c in chans) w.Write(c[i] == 0 ? 0f : c[i]);
            }
        }
        return Convert.ToHexStringLower(SHA256.HashData(ms.ToArray()));
    }

    [Fact]
    public void Of_StereoBuffer_EqualsSha256OfDocumentedLayout()
    {
        var l = Signals.Sine(440, 0.1, 44100);
        var r = Signals.WhiteNoise(0.1, 44100, seed: 3);
        Assert.Equal(Reference([l, r], 44100), ContentHasher.Of(new AudioBuffer([l, r], 44100)));
    }

    [Fact]
    public void Of_KnownTinyInput_MatchesGoldenDigest()
    {
        // sha256 of b"traum-pcm-v1\0" + le32(8000) + le32(1) + lef32(0.5) + lef32(-1.0), computed with Python's hashlib.
        var buffer = new AudioBuffer([[0.5f, -1f]], 8000);
        Assert.Equal("25bc5c9928d7935ddf442211f5ef6a1bdfa6657d60d88b3b06e831a4de130e1f", ContentHasher.Of(buffer));
    }

    [Fact]
    public void Append_InChunks_EqualsWholeBuffer()
    {
        var x = Signals.PinkNoise(1.3, 22050);
        var y = Signals.Sine(100, 1.3, 22050);
        using var h = new ContentHasher(22050, 2);
        var chans = new[] { x, y };
        var pos = 0;
        foreach (var n in new[] { 1, 7, 20000, 1000, x.Length })
        {
            var take = Math.Min(n, x.Length - pos);
            h.Append(chans, pos, take);
            pos += take;
        }
        Assert.Equal(x.Length, h.Frames);
        Assert.Equal(ContentHasher.Of(new AudioBuffer(chans, 22050)), h.Finish());
    }

    [Fact]
    public void Of_SameSamplesOtherRateOrLayout_Differs()
    {
        var x = Signals.Sine(440, 0.05, 44100);
        var mono44 = ContentHasher.Of(new AudioBuffer([x], 44100));
        Assert.NotEqual(mono44, ContentHasher.Of(new AudioBuffer([x], 48000)));
        Assert.NotEqual(mono44, ContentHasher.Of(new AudioBuffer([x, x], 44100)));
        var y = (float[])x.Clone();
        y[^1] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(y[^1]) + 1); // one ulp
        Assert.NotEqual(mono44, ContentHasher.Of(new AudioBuffer([y], 44100)));
    }

    [Fact]
    public void Of_NegativeZero_HashesLikePositiveZero() =>
        Assert.Equal(ContentHasher.Of(new AudioBuffer([[0f, 1f]], 8000)), ContentHasher.Of(new AudioBuffer([[-0f, 1f]], 8000)));
}
