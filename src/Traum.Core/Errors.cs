namespace Traum.Core;

/// <summary>
/// An error the user can act on: bad input, a missing model, an unknown id. The command line prints
/// its message on one line and exits with code 1; the server maps it to a 4xx/503 ProblemDetails.
/// Anything else that escapes is an internal error (exit code 2).
/// </summary>
public class TraumException : Exception
{
    public TraumException(string message) : base(message) { }
    public TraumException(string message, Exception? inner) : base(message, inner) { }
    public TraumException() { }
}

/// <summary>Audio that cannot be read or written: corrupt, truncated, empty, unknown format, missing decoder.</summary>
public sealed class AudioFormatException : TraumException
{
    public AudioFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    public AudioFormatException() { }
    public AudioFormatException(string message) : base(message) { }
    public AudioFormatException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>The file that could not be read or written.</summary>
    public string? FilePath { get; }

    /// <summary>What is wrong with it, without the path.</summary>
    public string? Problem { get; }
}

/// <summary>A model's files are missing or wrong; the message names what, where it looked, and the command that fixes it.</summary>
public sealed class ModelNotFoundException : TraumException
{
    public ModelNotFoundException(string message) : base(message) { }
    public ModelNotFoundException(string message, Exception? inner) : base(message, inner) { }
    public ModelNotFoundException() { }
}

/// <summary>An argument, option or request value that is not acceptable.</summary>
public sealed class InvalidInputException : TraumException
{
    public InvalidInputException(string message) : base(message) { }
    public InvalidInputException(string message, Exception? inner) : base(message, inner) { }
    public InvalidInputException() { }
}

/// <summary>An id (stem, track, job, model) that does not exist in the library.</summary>
public sealed class NotFoundException : TraumException
{
    public NotFoundException(string message) : base(message) { }
    public NotFoundException(string message, Exception? inner) : base(message, inner) { }
    public NotFoundException() { }
}
