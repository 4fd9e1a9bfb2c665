using System.Numerics.Tensors;

namespace Traum.Audio.Spectral;

/// <summary>Power and amplitude to decibels, as librosa/Hugging Face define them.</summary>
public static class Decibels
{
    /// <summary>
    /// In place: x ← 10·log10(max(x, <paramref name="floor"/>)) − 10·log10(max(<paramref name="reference"/>, floor))
    /// (power; librosa's <c>power_to_db</c> without top_db).
    /// </summary>
    public static void PowerToDb(Span<float> values, double reference = 1.0, double floor = 1e-10) =>
        ToDb(values, 10f, reference, floor);

    /// <summary>
    /// In place: x ← 20·log10(max(x, <paramref name="floor"/>)) − 20·log10(max(<paramref name="reference"/>, floor))
    /// (amplitude; librosa's <c>amplitude_to_db</c> without top_db).
    /// </summary>
    public static void AmplitudeToDb(Span<float> values, double reference = 1.0, double floor = 1e-5) =>
        ToDb(values, 20f, reference, floor);

    /// <summary>Scalar power → dB: 10·log10(max(p, floor)); −∞ for p = 0 when floor is 0.</summary>
    public static double PowerToDb(double power, double floor = 0) => 10.0 * Math.Log10(Math.Max(power, floor));

    /// <summary>Scalar amplitude → dB: 20·log10(max(a, floor)); −∞ for a = 0 when floor is 0.</summary>
    public static double AmplitudeToDb(double amplitude, double floor = 0) => 20.0 * Math.Log10(Math.Max(amplitude, floor));

    private static void ToDb(Span<float> values, float scale, double reference, double floor)
    {
        if (floor <= 0) throw new ArgumentOutOfRangeException(nameof(floor), floor, "The floor must be positive.");
        if (reference <= 0) throw new ArgumentOutOfRangeException(nameof(reference), reference, "The reference must be positive.");
        var offset = (float)(scale * Math.Log10(Math.Max(reference, floor)));
        TensorPrimitives.Max(values, (float)floor, values);
        TensorPrimitives.Log10(values, values);
        TensorPrimitives.Multiply(values, scale, values);
        TensorPrimitives.Add(values, -offset, values);
    }
}
