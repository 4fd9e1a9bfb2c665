using System.Globalization;
using System.Text.Json;
using Traum.Core;

namespace Traum.Models.Clap;

/// <summary>
/// Checks a checkpoint's <c>preprocessor_config.json</c> against the feature extraction Traum implements
/// (see <see cref="ClapFeatureExtractor"/>): anything else would give wrong embeddings silently, so it is refused.
/// </summary>
public static class ClapPreprocessorConfig
{
    private static readonly (string Key, double Value, bool Required)[] Numbers =
    [
        ("sampling_rate", ClapFeatureExtractor.SampleRate, true),
        ("feature_size", ClapFeatureExtractor.MelBins, true),
        ("fft_window_size", ClapFeatureExtractor.FftSize, true),
        ("hop_length", ClapFeatureExtractor.Hop, true),
        ("frequency_min", ClapFeatureExtractor.FMin, true),
        ("frequency_max", ClapFeatureExtractor.FMax, true),
        ("n_fft", ClapFeatureExtractor.FftSize, false),
        ("nb_frequency_bins", (ClapFeatureExtractor.FftSize / 2) + 1, false),
        ("nb_max_samples", ClapFeatureExtractor.WindowSamples, false),
        ("max_length_s", ClapFeatureExtractor.WindowSamples / ClapFeatureExtractor.SampleRate, false),
        ("chunk_length_s", ClapFeatureExtractor.WindowSamples / ClapFeatureExtractor.SampleRate, false),
    ];

    /// <summary>Reads and checks the file.</summary>
    /// <exception cref="ModelNotFoundException">Missing, unreadable, or with values Traum does not implement; the message names each.</exception>
    public static void Validate(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new ModelNotFoundException($"{path} is missing; the CLAP model folder needs the checkpoint's preprocessor_config.json.");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException e)
        {
            throw new ModelNotFoundException($"{path} cannot be read ({e.Message}).", e);
        }
        var problems = Problems(text);
        if (problems.Count > 0)
        {
            throw new ModelNotFoundException(
                $"{path} describes a feature extractor Traum does not implement: {string.Join("; ", problems)}. " +
                "Traum's CLAP preprocessing is that of laion/larger_clap_music_and_speech (48 kHz, 64 Slaney mel bands 50–14000 Hz, " +
                "1024-point FFT, hop 480, 10 s repeat-padded windows, no fusion); use that checkpoint's files (`traum models pull clap`).");
        }
    }

    /// <summary>What is wrong with a preprocessor_config.json text (empty when it matches).</summary>
    public static IReadOnlyList<string> Problems(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var problems = new List<string>();
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            return [$"it is not valid JSON ({e.Message})"];
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return ["it is not a JSON object"];
            foreach (var (key, value, required) in Numbers)
            {
                if (!root.TryGetProperty(key, out var p) || p.ValueKind == JsonValueKind.Null)
                {
                    if (required) problems.Add($"{key} is missing (expected {Format(value)})");
                    continue;
                }
                if (p.ValueKind != JsonValueKind.Number || Math.Abs(p.GetDouble() - value) > 1e-9)
                {
                    problems.Add($"{key} is {p.GetRawText()}, expected {Format(value)}");
                }
            }
            if (root.TryGetProperty("feature_extractor_type", out var type) && type.ValueKind == JsonValueKind.String
                && type.GetString() != "ClapFeatureExtractor")
            {
                problems.Add($"feature_extractor_type is {type.GetString()}, expected ClapFeatureExtractor");
            }
            if (root.TryGetProperty("padding", out var padding) && padding.ValueKind == JsonValueKind.String && padding.GetString() != "repeatpad")
            {
                problems.Add($"padding is {padding.GetString()}, expected repeatpad");
            }
            if (root.TryGetProperty("truncation", out var trunc) && trunc.ValueKind == JsonValueKind.String && trunc.GetString() == "fusion")
            {
                problems.Add("truncation is fusion (a fusion checkpoint with HTK mel filters), expected rand_trunc");
            }
            if (root.TryGetProperty("top_db", out var topDb) && topDb.ValueKind != JsonValueKind.Null)
            {
                problems.Add($"top_db is {topDb.GetRawText()}, expected null (no clipping)");
            }
        }
        return problems;
    }

    private static string Format(double v) => v.ToString(CultureInfo.InvariantCulture);
}
