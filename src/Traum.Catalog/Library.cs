using Traum.Core;

namespace Traum.Catalog;

/// <summary>
/// A library folder: <c>catalog.db</c> (SQLite; or a catalog elsewhere, such as a PostgreSQL database that many
/// processes share, see <see cref="Open(string, string?, TimeProvider?)"/>), <c>stems/</c> and <c>tracks/</c> (audio stored once per content
/// hash as <c>stems/ab/abcdef….ext</c>), <c>models/</c> (trained models) and <c>generated/</c> (generation output
/// before ingest). Opening creates what is missing and migrates the catalog. Files are always written to a
/// temporary name and renamed (<see cref="AtomicFile"/>), and a catalog row is only added after its file is in
/// place, so after a crash there can be files without rows (the doctor removes them) but never rows without files.
/// </summary>
public sealed class Library : IDisposable
{
    /// <summary>File name of the SQLite catalog inside the library folder when no other catalog is given.</summary>
    public const string CatalogFileName = "catalog.db";
    /// <summary>Subfolder of the stored stem audio, one file per content hash.</summary>
    internal const string StemsFolder = "stems";
    /// <summary>Subfolder of the stored track audio, one file per content hash.</summary>
    internal const string TracksFolder = "tracks";
    /// <summary>Subfolder of the trained models.</summary>
    internal const string ModelsFolder = "models";
    /// <summary>Subfolder of generation output before it is ingested.</summary>
    internal const string GeneratedFolder = "generated";
    /// <summary>Subfolder of the server's uploads until their job has run.</summary>
    internal const string UploadsFolder = "uploads";

    private Library(string root, ICatalog catalog, string catalogLocation)
    {
        Root = root;
        Files = new FolderContentStore(root);
        Catalog = catalog;
        CatalogLocation = catalogLocation;
        LocalVectors = catalog is CatalogStore sqlite ? sqlite.LocalVectors : new Vectors.InProcessVectorSearch(catalog);
    }

    /// <summary>Opens (creating if needed) the library at <paramref name="root"/>: its folder and the SQLite catalog in it.</summary>
    /// <exception cref="TraumException">The folder cannot be created or the catalog cannot be opened.</exception>
    public static Library Open(string root, TimeProvider? time = null) => Open(root, catalog: null, time);

    /// <summary>
    /// Opens (creating what is missing) the library whose files live in the store folder <paramref name="root"/> and
    /// whose catalog is at <paramref name="catalog"/>: null for <c>catalog.db</c> in the folder, a file path for a
    /// SQLite catalog elsewhere, or a <c>postgresql://user@host:port/database</c> URL for a catalog that many processes
    /// and machines share (they all mount the same store folder).
    /// </summary>
    /// <exception cref="InvalidInputException">The folder is a file, or the URL is malformed.</exception>
    /// <exception cref="TraumException">The folder cannot be created or the catalog cannot be opened (the message says why and what to do).</exception>
    public static Library Open(string root, string? catalog, TimeProvider? time = null)
    {
        var full = CreateFolders(root);
        if (IsCatalogUrl(catalog))
        {
            var pg = Postgres.PostgresCatalog.Open(catalog!, time);
            return new Library(full, pg, Postgres.PostgresLocation.Redact(catalog));
        }
        var file = string.IsNullOrWhiteSpace(catalog) ? Path.Combine(full, CatalogFileName) : Path.GetFullPath(catalog);
        return new Library(full, CatalogStore.Open(file, time), file);
    }

    /// <summary>True when <paramref name="catalog"/> is a PostgreSQL URL (<c>postgresql://</c> or <c>postgres://</c>) rather than a file.</summary>
    public static bool IsCatalogUrl(string? catalog) => Postgres.PostgresLocation.IsUrl(catalog);

