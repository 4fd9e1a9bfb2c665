using System.Globalization;
using Traum.Core;

namespace Traum.Server.Components;

/// <summary>How numbers look in the UI.</summary>
internal static class Format
{
    /// <summary>Seconds as "0.84 s" or "3:12".</summary>
    public static string Duration(double seconds) =>
        seconds < 60 ? seconds.ToString(seconds < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " s"
        : $"{(int)(seconds / 60)}:{(int)(seconds % 60):00}";

    public static string Key(Descriptors? d) =>
        d?.Key is { } k ? (d.Mode == "minor" ? k + "m" : k) : "–";

    /// <summary>The tempo a stem is auditioned from (the one its name states, else the estimate), BPM, as "124.5"; null without one.</summary>
    public static string? AuditionBpm(Descriptors? d) =>
        (d?.StatedBpm ?? d?.Bpm) is { } b && b > 0 ? b.ToString("0.###", CultureInfo.InvariantCulture) : null;

    /// <summary>The key a stem is auditioned from ("Am", "F#"; the stated one, else the estimate); null without one.</summary>
    public static string? AuditionKey(Descriptors? d) =>
        d?.StatedKey is { } sk ? (d.StatedMode == "minor" ? sk + "m" : sk)
        : d?.Key is { } k ? (d.Mode == "minor" ? k + "m" : k) : null;

    public static string Lufs(Descriptors? d) =>
        d is null || !double.IsFinite(d.Lufs) ? "–" : d.Lufs.ToString("0.0", CultureInfo.InvariantCulture) + " LUFS";

    /// <summary>A level in dB or LUFS with one decimal, "–" when unknown.</summary>
    public static string Level(double? db) =>
        db is { } v && double.IsFinite(v) ? v.ToString("0.0", CultureInfo.InvariantCulture) : "–";

    public static string Percent(double fraction) => (Math.Clamp(fraction, 0, 1) * 100).ToString("0", CultureInfo.InvariantCulture);

    public static string When(DateTimeOffset? t) => t is { } v ? v.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "";

    public static string State(JobState s) => s.ToString().ToLowerInvariant();
}
