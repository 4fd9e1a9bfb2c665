using Traum.Audio.Descriptors;
using Traum.Audio.Dsp;
using Traum.TestKit;
using Xunit;

namespace Traum.Audio.Tests;

public sealed class DecodedAudioTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AudioBuffer StereoLoop()
    {
        var left = Signals.ClickTrack(120, 4, 44_100);
        var right = Signals.Sine(220, 4, 44_100, 0.2);
        return new AudioBuffer([left, right], 44_100);
    }

    [Fact]
    public void MonoAt_EqualsResampledMeanOfChannels_AndIsComputedOncePerRate()
    {
        var audio = StereoLoop();
        var decoded = new DecodedAudio(audio);
        var expected = Resampler.Resample(audio.ToMono(), 44_100, 22_050);
        var first = decoded.MonoAt(22_050);
        Assert.Equal(expected, first);
        Assert.Same(first, decoded.MonoAt(22_050));
        Assert.Equal(audio.ToMono(), decoded.MonoAt(44_100));
        Assert.NotSame(first, decoded.MonoAt(48_000));
        Assert.Equal(2, decoded.SharedCount); // 22 050 and 48 000; the audio's own rate is the mono mix itself
    }

    [Fact]
    public void Mono_OfMonoAudio_IsItsChannel()
    {
        var x = Signals.Sine(440, 0.5, 22_050);
        var decoded = new DecodedAudio(new AudioBuffer([x], 22_050));
        Assert.Same(x, decoded.Mono());
        Assert.Same(x, decoded.MonoAt(22_050));
    }

    [Fact]
    public void DescriptorsThenEmbedding_ShareOneAnalysis_AndGiveTheSameValuesAsSeparateRuns()
    {
        var audio = StereoLoop();
        var decoded = new DecodedAudio(audio);
        var analyzer = new DescriptorAnalyzer();
        var embedder = new DescriptorEmbedder();

        var descriptors = analyzer.Analyze(decoded, Ct);
        var kept = decoded.SharedCount;
        var vector = embedder.Embed(decoded, Ct);

        // The embedding found the frame analysis the descriptors left (same default settings): nothing new was kept.
        Assert.Equal(kept, decoded.SharedCount);
        Assert.Same(StemAnalysis.Of(decoded, new DescriptorOptions(), Ct), StemAnalysis.Of(decoded, new DescriptorOptions(), Ct));
        Assert.Equal(analyzer.Analyze(audio, Ct), descriptors);
        Assert.Equal(embedder.Embed(audio, Ct), vector);
    }

    [Fact]
    public void OtherSettings_GetTheirOwnAnalysis()
    {
        var decoded = new DecodedAudio(StereoLoop());
        var a = StemAnalysis.Of(decoded, new DescriptorOptions(), Ct);
        var b = StemAnalysis.Of(decoded, new DescriptorOptions { OnsetDelta = 0.2 }, Ct);
        Assert.NotSame(a, b);
        Assert.Same(a.Frames.Signal, b.Frames.Signal); // one mono mix at the analysis rate for both
    }

    [Fact]
    public void CancelledAnalysis_IsNotKept()
    {
        var decoded = new DecodedAudio(StereoLoop());
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => StemAnalysis.Of(decoded, new DescriptorOptions(), cts.Token));
        Assert.NotNull(StemAnalysis.Of(decoded, new DescriptorOptions(), Ct));
    }
}
