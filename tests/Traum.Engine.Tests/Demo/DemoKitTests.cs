using System.Security.Cryptography;
using Traum.Audio.IO;
using Traum.Engine.Demo;
using Traum.TestKit;
using Xunit;

namespace Traum.Engine.Tests.Demo;

public sealed class DemoKitTests
{
    [Fact]
    public void Write_TwoRuns_ProduceIdenticalFiles()
    {
        using var a = new TempDir("kit-a");
        using var b = new TempDir("kit-b");
        var ct = TestContext.Current.CancellationToken;
        var itemsA = DemoKit.Write(a.Path, ct);
        var itemsB = DemoKit.Write(b.Path, ct);

        Assert.Equal(itemsA, itemsB);
        foreach (var item in itemsA)
        {
            var ha = SHA256.HashData(File.ReadAllBytes(Path.Combine(a.Path, item.RelativePath)));
            var hb = SHA256.HashData(File.ReadAllBytes(Path.Combine(b.Path, item.RelativePath)));
            Assert.Equal(ha, hb);
        }
    }

    [Fact]
    public void Write_Kit_HasAtLeastFortyStemsOverSevenCategoriesAndStereoMixes()
    {
        using var dir = new TempDir("kit");
        var items = DemoKit.Write(dir.Path, TestContext.Current.CancellationToken);

        var stems = items.Where(i => i.Category != "mix").ToList();
        Assert.True(stems.Count >= 40, $"{stems.Count} stems");
        Assert.True(stems.Select(i => i.Category).Distinct().Count() >= 7);
        Assert.True(items.Select(i => i.Bpm).Where(b => b is not null).Distinct().Count() >= 4, "varied tempo");
        Assert.True(items.Select(i => i.Key).Where(k => k is not null).Distinct().Count() >= 4, "varied key");
        foreach (var mix in items.Where(i => i.Category == "mix"))
        {
            var info = AudioFile.Probe(Path.Combine(dir.Path, mix.RelativePath));
            Assert.Equal(2, info.Channels);
            Assert.Equal(DemoKit.SampleRate, info.SampleRate);
        }
    }

    [Fact]
    public void Write_Loops_LastExactlyTheirBarsAtTheirTempo()
    {
        using var dir = new TempDir("kit");
        var items = DemoKit.Write(dir.Path, TestContext.Current.CancellationToken);
        foreach (var loop in items.Where(i => i.Category is "bass" or "drums" or "pad" or "lead"))
        {
            // Two bars of 4/4: 8 beats of 60/bpm seconds, to one sample.
            var expected = Math.Floor(8 * 60.0 / loop.Bpm!.Value * DemoKit.SampleRate) / DemoKit.SampleRate;
            Assert.Equal(expected, loop.Seconds, 6);
            var buffer = AudioFile.Read(Path.Combine(dir.Path, loop.RelativePath), TestContext.Current.CancellationToken);
            Assert.Contains(buffer.Channels[0], v => Math.Abs(v) > 0.05f);
            Assert.All(buffer.Channels[0], v => Assert.True(Math.Abs(v) <= 1f));
        }
    }
}