    private static string CreateFolders(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        var full = Path.GetFullPath(root);
        if (File.Exists(full)) throw new InvalidInputException($"{full} is a file; a library is a folder. Pass another --library (or --store).");
        try
        {
            foreach (var d in new[] { full, Path.Combine(full, StemsFolder), Path.Combine(full, TracksFolder), Path.Combine(full, ModelsFolder), Path.Combine(full, GeneratedFolder) })
            {
                Directory.CreateDirectory(d);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TraumException($"{full}: cannot create the library folder ({e.Message}). Pass a writable --library (or --store).", e);
        }
        return full;
    }

    /// <summary>
    /// Opens the library at <paramref name="root"/> only when it exists, creating nothing: for commands that read
    /// (a typo in --library must not leave an empty library behind).
    /// </summary>
    /// <exception cref="NotFoundException">There is no library there.</exception>
    public static Library OpenExisting(string root, TimeProvider? time = null) => OpenExisting(root, catalog: null, time);

    /// <summary>
    /// Like <see cref="OpenExisting(string, TimeProvider?)"/> with the catalog at <paramref name="catalog"/>. A SQLite
    /// catalog must exist; a PostgreSQL catalog is the server's (a wrong URL fails to connect, creating nothing).
    /// </summary>
    /// <exception cref="NotFoundException">There is no SQLite catalog there.</exception>
    public static Library OpenExisting(string root, string? catalog, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        var full = Path.GetFullPath(root);
        if (!IsCatalogUrl(catalog))
        {
            var file = string.IsNullOrWhiteSpace(catalog) ? Path.Combine(full, CatalogFileName) : Path.GetFullPath(catalog);
            if (!File.Exists(file))
            {
                throw new NotFoundException(string.IsNullOrWhiteSpace(catalog)
                    ? $"There is no library at {full}. Add audio with 'traum ingest PATH', or pass the folder of an existing one with --library."
                    : $"There is no catalog at {file}. Pass an existing one with --catalog, or add audio with 'traum ingest PATH' to make it.");
            }
        }
        return Open(full, catalog, time);
    }

    /// <summary>Absolute path of the library folder: the store every process sharing the catalog mounts.</summary>
    public string Root { get; }

    /// <summary>The library's catalog, through its ports.</summary>
    public ICatalog Catalog { get; }

    /// <summary>The content store the catalog's relative paths name (the library folder, or the shared <c>--store</c>).</summary>
    public IContentStore Files { get; }

    /// <summary>Where the catalog is: the SQLite file's path, or the PostgreSQL URL without its password.</summary>
    public string CatalogLocation { get; }

    /// <summary>True when the catalog is shared through a database server (PostgreSQL) rather than a file.</summary>
    public bool IsSharedCatalog => Catalog is not CatalogStore;

    /// <summary>
    /// In-process vector indexes over the catalog's embeddings: what vector searches run on with SQLite, and what
    /// needs every vector in memory (near-duplicate pairs) on any provider.
    /// </summary>
    public Vectors.InProcessVectorSearch LocalVectors { get; }

    /// <summary>The SQLite provider itself, for what only it has (its file, PRAGMAs); engine code uses <see cref="Catalog"/>.</summary>
    /// <exception cref="InvalidOperationException">The catalog is not SQLite.</exception>
    internal CatalogStore Store => Catalog as CatalogStore ?? throw new InvalidOperationException("This library's catalog is not a SQLite file.");

    /// <summary>Absolute path of <c>stems/</c>, where stem audio is stored once per content hash.</summary>
    public string StemsPath => Path.Combine(Root, StemsFolder);
    /// <summary>Absolute path of <c>tracks/</c>, where track audio is stored once per content hash.</summary>
    public string TracksPath => Path.Combine(Root, TracksFolder);
    /// <summary>Absolute path of <c>models/</c>, where trained models are saved, one folder per model name.</summary>
    public string ModelsPath => Path.Combine(Root, ModelsFolder);
    /// <summary>Absolute path of <c>generated/</c>, where generation output waits to be ingested.</summary>
    public string GeneratedPath => Path.Combine(Root, GeneratedFolder);

    /// <summary>Where the server keeps uploads until their job has run.</summary>
    public string UploadsPath => Path.Combine(Root, UploadsFolder);

    /// <summary>Absolute path of a path relative to the library (as stored in the catalog).</summary>
    /// <exception cref="InvalidInputException">The path leads outside the library.</exception>
    public string GetFullPath(string relativePath) => Files.LocalPath(relativePath);

    /// <summary>
    /// Absolute path of a file path as the catalog stores it: relative paths lie in the library's store; an absolute
    /// path is a file indexed in place (the user's own file, never copied, moved or deleted by Traum).
    /// </summary>
    /// <exception cref="InvalidInputException">A relative path leads outside the library.</exception>
    public string ResolveFile(string catalogPath)
    {
        ArgumentNullException.ThrowIfNull(catalogPath);
        return IsInPlace(catalogPath) ? Path.GetFullPath(catalogPath) : GetFullPath(catalogPath);
    }

    /// <summary>True when the catalog path is a file indexed in place (absolute, outside the store).</summary>
    public static bool IsInPlace(string catalogPath) => Path.IsPathFullyQualified(catalogPath ?? throw new ArgumentNullException(nameof(catalogPath)));

    /// <summary>The catalog form (relative, '/'-separated) of an absolute path inside the library.</summary>
    public string GetRelativePath(string fullPath)
    {
        var full = Path.GetFullPath(fullPath);
        if (!IsInside(full)) throw new InvalidInputException($"'{fullPath}' is outside the library {Root}.");
        return Path.GetRelativePath(Root, full).Replace(Path.DirectorySeparatorChar, '/');
    }

    /// <summary>True when <paramref name="fullPath"/> lies inside the library folder.</summary>
    public bool IsInside(string fullPath)
    {
        var full = Path.GetFullPath(fullPath);
        var root = Root.EndsWith(Path.DirectorySeparatorChar) ? Root : Root + Path.DirectorySeparatorChar;
        return full.StartsWith(root, StringComparison.Ordinal);
    }

    /// <summary>Where a stem file with this hash and extension lives, relative: <c>stems/ab/abcdef….wav</c>.</summary>
    public static string StemFileName(string contentHash, string extension) => HashedName(StemsFolder, contentHash, extension);

    /// <summary>Where a track file with this hash and extension lives, relative: <c>tracks/ab/abcdef….flac</c>.</summary>
    public static string TrackFileName(string contentHash, string extension) => HashedName(TracksFolder, contentHash, extension);

    private static string HashedName(string folder, string contentHash, string extension)
    {
        if (!ContentHashFormat.IsValid(contentHash)) throw new ArgumentException($"'{contentHash}' is not a content hash.", nameof(contentHash));
        var ext = NormaliseExtension(extension);
        return $"{folder}/{contentHash[..2]}/{contentHash}{ext}";
    }

    private static string NormaliseExtension(string extension)
    {
        var ext = (extension ?? "").Trim().ToLowerInvariant();
        if (ext.Length > 0 && ext[0] != '.') ext = "." + ext;
        if (ext.Length is 0 or > 8 || ext[1..].Any(ch => !char.IsAsciiLetterOrDigit(ch))) ext = ".audio";
        return ext;
    }

    /// <summary>
    /// Stores a copy of <paramref name="sourcePath"/> as the stem file for <paramref name="contentHash"/> (keeping the
    /// source's extension) and returns its relative path. If that file already exists (same hash) nothing is copied.
    /// With <paramref name="moveSource"/> the source is deleted afterwards (for files Traum wrote itself).
    /// </summary>
    public string StoreStemFile(string sourcePath, string contentHash, bool moveSource = false) =>
        StoreCopy(sourcePath, StemFileName(contentHash, Path.GetExtension(sourcePath)), moveSource);

    /// <summary>Like <see cref="StoreStemFile"/> for a track file.</summary>
    public string StoreTrackFile(string sourcePath, string contentHash, bool moveSource = false) =>
        StoreCopy(sourcePath, TrackFileName(contentHash, Path.GetExtension(sourcePath)), moveSource);

    private string StoreCopy(string sourcePath, string relative, bool moveSource)
    {
        Files.Put(relative, sourcePath, moveSource);
        return relative;
    }

    /// <summary>
    /// Deletes a stem: first its catalog row (in one transaction), then its file unless another stem or track still
    /// uses it; a file indexed in place is never deleted. A crash between the two leaves only an unreferenced file,
    /// which <see cref="LibraryDoctor"/> removes.
    /// </summary>
    /// <exception cref="NotFoundException">No such stem.</exception>
    public StemDeletion DeleteStem(long id)
    {
        var deletion = Catalog.DeleteStem(id);
        // A file indexed in place is the user's: forgetting the stem never deletes it.
        if (!deletion.FileShared && !IsInPlace(deletion.Stem.FilePath)) Files.Delete(deletion.Stem.FilePath);
        return deletion;
    }

    /// <summary>Closes the catalog and, when they are not the catalog's own, the in-process vector indexes.</summary>
    public void Dispose()
    {
        if (Catalog is not CatalogStore) LocalVectors.Dispose();
        Catalog.Dispose();
    }
}
