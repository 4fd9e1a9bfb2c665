using System.Text.Json;
using System.Text.Json.Serialization;
using Traum.Core;

namespace Traum.Generative;

/// <summary>
/// Per-feature standardisation <c>z = (x − mean) / max(std, MinStd, RelativeFloor · mean std)</c>, fitted on the training rows.
/// The relative floor bounds every standardised value by the data's range over the typical spread, so bins that
/// are near-silent in almost every excerpt cannot be blown up to huge values (which made training diverge). The floor keeps
/// (almost) constant features, such as bins that are empty in every excerpt, from being blown up to unit variance,
/// and it keeps a decoder's small errors on them small in log-magnitude units (dividing such features by 1, as some
/// scalers do, would turn a 0.05 error into audible noise in empty bins).
/// Saved as JSON (<c>scaler.json</c>); floats are written in their shortest round-trip form, so a load gives the
/// same bits.
/// </summary>
public sealed class StandardScaler
{
    /// <summary>Smallest divisor, in log-magnitude units (a 0.1 % change of magnitude with log(1 + |X|)).</summary>
    public const float MinStd = 1e-3f;

    /// <summary>
    /// No divisor is below this share of the mean standard deviation over all features. At 1, features that vary less
    /// than the average (near-silent bins, bins a pitch never reached in training) are divided by the average spread, so a
    /// held-out excerpt with energy where the training split had none gives moderate values, not huge ones.
    /// </summary>
    public const float RelativeFloor = 1f;

    /// <summary>A scaler with these statistics, used as given (<see cref="Fit"/> applies the floors).</summary>
    /// <param name="mean">Per-feature mean.</param>
    /// <param name="std">Per-feature divisor, as long as <paramref name="mean"/>.</param>
    public StandardScaler(float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length != std.Length) throw new ArgumentException("mean and std must have the same length.", nameof(std));
        Mean = mean;
        Std = std;
    }

    /// <summary>Per-feature mean (unscaled units).</summary>
    public float[] Mean { get; }

    /// <summary>Per-feature divisor: population standard deviation, at least <see cref="MinStd"/> and <see cref="RelativeFloor"/> of the mean one.</summary>
    public float[] Std { get; }

    /// <summary>Number of features.</summary>
    public int FeatureCount => Mean.Length;

    /// <summary>Fits on the rows <paramref name="rows"/> of the row-major matrix <paramref name="data"/> <c>[*, d]</c>.</summary>
    public static StandardScaler Fit(ReadOnlySpan<float> data, int d, IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) throw new ArgumentException("Cannot fit a scaler on no rows.", nameof(rows));
        var sum = new double[d];
        var sq = new double[d];
        foreach (var r in rows)
        {
            var row = data.Slice(r * d, d);
            for (var j = 0; j < d; j++)
            {
                double v = row[j];
                sum[j] += v;
                sq[j] += v * v;
            }
        }
        var mean = new float[d];
        var std = new float[d];
        double spread = 0;
        for (var j = 0; j < d; j++)
        {
            var m = sum[j] / rows.Count;
            var variance = Math.Max(0, (sq[j] / rows.Count) - (m * m));
            mean[j] = (float)m;
            std[j] = (float)Math.Sqrt(variance);
            spread += std[j];
        }
        var floor = MathF.Max(MinStd, RelativeFloor * (float)(spread / Math.Max(1, d)));
        for (var j = 0; j < d; j++) std[j] = MathF.Max(std[j], floor);
        return new StandardScaler(mean, std);
    }

    /// <summary>Standardises <paramref name="x"/> (one or more rows of length <see cref="FeatureCount"/>) into <paramref name="destination"/>.</summary>
    public void Transform(ReadOnlySpan<float> x, Span<float> destination)
    {
        var d = FeatureCount;
        for (var o = 0; o < x.Length; o += d)
        {
            for (var j = 0; j < d; j++) destination[o + j] = (x[o + j] - Mean[j]) / Std[j];
        }
    }

    /// <summary>Undoes <see cref="Transform"/>, in place.</summary>
    public void InverseTransform(Span<float> z)
    {
        var d = FeatureCount;
        for (var o = 0; o < z.Length; o += d)
        {
            for (var j = 0; j < d; j++) z[o + j] = (z[o + j] * Std[j]) + Mean[j];
        }
    }

    /// <summary>Standard deviations a decoded value may lie from the feature's mean (see <see cref="InverseTransformClamped"/>).</summary>
    public const float ClampStd = 4f;

    /// <summary>
    /// Undoes <see cref="Transform"/> in place and limits every value to mean ± <see cref="ClampStd"/>·std: a decoder's
    /// occasional wild output in one bin would otherwise become an exponentially loud partial after the log is undone.
    /// </summary>
    public void InverseTransformClamped(Span<float> z)
    {
        var d = FeatureCount;
        for (var o = 0; o < z.Length; o += d)
        {
            for (var j = 0; j < d; j++) z[o + j] = (Math.Clamp(z[o + j], -ClampStd, ClampStd) * Std[j]) + Mean[j];
        }
    }

    /// <summary>Writes the scaler as JSON: <c>{"kind":"standard","mean":[…],"std":[…]}</c>.</summary>
    public void Save(string path)
    {
        using var f = File.Create(path);
        JsonSerializer.Serialize(f, new ScalerFile("standard", Mean, Std), JsonOptions);
    }

    /// <summary>Reads a scaler written by <see cref="Save"/>.</summary>
    /// <exception cref="ModelNotFoundException">The file is missing or not a scaler.</exception>
    public static StandardScaler Load(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            var s = JsonSerializer.Deserialize<ScalerFile>(f, JsonOptions);
            if (s is null || s.Kind != "standard" || s.Mean is null || s.Std is null || s.Mean.Length != s.Std.Length || s.Mean.Length == 0)
            {
                throw new ModelNotFoundException($"{path} is not a valid scaler (expected kind \"standard\" with equal-length mean and std); retrain the model with 'traum train'.");
            }
            return new StandardScaler(s.Mean, s.Std);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new ModelNotFoundException($"Cannot read the scaler {path}: {e.Message}. Retrain the model with 'traum train'.", e);
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private sealed record ScalerFile(
        [property: JsonPropertyName("kind")] string Kind,
        [property: JsonPropertyName("mean")] float[]? Mean,
        [property: JsonPropertyName("std")] float[]? Std);
}
