namespace Traum.Core;

/// <summary>
/// An error the user can act on: bad input, a missing model, an unknown id. The command line prints
/// its message on one line and exits with code 1; the server maps it to a 4xx/503 ProblemDetails.
/// Anything else that escapes is an internal error (exit code 2).
/// </summary>
public class TraumException : Exception
{
    /// <summary>Creates the exception with a message for the user.</summary>
    /// <param name="message">What went wrong and, where it helps, what to do.</param>
    public TraumException(string message) : base(message) { }
    /// <summary>Creates the exception with a message for the user and the exception that caused it.</summary>
    /// <param name="message">What went wrong and, where it helps, what to do.</param>
    /// <param name="inner">The cause, or null.</param>
    public TraumException(string message, Exception? inner) : base(message, inner) { }
    /// <summary>Creates the exception with the default message.</summary>
    public TraumException() { }
}

/// <summary>Audio that cannot be read or written: corrupt, truncated, empty, unknown format, missing decoder.</summary>
public sealed class AudioFormatException : TraumException
{
    /// <summary>Creates the exception for a file; the message is <c>path: problem</c>.</summary>
    /// <param name="path">The file that could not be read or written.</param>
    /// <param name="problem">What is wrong with it, without the path.</param>
    /// <param name="inner">The cause, or null.</param>
    public AudioFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>Creates the exception with the default message.</summary>
    public AudioFormatException() { }
    /// <summary>Creates the exception with a message for the user.</summary>
    /// <param name="message">What went wrong and, where it helps, what to do.</param>
    public AudioFormatException(string message) : base(message) { }
    /// <summary>Creates the exception with a message for the user and the exception that caused it.</summary>
    /// <param name="message">What went wrong and, where it helps, what to do.</param>
    /// <param name="inner">The cause, or null.</param>
    public AudioFormatException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>The file that could not be read or written.</summary>
    public string? FilePath { get; }

    /// <summary>What is wrong with it, without the path.</summary>
    public string? Problem { get; }
}

/// <summary>A model's files are missing or wrong; the message names what, where it looked, and the command that fixes it.</summary>
public sealed class ModelNotFoundException : TraumException
{
    /// <summary>Creates the exception with a message for the user.</summary>
    /// <param name="message">What went wrong and, where it helps, what to do.</param>
    public ModelNotFoundException(string message) : base(message) { }
    /// <summary>Creates the exception with a message for the user and the exception that caused it.</summary>
    /// <param name="message">What went wrong and, where it helps, what to do.</param>
    /// <param name="inner">The cause, or null.</param>
    public ModelNotFoundException(string message, Exception? inner) : base(message, inner) { }
    /// <summary>Creates the exception with the default message.</summary>
    public ModelNotFoundException() { }
}

/// <summary>An argument, option or request value that is not acceptable.</summary>
public sealed class InvalidInputException : TraumException
{
    /// <summary>Creates the exception with a message for the user.</summary>
    /// <param name="message">What went wrong and, where it helps, what to do.</param>
    public InvalidInputException(string message) : base(message) { }
    /// <summary>Creates the exception with a message for the user and the exception that caused it.</summary>
    /// <param name="message">What went wrong and, where it helps, what to do.</param>
    /// <param name="inner">The cause, or null.</param>
    public InvalidInputException(string message, Exception? inner) : base(message, inner) { }
    /// <summary>Creates the exception with the default message.</summary>
    public InvalidInputException() { }
}

/// <summary>An id (stem, track, job, model) that does not exist in the library.</summary>
public sealed class NotFoundException : TraumException
{
    /// <summary>Creates the exception with a message for the user.</summary>
    /// <param name="message">What went wrong and, where it helps, what to do.</param>
    public NotFoundException(string message) : base(message) { }
    /// <summary>Creates the exception with a message for the user and the exception that caused it.</summary>
    /// <param name="message">What went wrong and, where it helps, what to do.</param>
    /// <param name="inner">The cause, or null.</param>
    public NotFoundException(string message, Exception? inner) : base(message, inner) { }
    /// <summary>Creates the exception with the default message.</summary>
    public NotFoundException() { }
}

/// <summary>
/// The disk that Traum writes to is full. A user error: nothing is damaged, and freeing space (or pointing the
/// library, store or output folder elsewhere) lets the same command run again.
/// </summary>
public sealed class StorageFullException : TraumException
{
    /// <summary>Creates the exception with a message for the user.</summary>
    /// <param name="message">What went wrong and, where it helps, what to do.</param>
    public StorageFullException(string message) : base(message) { }
    /// <summary>Creates the exception with a message for the user and the exception that caused it.</summary>
    /// <param name="message">What went wrong and, where it helps, what to do.</param>
    /// <param name="inner">The cause, or null.</param>
    public StorageFullException(string message, Exception? inner) : base(message, inner) { }
    /// <summary>Creates the exception with the default message.</summary>
    public StorageFullException() { }

    /// <summary>True when <paramref name="e"/> (or an exception inside it) says that the disk is full.</summary>
    public static bool IsDiskFull(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is StorageFullException) return true;
            // ENOSPC (28) and EDQUOT (122 on Linux, 69 on macOS) on Unix; ERROR_HANDLE_DISK_FULL (39) and ERROR_DISK_FULL (112) on Windows.
            if (e is IOException io)
            {
                var code = io.HResult & 0xFFFF;
                if (OperatingSystem.IsWindows() ? code is 39 or 112 : code is 28 or 122 or 69) return true;
            }
            // SQLite's SQLITE_FULL (13) arrives as its own exception type; its message names the condition.
            if (e.GetType().Name == "SqliteException" && e.Message.Contains("database or disk is full", StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>The user-facing exception for a full disk while writing under <paramref name="path"/>.</summary>
    public static StorageFullException For(string path, Exception? inner = null)
    {
        var where = Path.GetFullPath(path);
        string free;
        try
        {
            var root = Path.GetPathRoot(where) ?? where;
            var drive = new DriveInfo(FindExisting(where) ?? root);
            free = $"{drive.AvailableFreeSpace / (1024.0 * 1024.0):0.#} MiB free on {drive.Name}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            free = "the free space could not be read";
        }
        return new StorageFullException(
            $"{where}: the disk is full ({free}). Free some space there, or point Traum at another disk (--library, --out), and run the command again; nothing in the library was damaged.",
            inner);
    }

    /// <summary>The user-facing exception for a full disk whose path is not known (the system's message names it).</summary>
    public static StorageFullException From(Exception inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return inner as StorageFullException ?? new StorageFullException(
            $"the disk is full ({inner.Message}). Free some space, or point Traum at another disk (--library, --out), and run the command again; nothing in the library was damaged.",
            inner);
    }

    private static string? FindExisting(string path)
    {
        for (var d = path; !string.IsNullOrEmpty(d); d = Path.GetDirectoryName(d))
        {
            if (Directory.Exists(d)) return d;
        }
        return null;
    }
}
