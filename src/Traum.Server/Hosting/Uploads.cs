using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Traum.Audio.IO;
using Traum.Core;

namespace Traum.Server.Hosting;

/// <summary>An uploaded file stored in the library's upload folder and checked to be audio.</summary>
/// <param name="Path">Where it is stored (absolute).</param>
/// <param name="Name">The client's file name (sanitised).</param>
/// <param name="Info">What the file's header says (format, rate, channels, length), with <see cref="AudioFileInfo.Path"/> the stored path.</param>
internal sealed record UploadedFile(string Path, string Name, AudioFileInfo Info);

/// <summary>The form of a multipart upload: its audio files and its plain fields.</summary>
internal sealed record UploadForm(IReadOnlyList<UploadedFile> Files, IReadOnlyDictionary<string, string> Fields)
{
    public string? Field(string name) => Fields.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
}

/// <summary>
/// Reads multipart uploads section by section, streaming each file straight to disk (never whole into
/// memory), enforcing the size limit as bytes arrive, and checking each file's content is audio.
/// </summary>
internal sealed class Uploads(ServerOptions options, Engine.TraumContext context)
{
    private const int MaxFields = 32;
    private const int MaxFieldLength = 4096;

    /// <summary>Folder that uploads are stored in, inside the library.</summary>
    public string Folder => Path.Combine(context.LibraryPath, "uploads");

