namespace Traum.Models.Store;

/// <summary>
/// Finds files in a Hugging Face hub cache (the layout huggingface_hub writes):
/// <c>{root}/models--{owner}--{name}/snapshots/{commit}/{path}</c>, where each snapshot file is usually a
/// symbolic link to <c>../../blobs/{id}</c> and the blob id is the file's LFS SHA-256 (64 hex digits) or its
/// git blob SHA-1 (40 hex digits).
/// </summary>
internal static class HubCache
{
    /// <summary>
    /// Candidate cache roots, most specific first: <c>HF_HUB_CACHE</c>, <c>HF_HOME/hub</c>,
    /// <c>XDG_CACHE_HOME/huggingface/hub</c>, <c>~/.cache/huggingface/hub</c>.
    /// </summary>
    public static IReadOnlyList<string> DefaultRoots()
    {
        var roots = new List<string>();
        void Add(string? p)
        {
            if (string.IsNullOrWhiteSpace(p)) return;
            var full = Path.GetFullPath(p);
            if (!roots.Contains(full, StringComparer.Ordinal)) roots.Add(full);
        }
        Add(Environment.GetEnvironmentVariable("HF_HUB_CACHE"));
        Add(Environment.GetEnvironmentVariable("HUGGINGFACE_HUB_CACHE"));
        if (Environment.GetEnvironmentVariable("HF_HOME") is { Length: > 0 } hfHome) Add(Path.Combine(hfHome, "hub"));
        if (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg) Add(Path.Combine(xdg, "huggingface", "hub"));
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 0) Add(Path.Combine(home, ".cache", "huggingface", "hub"));
        return roots;
    }

    /// <summary>A cached copy of a file (the blob itself when the snapshot entry is a link) and the id its blob is named by (null when not a link into blobs/).</summary>
    public sealed record Hit(string Path, string? BlobId);

    /// <summary>Every cached copy of <paramref name="path"/>; the snapshot that refs/{revision} points at comes first.</summary>
    public static IEnumerable<Hit> Find(IEnumerable<string> roots, string repoFolder, string revision, string path)
    {
        foreach (var root in roots)
        {
            var repoDir = System.IO.Path.Combine(root, repoFolder);
            var snapshots = System.IO.Path.Combine(repoDir, "snapshots");
            if (!Directory.Exists(snapshots)) continue;
            var ordered = new List<string>();
            var refFile = System.IO.Path.Combine(repoDir, "refs", revision);
            if (File.Exists(refFile))
            {
                var commit = File.ReadAllText(refFile).Trim();
                var dir = System.IO.Path.Combine(snapshots, commit);
                if (commit.Length > 0 && Directory.Exists(dir)) ordered.Add(dir);
            }
            else if (Directory.Exists(System.IO.Path.Combine(snapshots, revision)))
            {
                ordered.Add(System.IO.Path.Combine(snapshots, revision));
            }
            ordered.AddRange(Directory.GetDirectories(snapshots)
                .Where(d => !ordered.Contains(d, StringComparer.Ordinal))
                .OrderByDescending(Directory.GetLastWriteTimeUtc));
            foreach (var snap in ordered)
            {
                var file = System.IO.Path.Combine(snap, path.Replace('/', System.IO.Path.DirectorySeparatorChar));
                if (!File.Exists(file)) continue;
                var (real, blobId) = Resolve(file);
                yield return new Hit(real, blobId);
            }
        }
    }

    /// <summary>The file a snapshot entry links to (the entry itself when it is not a link) and the blob id in its name.</summary>
    private static (string Path, string? BlobId) Resolve(string file)
    {
        try
        {
            var target = File.ResolveLinkTarget(file, returnFinalTarget: true);
            if (target is null || !target.Exists) return (file, null);
            var name = System.IO.Path.GetFileName(target.FullName).ToLowerInvariant();
            return (target.FullName, name.Length is 64 or 40 && name.All(Uri.IsHexDigit) ? name : null);
        }
        catch (IOException)
        {
            return (file, null);
        }
    }
}
