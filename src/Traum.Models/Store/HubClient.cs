using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Traum.Models.Store;

/// <summary>What the hub publishes about one file: its size and checksum.</summary>
/// <param name="Path">Path inside the repository.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 for files stored with Git LFS (the LFS object id), else null.</param>
/// <param name="GitSha1">Git blob id (SHA-1 of "blob {size}\0" + content) for files stored in git itself, else null.</param>
internal sealed record HubFileInfo(string Path, long Size, string? Sha256, string? GitSha1);

/// <summary>
/// Talks to a Hugging Face hub endpoint: file metadata from <c>GET /api/models/{repo}/tree/{revision}/{dir}</c>
/// (with the <c>X-Linked-Etag</c>/<c>X-Linked-Size</c> headers of a resolve request as fallback) and resumable
/// downloads of <c>/{repo}/resolve/{revision}/{path}</c>. Redirects are followed by hand so the resolve
/// response's own headers are visible and the Range header survives the hop to the CDN.
/// </summary>
internal sealed class HubClient : IDisposable
{
    private const int MaxRedirects = 10;

    private readonly TimeSpan _idleTimeout;
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string? _token;

    /// <param name="endpoint">Hub base URL.</param>
    /// <param name="token">Bearer token sent to the hub host, if any.</param>
    /// <param name="idleTimeout">A download that receives nothing for this long is treated as a dropped connection.</param>
    /// <param name="handler">HTTP handler (must not follow redirects itself).</param>
    public HubClient(string endpoint, string? token, TimeSpan idleTimeout, HttpMessageHandler? handler = null)
    {
        _idleTimeout = idleTimeout;
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        _endpoint = new Uri(endpoint.TrimEnd('/') + "/", UriKind.Absolute);
        _token = string.IsNullOrWhiteSpace(token) ? null : token;
        handler ??= new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            AutomaticDecompression = DecompressionMethods.None,
        };
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("traum", "0.1"));
    }

    /// <summary>The endpoint, e.g. https://huggingface.co/.</summary>
    public Uri Endpoint => _endpoint;

    /// <summary>URL of a file: <c>{endpoint}/{repo}/resolve/{revision}/{path}</c>.</summary>
    public Uri ResolveUri(string repo, string revision, string path) =>
        new(_endpoint, $"{repo}/resolve/{Uri.EscapeDataString(revision)}/{EscapePath(path)}");

    /// <summary>Files of one folder of the repository, by path; empty folder "" is the root.</summary>
    public async Task<IReadOnlyDictionary<string, HubFileInfo>> ListTreeAsync(string repo, string revision, string folder, CancellationToken cancellationToken)
    {
        var rel = $"api/models/{repo}/tree/{Uri.EscapeDataString(revision)}" + (folder.Length > 0 ? "/" + EscapePath(folder) : "");
        using var response = await SendAsync(new Uri(_endpoint, rel), HttpMethod.Get, null, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var bodyScope = body.ConfigureAwait(false);
        using var doc = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<string, HubFileInfo>(StringComparer.Ordinal);
        if (doc.RootElement.ValueKind != JsonValueKind.Array) return result;
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            if (!e.TryGetProperty("type", out var type) || type.GetString() != "file") continue;
            if (!e.TryGetProperty("path", out var p) || p.GetString() is not { } path) continue;
            if (e.TryGetProperty("lfs", out var lfs) && lfs.ValueKind == JsonValueKind.Object
                && lfs.TryGetProperty("oid", out var lfsOid) && lfs.TryGetProperty("size", out var lfsSize))
            {
                result[path] = new HubFileInfo(path, lfsSize.GetInt64(), NormalizeHex(lfsOid.GetString()), null);
            }
            else if (e.TryGetProperty("oid", out var oid) && e.TryGetProperty("size", out var size))
            {
                result[path] = new HubFileInfo(path, size.GetInt64(), null, NormalizeHex(oid.GetString()));
            }
        }
        return result;
    }

    /// <summary>
    /// Size and checksum from the headers of a HEAD request on the resolve URL: <c>X-Linked-Etag</c> (the LFS
    /// SHA-256) and <c>X-Linked-Size</c> on LFS files, else <c>ETag</c> (the git blob id) and Content-Length.
    /// </summary>
    public async Task<HubFileInfo?> HeadAsync(string repo, string revision, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, ResolveUri(repo, revision, path));
        AddAuth(request);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (status >= 400) return null;
        var linkedEtag = Header(response, "X-Linked-Etag");
        var linkedSize = Header(response, "X-Linked-Size");
        if (linkedEtag is not null && long.TryParse(linkedSize, NumberStyles.None, CultureInfo.InvariantCulture, out var lsz))
        {
            var sha = NormalizeHex(linkedEtag);
            if (sha is { Length: 64 }) return new HubFileInfo(path, lsz, sha, null);
        }
        var etag = NormalizeHex(Header(response, "ETag"));
        var len = response.Content.Headers.ContentLength;
        if (status < 300 && etag is { Length: 40 } && len is { } l) return new HubFileInfo(path, l, null, etag);
        if (status < 300 && etag is { Length: 64 } && len is { } l2) return new HubFileInfo(path, l2, etag, null);
        return null;
    }

    /// <summary>
    /// Downloads <paramref name="uri"/> into <paramref name="partPath"/>, continuing from its current length with
    /// an HTTP Range request when it exists. Reports the bytes on disk after each block.
    /// </summary>
    /// <exception cref="HttpRequestException">The server refused, failed, or the connection dropped; the part file keeps what arrived.</exception>
    public async Task DownloadAsync(Uri uri, string partPath, long? expectedSize, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var existing = File.Exists(partPath) ? new FileInfo(partPath).Length : 0L;
        if (expectedSize is { } want && existing > want)
        {
            File.Delete(partPath);
            existing = 0;
        }
        if (expectedSize is { } done && existing == done && done > 0)
        {
            progress?.Report(existing);
            return;
        }
        var range = existing > 0 ? new RangeHeaderValue(existing, null) : null;
        using var response = await SendAsync(uri, HttpMethod.Get, range, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // The part file does not fit the remote file (changed upstream or already complete): start over.
            File.Delete(partPath);
            await DownloadAsync(uri, partPath, expectedSize, progress, cancellationToken).ConfigureAwait(false);
            return;
        }
        response.EnsureSuccessStatusCode();
        var append = false;
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            var from = response.Content.Headers.ContentRange?.From;
            if (from != existing)
            {
                throw new HttpRequestException($"the server answered a request for bytes {existing}- with bytes {from}-");
            }
            append = true;
        }
        var written = append ? existing : 0L;
        progress?.Report(written);
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var bodyScope = body.ConfigureAwait(false);
        var file = new FileStream(partPath, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await using var fileScope = file.ConfigureAwait(false);
        var buffer = new byte[1 << 20];
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        while (true)
        {
            int n;
            idle.CancelAfter(_idleTimeout);
            try
            {
                n = await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                await file.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                throw new HttpRequestException($"the connection dropped after {written} bytes ({e.Message})", e);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                await file.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                throw new HttpRequestException($"no data arrived for {_idleTimeout.TotalSeconds:F0} s after {written} bytes", e);
            }
            if (n == 0) break;
            // Write errors (a full disk) are not network errors: they propagate as IOException.
            await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            written += n;
            progress?.Report(written);
        }
        await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (response.Content.Headers.ContentLength is { } len && written != (append ? existing : 0) + len)
        {
            throw new HttpRequestException($"the connection dropped after {written} bytes");
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri uri, HttpMethod method, RangeHeaderValue? range, CancellationToken cancellationToken)
    {
        var current = uri;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, current);
            if (range is not null) request.Headers.Range = range;
            if (current.Host == _endpoint.Host) AddAuth(request);
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            if (code is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
            {
                response.Dispose();
                if (hop >= MaxRedirects) throw new HttpRequestException($"too many redirects from {uri}");
                current = location.IsAbsoluteUri ? location : new Uri(current, location);
                continue;
            }
            return response;
        }
    }

    private void AddAuth(HttpRequestMessage request)
    {
        if (_token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var v) ? v.FirstOrDefault()
        : response.Content.Headers.TryGetValues(name, out var c) ? c.FirstOrDefault() : null;

    /// <summary>Strips quotes and a weak-validator prefix, lower-cases.</summary>
    internal static string? NormalizeHex(string? etag)
    {
        if (string.IsNullOrWhiteSpace(etag)) return null;
        var s = etag.Trim();
        if (s.StartsWith("W/", StringComparison.Ordinal)) s = s[2..];
        s = s.Trim('"');
        return s.ToLowerInvariant();
    }

    private static string EscapePath(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    public void Dispose() => _http.Dispose();
}