    /// <summary>Reads the request's multipart body.</summary>
    /// <param name="request">The upload request; its body is read once, as it arrives.</param>
    /// <param name="maxFiles">How many files the endpoint takes.</param>
    /// <param name="cancellationToken">Stops reading (the files stored so far are deleted).</param>
    /// <exception cref="InvalidInputException">Not multipart, no file, too many files or fields.</exception>
    /// <exception cref="BadHttpRequestException">413 when the body is larger than <see cref="ServerOptions.MaxUploadBytes"/>.</exception>
    /// <exception cref="AudioFormatException">A file is not audio (415) or cannot be decoded (422).</exception>
    public async Task<UploadForm> ReadAsync(HttpRequest request, int maxFiles, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var limit = options.MaxUploadBytes;
        if (request.ContentLength > limit) throw TooLarge();
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidInputException("Send the file as multipart/form-data (a form with a file field).");
        }
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary)) throw new InvalidInputException("The multipart request has no boundary.");

        Directory.CreateDirectory(Folder);
        var files = new List<UploadedFile>();
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = limit };
        long total = 0;
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
                if (disposition.IsFileDisposition())
                {
                    if (files.Count >= maxFiles) throw new InvalidInputException($"At most {maxFiles} file(s) per request.");
                    var name = SafeName(HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value);
                    var stored = Path.Combine(Folder, $"{Guid.NewGuid():N}.upload");
                    files.Add(new UploadedFile(stored, name, null!));
                    var fs = new FileStream(stored, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
                    await using (fs.ConfigureAwait(false))
                    {
                        var buffer = new byte[81920];
                        int n;
                        while ((n = await section.Body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                        {
                            total += n;
                            if (total > limit) throw TooLarge();
                            await fs.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
                else if (disposition.IsFormDisposition())
                {
                    if (fields.Count >= MaxFields) throw new InvalidInputException("Too many form fields.");
                    using var sr = new StreamReader(section.Body);
                    var buffer = new char[MaxFieldLength + 1];
                    var read = await sr.ReadBlockAsync(buffer, cancellationToken).ConfigureAwait(false);
                    if (read > MaxFieldLength) throw new InvalidInputException("A form field is too long.");
                    fields[HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? ""] = new string(buffer, 0, read);
                }
            }
            if (files.Count == 0) throw new InvalidInputException("The request holds no file; add one as a form field of type file.");
            var checkedFiles = new List<UploadedFile>(files.Count);
            foreach (var f in files)
            {
                var info = AudioSniffer.Check(f.Path, f.Name);
                var ext = Path.GetExtension(f.Name) is { Length: > 1 and <= 6 } e && e.All(c => char.IsAsciiLetterOrDigit(c) || c == '.') ? e.ToLowerInvariant() : "." + info.Format;
                var final = Path.ChangeExtension(f.Path, ext);
                File.Move(f.Path, final);
                checkedFiles.Add(f with { Path = final, Info = info with { Path = final } });
            }
            return new UploadForm(checkedFiles, fields);
        }
        catch (InvalidDataException e) when (e.Message.Contains("length limit", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var f in files) TryDelete(f.Path);
            throw TooLarge();
        }
        catch
        {
            foreach (var f in files) TryDelete(f.Path);
            throw;
        }
    }

    /// <summary>
    /// Moves an upload into a folder of its own under its (sanitised) client name, so work that names outputs after
    /// the file (separation) sees the track's real name.
    /// </summary>
    public UploadedFile MoveToOwnFolder(UploadedFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var target = UploadStaging.OwnFolderPath(Folder, file.Name, Path.GetExtension(file.Path));
        File.Move(file.Path, target);
        return file with { Path = target, Info = file.Info with { Path = target } };
    }

    /// <summary>Deletes an upload that is no longer needed.</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left for `traum doctor`; never fatal.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Deletes an upload stored in a folder of its own (<see cref="MoveToOwnFolder"/>), and the folder.</summary>
    public static void DeleteWithFolder(string path)
    {
        TryDelete(path);
        try
        {
            var folder = System.IO.Path.GetDirectoryName(path);
            if (folder is not null && Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }
        catch (IOException)
        {
            // Left for `traum doctor`.
        }
    }

    private static BadHttpRequestException TooLarge() =>
        new("The upload is larger than the server accepts.", StatusCodes.Status413PayloadTooLarge);

    /// <summary>The client's file name reduced to its last segment and safe characters (display only; never used as a path).</summary>
    internal static string SafeName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return "upload";
        var last = name.Replace('\\', '/').Split('/').LastOrDefault(s => s.Length > 0) ?? "upload";
        var clean = new string(last.Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (clean is "" or "." or "..") return "upload";
        return clean.Length > 120 ? clean[..120] : clean;
    }
}

/// <summary>Tracks staged into the library's upload folder for a queued job, as an upload would be.</summary>
public static class UploadStaging
{
    /// <summary>
    /// Copies a local file into the upload folder of the library at <paramref name="libraryPath"/>, in a folder of its
    /// own under its name, as an upload would be stored: so a worker on any machine that mounts the library's store
    /// can read it, and removes it after the job like an upload. The copy appears whole or not at all.
    /// </summary>
    /// <param name="libraryPath">The library (file store) folder.</param>
    /// <param name="source">The file to copy.</param>
    /// <returns>The stored copy's path.</returns>
    public static string CopyToOwnFolder(string libraryPath, string source)
    {
        var target = OwnFolderPath(Path.Combine(libraryPath, "uploads"), Path.GetFileName(source), Path.GetExtension(source));
        var partial = target + ".part";
        try
        {
            File.Copy(source, partial);
            File.Move(partial, target);
        }
        catch
        {
            Uploads.TryDelete(partial);
            Uploads.DeleteWithFolder(target);
            throw;
        }
        return target;
    }

    /// <summary>A new folder of its own under <paramref name="uploads"/> and the sanitised <paramref name="clientName"/> in it.</summary>
    internal static string OwnFolderPath(string uploads, string clientName, string extension)
    {
        var folder = Path.Combine(uploads, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var baseName = new string(Path.GetFileNameWithoutExtension(clientName).Select(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_' or '.' ? c : '_').ToArray()).Trim('.', ' ');
        return Path.Combine(folder, (baseName.Length == 0 ? "track" : baseName) + extension);
    }

    /// <summary>Removes a staged copy whose job was not queued.</summary>
    /// <param name="path">What <see cref="CopyToOwnFolder"/> returned.</param>
    public static void Discard(string path) => Uploads.DeleteWithFolder(path);
}
