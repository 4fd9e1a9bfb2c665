namespace Traum.Audio.Spectral;

/// <summary>Turns a magnitude spectrogram back into audio.</summary>
public static class PhaseReconstruction
{
    /// <summary>
    /// Fast Griffin-Lim (Perraudin et al. 2013) over a magnitude spectrogram given row-major as
    /// <c>[bins, frames]</c> (bins = NFft/2+1), with <paramref name="momentum"/> (0.99 typical), a seeded random
    /// initial phase, and <paramref name="iterations"/> iterations. Returns <paramref name="length"/> samples.
    /// </summary>
    public static float[] GriffinLim(ReadOnlySpan<float> magnitude, int frames, StftOptions options, int length,
        int iterations = 64, double momentum = 0.99, int seed = 0) => throw new NotImplementedException("PhaseReconstruction.GriffinLim");

    /// <summary>Inverse STFT of the magnitude with uniformly random phase (seeded): the fast, rough mode.</summary>
    public static float[] RandomPhase(ReadOnlySpan<float> magnitude, int frames, StftOptions options, int length, int seed = 0)
        => throw new NotImplementedException("PhaseReconstruction.RandomPhase");
}
