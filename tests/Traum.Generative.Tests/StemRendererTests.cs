using Traum.Audio;
using Traum.Audio.Spectral;
using Traum.TestKit;

using Xunit;

namespace Traum.Generative.Tests;

public sealed class StemRendererTests
{
    private static float[] LogFeaturesOf(float[] clip, SpectrogramOptions f) => AudioDataset.LogMagnitude([clip], f);

    [Fact]
    public void Render_StereoMaterialAt44k_RateChannelsLengthAndLoudnessFollowTheMaterial()
    {
        var f = TinySetup.Features;
        var clip = GenerativeSignals.BassNote(40, f.ExcerptSeconds, f.SampleRate)[..f.ExcerptSamples];
        var r = StemRenderer.Render(LogFeaturesOf(clip, f), f, new RenderOptions(44_100, 2, 1.5, Loop: true, LoudnessLufs: -20), PhaseMode.GriffinLim, 32, 1);
        Assert.Equal(44_100, r.Audio.SampleRate);
        Assert.Equal(2, r.Audio.ChannelCount);
        Assert.Equal((int)Math.Round(1.5 * 44_100), r.Audio.Length);
        Assert.Equal(r.Audio.Channels[0], r.Audio.Channels[1]); // the model is mono: both channels carry it
        // Loudness against the BS.1770 meter, within 0.5 LU (unless the −1 dBFS peak limit stepped in).
        if (!r.PeakLimited) Assert.Equal(-20, Traum.Audio.Loudness.LoudnessMeter.IntegratedLufs(r.Audio), 0.5);
        Assert.True(r.Audio.Channels[0].Max(Math.Abs) <= SpectrogramAudio.PeakLevel + 1e-4);
    }

    [Fact]
    public void Render_GriffinLimOnARealSpectrogram_SpectralConvergenceIsLow()
    {
        var f = TinySetup.Features;
        var clip = GenerativeSignals.BassNote(45, f.ExcerptSeconds, f.SampleRate)[..f.ExcerptSamples];
        var r = StemRenderer.Render(LogFeaturesOf(clip, f), f, new RenderOptions(f.SampleRate, 1, f.ExcerptSeconds, false, null), PhaseMode.GriffinLim, 64, 2);
        // A consistent spectrogram (of a real signal) is reconstructed well; random phase alone is about √2 off.
        Assert.True(r.SpectralConvergence < 0.3, $"{r.SpectralConvergence}");
        var random = StemRenderer.Render(LogFeaturesOf(clip, f), f, new RenderOptions(f.SampleRate, 1, f.ExcerptSeconds, false, null), PhaseMode.Random, 1, 2);
        Assert.True(random.SpectralConvergence > r.SpectralConvergence);
    }

    [Fact]
    public void Render_Loop_WrapJumpIsNoLargerThanTheSignalsOwnSteps()
    {
        var f = TinySetup.Features;
        var clip = GenerativeSignals.Hats(f.ExcerptSeconds, f.SampleRate, 0.125)[..f.ExcerptSamples];
        var log = LogFeaturesOf(clip, f);
        var r = StemRenderer.Render(log, f, new RenderOptions(f.SampleRate, 1, f.ExcerptSeconds, Loop: true, null), PhaseMode.GriffinLim, 32, 3);
        var x = r.Audio.Channels[0];
        var steps = Enumerable.Range(1, x.Length - 1).Select(i => Math.Abs(x[i] - x[i - 1])).Order().ToArray();
        var p99 = steps[(int)(0.99 * (steps.Length - 1))];
        Assert.True(Math.Abs(x[0] - x[^1]) <= p99, $"wrap {Math.Abs(x[0] - x[^1])} vs 99th percentile step {p99}");
    }
}
