namespace Traum.Catalog;

/// <summary>
/// The form of a content hash as the catalog stores it: 64 lower-case hex digits (SHA-256 over the decoded samples,
/// computed by <c>Traum.Audio.ContentHasher</c>).
/// </summary>
public static class ContentHashFormat
{
    /// <summary>True when <paramref name="hash"/> looks like a content hash (64 lower-case hex digits).</summary>
    public static bool IsValid(string? hash) =>
        hash is { Length: 64 } && hash.All(ch => ch is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
