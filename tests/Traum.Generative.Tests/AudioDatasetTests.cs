using Traum.Audio;
using Traum.TestKit;

using Xunit;

namespace Traum.Generative.Tests;

public sealed class AudioDatasetTests
{
    [Fact]
    public void Build_SineAtBinCentre_CentreFrameEqualsClosedForm()
    {
        // A sine of amplitude A exactly on bin k with a periodic Hann window of N: |X[k]| = A·N/4 (the window sums to N/2).
        var o = new SpectrogramOptions { SampleRate = 8000, ExcerptSeconds = 0.5, NFft = 256, Hop = 128 };
        const int k = 20;
        var f = k * 8000.0 / 256;
        var x = Signals.Sine(f, 0.5, 8000, amplitude: 0.5);
        var ds = AudioDataset.Build([new DatasetSource(AudioBuffer.Mono(x, 8000), "s")], o, TestContext.Current.CancellationToken);
        Assert.Equal(1, ds.Count);
        Assert.Equal(129 * 32, ds.FeatureCount);
        var t = o.Frames / 2;
        var value = ds.Row(0)[(k * o.Frames) + t];
        Assert.Equal(Math.Log(1 + (0.5 * 256 / 4)), value, 2);
        // A far bin holds (almost) nothing.
        Assert.True(ds.Row(0)[(100 * o.Frames) + t] < 0.01);
    }

    [Fact]
    public void Build_OtherSampleRate_IsResampledToTheTrainingRate()
    {
        // 1 kHz at 16 kHz → 8 kHz features: the energy sits in bin 1000·256/8000 = 32 and nowhere near bin 64
        // (where it would land if the 16 kHz samples were taken as 8 kHz ones).
        var o = new SpectrogramOptions { SampleRate = 8000, ExcerptSeconds = 0.5, NFft = 256, Hop = 128 };
        var x = Signals.Sine(1000, 0.5, 16000, amplitude: 0.5);
        var ds = AudioDataset.Build([new DatasetSource(AudioBuffer.Mono(x, 16000), "s")], o, TestContext.Current.CancellationToken);
        Assert.Equal(1, ds.Count);
        var t = o.Frames / 2;
        var column = Enumerable.Range(0, o.Bins).Select(b => ds.Row(0)[(b * o.Frames) + t]).ToArray();
        Assert.Equal(32, Array.IndexOf(column, column.Max()));
        Assert.Equal(Math.Log(1 + (0.5 * 256 / 4)), column[32], 1);
    }

    [Fact]
    public void Build_SilentExcerpts_AreDropped()
    {
        var o = new SpectrogramOptions { SampleRate = 8000, ExcerptSeconds = 0.5, NFft = 256, Hop = 128 };
        var x = new float[8000]; // 1 s: first half tone, second half silence
        Signals.Sine(440, 0.5, 8000).CopyTo(x, 0);
        var ds = AudioDataset.Build([new DatasetSource(AudioBuffer.Mono(x, 8000), "s"), new DatasetSource(new AudioBuffer(1, 8000, 8000), "z")], o, TestContext.Current.CancellationToken);
        Assert.Equal(1, ds.Count);
        Assert.Equal(3, ds.Summary.SilentDropped);
        Assert.Equal(0, ds.Excerpts[0].StartSample);
        Assert.Equal(2.0, ds.Summary.SourceSeconds, 6);
    }

    [Fact]
    public void Build_StereoInput_UsesTheMonoMix()
    {
        var o = new SpectrogramOptions { SampleRate = 8000, ExcerptSeconds = 0.5, NFft = 256, Hop = 128 };
        var left = Signals.Sine(500, 0.5, 8000, 0.4);
        var right = Signals.Sine(500, 0.5, 8000, 0.2);
        var mono = Signals.Sine(500, 0.5, 8000, 0.3);
        var a = AudioDataset.Build([new DatasetSource(new AudioBuffer([left, right], 8000), "st")], o, TestContext.Current.CancellationToken);
        var b = AudioDataset.Build([new DatasetSource(AudioBuffer.Mono(mono, 8000), "mo")], o, TestContext.Current.CancellationToken);
        for (var i = 0; i < a.FeatureCount; i++) Assert.Equal(b.Features[i], a.Features[i], 4);
    }

    [Fact]
    public void Split_IsDeterministicAndDisjoint()
    {
        var ds = TinySetup.BassDataset();
        var (t1, v1) = ds.Split(0.25, 3);
        var (t2, v2) = ds.Split(0.25, 3);
        Assert.Equal(t1, t2);
        Assert.Equal(v1, v2);
        Assert.Empty(t1.Intersect(v1));
        Assert.Equal(ds.Count, t1.Length + v1.Length);
        Assert.Equal((int)Math.Round(ds.Count * 0.25), v1.Length);
    }

    [Fact]
    public void SpectrogramOptions_CompressExpand_RoundTrip()
    {
        foreach (var mode in new[] { LogCompression.Log1p, LogCompression.LogEpsilon })
        {
            var o = new SpectrogramOptions { Compression = mode };
            float[] mags = [0f, 1e-3f, 0.5f, 3f, 250f];
            var y = (float[])mags.Clone();
            o.Compress(y);
            o.Expand(y);
            for (var i = 0; i < mags.Length; i++) Assert.Equal(mags[i], y[i], 1e-3 * Math.Max(1, mags[i]));
        }
    }
}
