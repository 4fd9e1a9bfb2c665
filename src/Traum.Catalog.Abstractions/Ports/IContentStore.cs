namespace Traum.Catalog;

/// <summary>
/// The content-addressed file store that the catalog's relative file paths (<c>stems/ab/ab….wav</c>,
/// <c>tracks/…</c>) name: the one copy of every stored stem and track, shared by every process on the catalog. Keys are
/// '/'-separated relative paths; content-addressed keys never change content, so a key that exists is reused as it
/// is. Today's implementation is a folder every process mounts; an object store can implement the same port with a
/// local cache behind <see cref="LocalPath"/>.
/// </summary>
public interface IContentStore
{
    /// <summary>Where the store is, for messages (a folder, a bucket).</summary>
    string Location { get; }

    /// <summary>
    /// Stores the file at <paramref name="sourcePath"/> under <paramref name="key"/>, whole or not at all. A key that
    /// already exists is kept (and marked as just used). With <paramref name="moveSource"/> the source is gone
    /// afterwards (moved when it can be, else copied and deleted).
    /// </summary>
    /// <param name="key">The relative path to store it under.</param>
    /// <param name="sourcePath">A local file.</param>
    /// <param name="moveSource">The source is Traum's own temporary output and goes away.</param>
    /// <exception cref="Core.InvalidInputException">The key leads outside the store.</exception>
    /// <exception cref="Core.TraumException">The store cannot take the file (full, not writable); the message says which.</exception>
    void Put(string key, string sourcePath, bool moveSource);

    /// <summary>Whether content is stored under <paramref name="key"/>.</summary>
    /// <param name="key">A relative path in the store.</param>
    /// <returns>True when the key holds content.</returns>
    bool Exists(string key);

    /// <summary>A local file holding the key's content, for decoders and streams that need a path.</summary>
    /// <param name="key">A relative path in the store.</param>
    /// <returns>An absolute path (a folder store's own file).</returns>
    /// <exception cref="Core.InvalidInputException">The key leads outside the store.</exception>
    string LocalPath(string key);

    /// <summary>Removes the key's content; nothing happens when there is none.</summary>
    /// <param name="key">A relative path in the store.</param>
    void Delete(string key);
}
