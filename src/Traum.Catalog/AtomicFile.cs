namespace Traum.Catalog;

/// <summary>
/// Crash-safe file writes: the content goes to a temporary name in the destination folder, is flushed to disk
/// (fsync), and is then renamed over the final name, which is atomic on one filesystem. After a crash the final
/// name holds either nothing or the complete file; only a temporary file (<c>.traum-*.tmp</c>) can be left over,
/// and <see cref="LibraryDoctor"/> removes those.
/// </summary>
public static class AtomicFile
{
    /// <summary>Temporary files start with this.</summary>
    public const string TempPrefix = ".traum-";

    /// <summary>Temporary files end with this.</summary>
    public const string TempSuffix = ".tmp";

    /// <summary>True when <paramref name="fileName"/> is a temporary name made by <see cref="Write"/>.</summary>
    public static bool IsTempName(string fileName) =>
        fileName.StartsWith(TempPrefix, StringComparison.Ordinal) && fileName.EndsWith(TempSuffix, StringComparison.Ordinal);

    /// <summary>A fresh temporary path beside <paramref name="finalPath"/>.</summary>
    public static string TempPathFor(string finalPath)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(finalPath))!;
        return Path.Combine(dir, $"{TempPrefix}{Path.GetFileName(finalPath)}.{Guid.NewGuid():N}{TempSuffix}");
    }

    /// <summary>
    /// Lets <paramref name="writeTemp"/> write the file at the temporary path it is given, flushes it to disk and
    /// renames it to <paramref name="finalPath"/> (replacing what was there). On failure the temporary file is removed.
    /// </summary>
    public static void Write(string finalPath, Action<string> writeTemp)
    {
        ArgumentNullException.ThrowIfNull(finalPath);
        ArgumentNullException.ThrowIfNull(writeTemp);
        var folder = Path.GetDirectoryName(Path.GetFullPath(finalPath))!;
        Directory.CreateDirectory(folder);
        var temp = TempPathFor(finalPath);
        try
        {
            try
            {
                writeTemp(temp);
            }
            catch (DirectoryNotFoundException)
            {
                // The doctor removes empty store folders; one it found empty between our CreateDirectory and the first
                // byte of the temporary file is made again, once.
                TryDelete(temp);
                Directory.CreateDirectory(folder);
                writeTemp(temp);
            }
            using (var fs = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                fs.Flush(flushToDisk: true);
            }
            // The store's own write time, not the source's (a copy keeps the source's): the doctor's grace period
            // counts from when Traum wrote the file.
            Touch(temp);
            File.Move(temp, finalPath, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Moves <paramref name="source"/> to <paramref name="finalPath"/> atomically: a rename when both are on one file
    /// system (no bytes copied), else a copy, under a temporary name in the target folder until it is complete. The
    /// source is gone afterwards; if the last step fails it is put back.
    /// </summary>
    public static void MoveInto(string source, string finalPath)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(finalPath);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(finalPath))!);
        var temp = TempPathFor(finalPath);
        File.Move(source, temp);
        try
        {
            using (var fs = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                fs.Flush(flushToDisk: true);
            }
            Touch(temp);
            File.Move(temp, finalPath, overwrite: true);
        }
        catch
        {
            try
            {
                File.Move(temp, source);
            }
            catch (IOException)
            {
                // The temporary file stays; the doctor reports it.
            }
            throw;
        }
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="finalPath"/> atomically.</summary>
    public static void Copy(string source, string finalPath) => Write(finalPath, temp => CopyContent(source, temp));

    /// <summary>
    /// Copies the bytes of <paramref name="source"/> into the new file <paramref name="destination"/>, which keeps its own
    /// write time (File.Copy would give it the source's: a copy in progress from an old sample would then look like a
    /// temporary file left by a crash long ago, and the doctor would remove it under the writer).
    /// </summary>
    internal static void CopyContent(string source, string destination)
    {
        using var from = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var to = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        from.CopyTo(to, 1 << 20);
    }

    /// <summary>Writes bytes atomically.</summary>
    public static void WriteAllBytes(string finalPath, byte[] bytes) => Write(finalPath, temp => File.WriteAllBytes(temp, bytes));

    /// <summary>Writes text (UTF-8) atomically.</summary>
    public static void WriteAllText(string finalPath, string text) => Write(finalPath, temp => File.WriteAllText(temp, text));

    /// <summary>
    /// Sets a file's modification time to now, so that <see cref="LibraryDoctor"/> leaves it alone for its grace
    /// period (an ingest that reuses a stored file is about to add the row that refers to it).
    /// </summary>
    public static void Touch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, TimeProvider.System.GetUtcNow().UtcDateTime);
        }
        catch (IOException)
        {
            // Gone or not ours to change: the doctor decides by the catalog too.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    /// <summary>Deletes a file if it can; a file that cannot be deleted is left for the doctor.</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left for the doctor.
        }
        catch (UnauthorizedAccessException)
        {
            // Left for the doctor.
        }
    }
}
