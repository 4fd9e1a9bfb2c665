using Traum.Core;

namespace Traum.Server.Hosting;

/// <summary>
/// Turns a path from a request into a canonical path inside one of the allowed roots, or refuses it:
/// relative paths, ".." segments, and symbolic links that lead outside the roots are all rejected.
/// </summary>
internal sealed class PathGuard
{
    private readonly List<string> _roots;

    public PathGuard(IEnumerable<string> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        _roots = roots.Where(r => !string.IsNullOrWhiteSpace(r)).Select(r => Canonical(Path.GetFullPath(r))).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The canonical roots (symlinks resolved).</summary>
    public IReadOnlyList<string> Roots => _roots;

    /// <summary>Resolves <paramref name="requested"/> to a canonical absolute path under an allowed root.</summary>
    /// <exception cref="InvalidInputException">Not absolute, contains "..", or lies outside the allowed roots.</exception>
    public string Resolve(string? requested)
    {
        if (string.IsNullOrWhiteSpace(requested)) throw new InvalidInputException("A path is required.");
        if (requested.Contains('\0', StringComparison.Ordinal)) throw new InvalidInputException("The path contains a NUL character.");
        if (!Path.IsPathFullyQualified(requested)) throw new InvalidInputException($"'{requested}' is not an absolute path; give the full path of a folder under an allowed root.");
        var segments = requested.Split('/', '\\');
        if (segments.Any(s => s == "..")) throw new InvalidInputException("Paths with '..' segments are not accepted.");
        var canonical = Canonical(Path.GetFullPath(requested));
        if (!IsUnderRoot(canonical)) throw new InvalidInputException(OutsideMessage(requested));
        return canonical;
    }

    /// <summary>True when <paramref name="canonicalPath"/> is one of the roots or inside one.</summary>
    public bool IsUnderRoot(string canonicalPath) =>
        _roots.Any(r => canonicalPath.Equals(r, StringComparison.Ordinal)
            || canonicalPath.StartsWith(r.EndsWith(Path.DirectorySeparatorChar) ? r : r + Path.DirectorySeparatorChar, StringComparison.Ordinal));

    private string OutsideMessage(string requested) =>
        _roots.Count == 0
            ? $"'{requested}' is outside the allowed folders; no ingest roots are configured (set server:ingestRoots in traum.json)."
            : $"'{requested}' is outside the allowed folders ({string.Join(", ", _roots)}); add its folder to server:ingestRoots in traum.json.";

    /// <summary>Resolves every symbolic link along <paramref name="fullPath"/> (components that do not exist are kept as they are).</summary>
    internal static string Canonical(string fullPath)
    {
        var root = Path.GetPathRoot(fullPath) ?? "/";
        var current = root;
        var parts = fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.LinkTarget is not null)
            {
                FileSystemInfo? target;
                try
                {
                    target = info.ResolveLinkTarget(returnFinalTarget: true);
                }
                catch (IOException e)
                {
                    throw new InvalidInputException($"'{next}' is a symbolic link that cannot be followed ({e.Message}); it may point to itself.", e);
                }
                next = target is null ? next : Canonical(Path.GetFullPath(target.FullName));
            }
            current = next;
        }
        return current;
    }
}
