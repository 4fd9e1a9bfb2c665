using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Traum.Core;
using Traum.Server.Services;

namespace Traum.Server.Hosting;

/// <summary>
/// Maps exceptions to RFC 9457 problem details. Errors a user can act on (Core's <see cref="TraumException"/>s)
/// become 4xx/503 with their message; anything else is logged and answered with a generic 500 that holds
/// no exception details.
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var (status, title, detail) = Map(exception);
        if (status >= 500 && exception is not (ModelNotFoundException or FeatureUnavailableException)) LogUnhandled(exception, httpContext.Request.Method, httpContext.Request.Path);
        else LogUserError(httpContext.Request.Method, httpContext.Request.Path, status, exception.Message);
        if (httpContext.Response.HasStarted) return true;
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        }).ConfigureAwait(false);
    }

    /// <summary>Status code, title and client-visible detail for an exception.</summary>
    internal static (int Status, string Title, string Detail) Map(Exception exception) => exception switch
    {
        NotFoundException e => (StatusCodes.Status404NotFound, "Not found", e.Message),
        AudioFormatException e when IsUnsupportedType(e) => (StatusCodes.Status415UnsupportedMediaType, "Unsupported audio format", AudioDetail(e)),
        AudioFormatException e => (StatusCodes.Status422UnprocessableEntity, "Unreadable audio", AudioDetail(e)),
        InvalidInputException e => (StatusCodes.Status400BadRequest, "Invalid request", e.Message),
        ModelNotFoundException e => (StatusCodes.Status503ServiceUnavailable, "Model not installed", e.Message),
        FeatureUnavailableException e => (StatusCodes.Status503ServiceUnavailable, "Not available in this build", e.Message),
        TraumException e => (StatusCodes.Status400BadRequest, "Request failed", e.Message),
        BadHttpRequestException e when e.StatusCode == StatusCodes.Status413PayloadTooLarge =>
            (e.StatusCode, "Upload too large", "The request body is larger than the server accepts (server:maxUploadBytes)."),
        BadHttpRequestException e when BindingProblem(e.Message) is { } detail => (StatusCodes.Status400BadRequest, "Invalid request", detail),
        BadHttpRequestException e => (e.StatusCode, "Bad request", e.Message),
        _ when StorageFullException.IsDiskFull(exception) =>
            (StatusCodes.Status507InsufficientStorage, "Disk full", "The server's disk is full; nothing was lost. Free some space on it and try again."),
        // A body that ends early or breaks the multipart or form syntax is the client's: 400, never 500.
        IOException or InvalidDataException when IsRequestBodyError(exception) =>
            (StatusCodes.Status400BadRequest, "Malformed request body", "The request body is incomplete or malformed; send it again in full."),
        InvalidOperationException e when e.Message.Contains("charset", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("encoding", StringComparison.OrdinalIgnoreCase) =>
            (StatusCodes.Status415UnsupportedMediaType, "Unsupported charset", "The request's charset is not supported; send UTF-8."),
        _ => (StatusCodes.Status500InternalServerError, "Internal error", "Something went wrong on the server; the details are in its log."),
    };

    /// <summary>
    /// The framework's binding failure ('Failed to bind parameter "double? tempo" from "abc".', or a required value
    /// missing) in words a client can act on, without .NET type names; null for other messages.
    /// </summary>
    internal static string? BindingProblem(string message)
    {
        var m = System.Text.RegularExpressions.Regex.Match(message, @"^Failed to bind parameter ""(?<type>[^"" ]+)\s+(?<name>[^""]+)"" from ""(?<value>.*)""\.$");
        if (m.Success)
        {
            // "double?", "Nullable<int>", "System.Boolean": the value type is what counts.
            var type = m.Groups["type"].Value.Replace("Nullable<", "", StringComparison.Ordinal).Replace("System.", "", StringComparison.Ordinal)
                .TrimEnd('?', '>').ToLowerInvariant();
            var what = type switch
            {
                "int" or "int32" or "long" or "int64" => "a whole number",
                "double" or "single" or "float" or "decimal" => "a number (with a dot for decimals)",
                "bool" or "boolean" => "true or false",
                _ => "a value of another form",
            };
            return $"'{m.Groups["value"].Value}' is not a valid {m.Groups["name"].Value}; give {what}.";
        }
        if (message.StartsWith("Failed to read parameter", StringComparison.Ordinal))
        {
            return "The request body is not the JSON this endpoint takes; its schema is in /openapi/v1.json.";
        }
        var r = System.Text.RegularExpressions.Regex.Match(message, @"^Required parameter ""[^"" ]+\s+(?<name>[^""]+)"" was not provided");
        return r.Success ? $"{r.Groups["name"].Value} is required." : null;
    }

    /// <summary>
    /// True for errors reading the request body: the multipart and form readers raise <see cref="InvalidDataException"/>
    /// for broken syntax and <see cref="IOException"/> ("Unexpected end of Stream") for a body that ends early.
    /// </summary>
    private static bool IsRequestBodyError(Exception e) =>
        e is InvalidDataException
        || (e is IOException && !StorageFullException.IsDiskFull(e) && (e.Message.Contains("end of Stream", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("request body", StringComparison.OrdinalIgnoreCase) || e.StackTrace?.Contains("Multipart", StringComparison.Ordinal) == true));

    /// <summary>The message with the file's name (uploads carry the client's name), but never a server path.</summary>
    private static string AudioDetail(AudioFormatException e) =>
        e.FilePath is { } p && Path.IsPathRooted(p) ? e.Problem ?? "the audio cannot be read" : e.Message;

    private static bool IsUnsupportedType(AudioFormatException e) =>
        e.Problem is { } p && p.StartsWith("not a supported audio format", StringComparison.Ordinal);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    private partial void LogUnhandled(Exception e, string method, PathString path);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} → {Status}: {Message}")]
    private partial void LogUserError(string method, PathString path, int status, string message);
}
