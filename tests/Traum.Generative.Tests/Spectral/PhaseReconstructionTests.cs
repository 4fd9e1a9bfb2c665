using Traum.Audio.Spectral;
using Traum.Generative.Spectral;
using Traum.TestKit;
using Xunit;
using static TorchSharp.torch;

namespace Traum.Generative.Tests.Spectral;

public sealed class PhaseReconstructionTests
{
    private static readonly StftOptions Options = new(512, 128);

    private static (float[] Magnitude, int Frames, float[] Signal) Target()
    {
        // A chord plus a decaying drum hit: tonal and transient content.
        const int Sr = 16000;
        var x = Signals.Chord([60, 64, 67], 1.0, Sr, 0.4);
        var d = Signals.DrumHit(1.0, Sr);
        for (var i = 0; i < x.Length; i++) x[i] += 0.4f * d[i];
        using var scope = NewDisposeScope();
        var mag = Stft.Forward(tensor(x), Options).abs().contiguous();
        return (mag.data<float>().ToArray(), (int)mag.shape[1], x);
    }

    [Fact]
    public void GriffinLim_MoreIterations_LowerSpectralConvergenceAndBeatsRandomPhase()
    {
        var (mag, frames, x) = Target();
        var random = PhaseReconstruction.SpectralConvergence(mag, frames, Options, PhaseReconstruction.RandomPhase(mag, frames, Options, x.Length, seed: 3));
        var sc = new List<double>();
        foreach (var it in new[] { 1, 8, 32, 100 })
        {
            var y = PhaseReconstruction.GriffinLim(mag, frames, Options, x.Length, it, 0.99, seed: 3);
            Assert.Equal(x.Length, y.Length);
            sc.Add(PhaseReconstruction.SpectralConvergence(mag, frames, Options, y));
        }

        for (var i = 1; i < sc.Count; i++) Assert.True(sc[i] < sc[i - 1], $"SC {string.Join(", ", sc)}");
        Assert.True(sc[^1] < random / 3, $"GL {sc[^1]:F3} vs random phase {random:F3}");
        Assert.True(sc[^1] < 0.2, $"GL after 100 iterations: {sc[^1]:F3}");
    }

    [Fact]
    public void GriffinLim_Momentum_ConvergesFasterThanClassic()
    {
        var (mag, frames, x) = Target();
        var fast = PhaseReconstruction.SpectralConvergence(mag, frames, Options, PhaseReconstruction.GriffinLim(mag, frames, Options, x.Length, 32, 0.99, 5));
        var classic = PhaseReconstruction.SpectralConvergence(mag, frames, Options, PhaseReconstruction.GriffinLim(mag, frames, Options, x.Length, 32, 0.0, 5));
        Assert.True(fast < classic, $"fast {fast:F3} classic {classic:F3}");
    }

    [Fact]
    public void GriffinLim_SameSeed_SameOutput_DifferentSeed_Different()
    {
        var (mag, frames, x) = Target();
        var a = PhaseReconstruction.GriffinLim(mag, frames, Options, x.Length, 4, seed: 7);
        var b = PhaseReconstruction.GriffinLim(mag, frames, Options, x.Length, 4, seed: 7);
        var c = PhaseReconstruction.GriffinLim(mag, frames, Options, x.Length, 4, seed: 8);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void RandomPhase_OutputEnergyMatchesTargetMagnitudeRoughly()
    {
        // Random phase keeps the magnitudes before the overlap-add; the energy is of the same order.
        var (mag, frames, x) = Target();
        var y = PhaseReconstruction.RandomPhase(mag, frames, Options, x.Length, seed: 1);
        var ratio = SignalMeasure.Rms(y, 0, y.Length) / SignalMeasure.Rms(x, 0, x.Length);
        Assert.InRange(ratio, 0.3, 1.5);
    }

    [Fact]
    public void GriffinLim_KernelPath_EqualsTorchStftIstftPath()
    {
        var (mag, frames, x) = Target();
        using var scope = NewDisposeScope();
        var m = tensor(mag, [Options.Bins, frames]);
        var fast = PhaseReconstruction.GriffinLim(m, Options, x.Length, 8, 0.99, 3);
        var reference = PhaseReconstruction.GriffinLimGeneric(m, Options, x.Length, 8, 0.99, 3);
        var peak = reference.abs().max().item<float>();
        Assert.True((fast - reference).abs().max().item<float>() < peak * 1e-3f);
    }

    [Theory]
    [InlineData(1, 0.99)]
    [InlineData(8, 0.99)]
    [InlineData(8, 0.0)]
    public void ManagedGriffinLim_EqualsTheLibtorchReconstruction(int iterations, double momentum)
    {
        // Same seed, same initial phase, same update: Traum's own STFT and libtorch's give the same signal.
        var (mag, frames, x) = Target();
        using var scope = NewDisposeScope();
        var reference = PhaseReconstruction.GriffinLimGeneric(tensor(mag, [Options.Bins, frames]), Options, x.Length, iterations, momentum, 3).data<float>().ToArray();
        var managed = Audio.Spectral.GriffinLim.Reconstruct(mag, frames, Options, x.Length, iterations, momentum, 3);
        var peak = reference.Max(MathF.Abs);
        Assert.Equal(reference.Length, managed.Length);
        Assert.True(reference.Zip(managed).Max(p => MathF.Abs(p.First - p.Second)) < peak * 1e-3f);
        // The span API renders generated stems on the managed path.
        Assert.Equal(managed, PhaseReconstruction.GriffinLim(mag, frames, Options, x.Length, iterations, momentum, 3));
    }

    [Fact]
    public void ManagedSpectralConvergence_EqualsTheLibtorchMeasure()
    {
        var (mag, frames, x) = Target();
        using var scope = NewDisposeScope();
        var y = Audio.Spectral.GriffinLim.RandomPhase(mag, frames, Options, x.Length, 2);
        var got = Stft.Forward(tensor(y), Options).abs();
        var target = tensor(mag, [Options.Bins, frames]);
        var reference = (got - target).norm().item<float>() / (double)target.norm().item<float>();
        Assert.Equal(reference, Audio.Spectral.GriffinLim.SpectralConvergence(mag, frames, Options, y), 4);
        Assert.Equal(0, Audio.Spectral.GriffinLim.SpectralConvergence(mag, frames, Options, x), 3);
    }

    [Fact]
    public void GriffinLim_WrongFrameCount_Throws()
    {
        var (mag, frames, x) = Target();
        Assert.Throws<ArgumentException>(() => PhaseReconstruction.GriffinLim(mag, frames, Options, x.Length + (4 * Options.Hop), 2));
        Assert.Throws<ArgumentException>(() => PhaseReconstruction.GriffinLim(mag.AsSpan(1), frames, Options, x.Length, 2));
    }
}
