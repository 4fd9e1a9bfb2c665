namespace Traum.Audio.Spectral;

/// <summary>Power and amplitude to decibels, as librosa/Hugging Face define them.</summary>
public static class Decibels
{
    /// <summary>In place: x ← 10·log10(max(x, <paramref name="floor"/>) / reference) (power).</summary>
    public static void PowerToDb(Span<float> values, double reference = 1.0, double floor = 1e-10)
        => throw new NotImplementedException("Decibels.PowerToDb");

    /// <summary>In place: x ← 20·log10(max(x, <paramref name="floor"/>) / reference) (amplitude).</summary>
    public static void AmplitudeToDb(Span<float> values, double reference = 1.0, double floor = 1e-5)
        => throw new NotImplementedException("Decibels.AmplitudeToDb");
}
