using Traum.Audio.Spectral;
using Traum.Generative.Spectral;
using Traum.TestKit;
using Xunit;

namespace Traum.Generative.Tests.Spectral;

public sealed class ManagedLogMelTests
{
    private static float[] ClapFilters() => MelFilterBank.Create(48000, 1024, 64, 50, 14000, MelScale.Slaney, MelNorm.Slaney);

    [Fact]
    public void Compute_NoiseAndChord_EqualsTorchStftLogMelWithin0Point01Db()
    {
        // libtorch's torch.stft (through LogMelSpectrogram) is the independent reference of the same definition.
        var x = Signals.PinkNoise(2.0, 48000, 0.3, seed: 4);
        var chord = Signals.Chord([45, 52, 61, 69], 2.0, 48000, 0.3);
        for (var i = 0; i < x.Length; i++) x[i] += chord[i];
        using var torchLogMel = LogMelSpectrogram.Clap();
        var expected = torchLogMel.Compute(x, out var frames);

        var managed = new ManagedLogMel(1024, 480, ClapFilters());
        Assert.Equal(frames, managed.FrameCount(x.Length));
        var got = new float[frames * 64];
        managed.Compute(x, got);

        var worst = 0.0;
        for (var i = 0; i < got.Length; i++) worst = Math.Max(worst, Math.Abs(got[i] - expected[i]));
        Assert.True(worst < 0.01, $"largest difference {worst} dB");

        // Splitting the frames over workers changes no value, to the bit, and a reused instance gives the same again.
        foreach (var threads in new[] { 2, 3, 0 })
        {
            var split = new ManagedLogMel(1024, 480, ClapFilters(), threads: threads);
            var again = new float[got.Length];
            split.Compute(x, again);
            Assert.Equal(got, again);
            split.Compute(x, again);
            Assert.Equal(got, again);
        }
    }

    [Fact]
    public void Compute_EdgeFrames_UseReflectPadding()
    {
        // A ramp's reflection differs from zero padding and from edge repetition, so the first frame tells them apart.
        var x = Enumerable.Range(0, 4096).Select(i => i / 4096f).ToArray();
        using var torchLogMel = LogMelSpectrogram.Clap();
        var expected = torchLogMel.Compute(x, out _);
        var got = new float[new ManagedLogMel(1024, 480, ClapFilters()).FrameCount(x.Length) * 64];
        new ManagedLogMel(1024, 480, ClapFilters()).Compute(x, got);
        for (var m = 0; m < 64; m++) Assert.Equal(expected[m], got[m], 0.02f);
    }

    [Fact]
    public void Compute_Silence_IsTheFloorInDb()
    {
        var got = new float[new ManagedLogMel(1024, 480, ClapFilters()).FrameCount(48000) * 64];
        new ManagedLogMel(1024, 480, ClapFilters()).Compute(new float[48000], got);
        Assert.All(got, v => Assert.Equal(-100f, v, 1e-4f));
    }
}
