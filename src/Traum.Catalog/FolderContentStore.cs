using Traum.Core;

namespace Traum.Catalog;

/// <summary>
/// The content store as a folder (the library folder, or the <c>--store</c> folder every worker mounts). Writes go to a
/// temporary name beside the target and are renamed when complete (<see cref="AtomicFile"/>), so a reader never sees
/// half a file and a crash leaves only temporary names the doctor removes.
/// </summary>
public sealed class FolderContentStore : IContentStore
{
    private readonly string _root;

    /// <param name="root">The store folder (absolute or relative to the working folder).</param>
    public FolderContentStore(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        _root = Path.GetFullPath(root);
    }

    /// <inheritdoc />
    public string Location => _root;

    /// <inheritdoc />
    public void Put(string key, string sourcePath, bool moveSource)
    {
        ArgumentNullException.ThrowIfNull(sourcePath);
        var full = LocalPath(key);
        if (File.Exists(full))
        {
            AtomicFile.Touch(full); // reused: its row is about to be added, so the doctor must not take it for an orphan
        }
        else
        {
            try
            {
                // A source that goes away anyway (an upload, separation's or generation's own output) is renamed into
                // the store rather than copied and deleted.
                if (moveSource) AtomicFile.MoveInto(sourcePath, full);
                else AtomicFile.Copy(sourcePath, full);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new TraumException($"{full}: cannot store the file ({e.Message}). Check free space and permissions of the library.", e);
            }
        }
        if (moveSource && !string.Equals(Path.GetFullPath(sourcePath), full, StringComparison.Ordinal)) AtomicFile.TryDelete(sourcePath);
    }

    /// <inheritdoc />
    public bool Exists(string key) => File.Exists(LocalPath(key));

    /// <inheritdoc />
    public string LocalPath(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var full = Path.GetFullPath(Path.Combine(_root, key));
        var root = _root.EndsWith(Path.DirectorySeparatorChar) ? _root : _root + Path.DirectorySeparatorChar;
        if (Path.IsPathFullyQualified(key) || !full.StartsWith(root, StringComparison.Ordinal))
        {
            throw new InvalidInputException($"'{key}' is outside the library {_root}.");
        }
        return full;
    }

    /// <inheritdoc />
    public void Delete(string key) => AtomicFile.TryDelete(LocalPath(key));
}
