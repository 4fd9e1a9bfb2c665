using Traum.Core;

namespace Traum.Catalog.Tests;

/// <summary>Helpers that build catalog records for tests.</summary>
internal static class CatalogFixtures
{
    /// <summary>A distinct valid content hash for a number (not a real audio hash; the catalog treats it as opaque).</summary>
    public static string Hash(int n) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(n)));

    public static NewStem Stem(int n, string kind = StemKinds.Drums, string category = "kick", StemOrigin origin = StemOrigin.Imported,
        double duration = 1.0, IReadOnlyList<string>? tags = null, string? file = null, long? trackId = null) => new()
    {
        Name = $"stem {n}",
        Kind = kind,
        Category = category,
        Origin = origin,
        TrackId = trackId,
        FilePath = file ?? Library.StemFileName(Hash(n), ".wav"),
        ContentHash = Hash(n),
        SampleRate = 44100,
        Channels = 2,
        Duration = duration,
        Tags = tags ?? [],
    };

    public static Descriptors Descriptors(double? bpm = null, string? key = null, string? mode = null, bool oneShot = false, double lufs = -14) => new()
    {
        Duration = 1,
        PeakDb = -1,
        RmsDb = -12,
        Lufs = lufs,
        SpectralCentroid = 1000,
        SpectralBandwidth = 500,
        SpectralRolloff = 4000,
        SpectralFlatness = 0.1,
        ZeroCrossingRate = 0.05,
        OnsetDensity = 2,
        Bpm = bpm,
        BpmConfidence = bpm is null ? 0 : 0.9,
        Key = key,
        Mode = mode,
        KeyConfidence = key is null ? 0 : 0.8,
        IsOneShot = oneShot,
    };
}
