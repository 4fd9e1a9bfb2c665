using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Traum.Models.Tests.Store;

/// <summary>
/// A minimal Hugging Face hub on 127.0.0.1 for tests: the tree API, resolve URLs (optionally redirecting to a
/// "CDN" path as the real hub does for LFS files), HTTP Range, and faults (drop the connection after N bytes,
/// serve corrupt bytes, hide the tree API).
/// </summary>
internal sealed class FakeHub : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly Dictionary<string, Entry> _files = new(StringComparer.Ordinal);

    public FakeHub(string repo)
    {
        Repo = repo;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Repo { get; }

    public string Endpoint { get; }

    /// <summary>Every request seen: method, path, Range header.</summary>
    public ConcurrentQueue<(string Method, string Path, string? Range)> Requests { get; } = new();

    /// <summary>Answer 404 on the tree API (so clients must fall back to the resolve headers).</summary>
    public bool TreeApiDisabled { get; set; }

    /// <summary>Redirect resolve requests of LFS files to /cdn/{sha} (like the real hub).</summary>
    public bool RedirectLfs { get; set; } = true;

    public sealed class Entry
    {
        public required byte[] Content { get; init; }
        public required bool Lfs { get; init; }
        /// <summary>Bytes actually served (defaults to Content): lets a test serve corrupt data.</summary>
        public byte[]? Served { get; set; }
        /// <summary>Drop the connection after this many bytes on the next full (non-Range) GET; cleared once used.</summary>
        public int? DropAfter { get; set; }
        /// <summary>Stop sending (but keep the connection open) after this many bytes on the next full GET; cleared once used.</summary>
        public int? StallAfter { get; set; }
        public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Content));
        public string GitSha1 => GitBlobId(Content);
    }

    public Entry Add(string path, byte[] content, bool lfs)
    {
        var e = new Entry { Content = content, Lfs = lfs };
        lock (_files) _files[path] = e;
        return e;
    }

    /// <summary>Git's blob id, computed independently of the code under test.</summary>
    public static string GitBlobId(byte[] content)
    {
        var header = Encoding.ASCII.GetBytes($"blob {content.Length}\0");
#pragma warning disable CA5350
        return Convert.ToHexStringLower(SHA1.HashData([.. header, .. content]));
#pragma warning restore CA5350
    }

    public int CountGets(string path) => Requests.Count(r => r.Method == "GET" && (r.Path.EndsWith("/" + path, StringComparison.Ordinal) || r.Path.StartsWith("/cdn/", StringComparison.Ordinal) && CdnPath(r.Path) == path));

    private string? CdnPath(string urlPath)
    {
        lock (_files) return _files.FirstOrDefault(kv => "/cdn/" + kv.Value.Sha256 == urlPath).Key;
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(ctx));
        }
    }

    private async Task HandleAsync(HttpListenerContext ctx)
    {
        var req = ctx.Request;
        var res = ctx.Response;
        var path = Uri.UnescapeDataString(req.Url!.AbsolutePath);
        Requests.Enqueue((req.HttpMethod, path, req.Headers["Range"]));
        try
        {
            var treePrefix = $"/api/models/{Repo}/tree/main";
            var resolvePrefix = $"/{Repo}/resolve/main/";
            if (path.StartsWith(treePrefix, StringComparison.Ordinal))
            {
                if (TreeApiDisabled)
                {
                    res.StatusCode = 404;
                    res.Close();
                    return;
                }
                var dir = path[treePrefix.Length..].Trim('/');
                List<object> items;
                lock (_files)
                {
                    items = _files.Where(kv => (kv.Key.Contains('/') ? kv.Key[..kv.Key.LastIndexOf('/')] : "") == dir)
                        .Select(kv => kv.Value.Lfs
                            ? (object)new { type = "file", oid = kv.Value.GitSha1, size = 134, path = kv.Key, lfs = new { oid = kv.Value.Sha256, size = kv.Value.Content.Length, pointerSize = 134 } }
                            : new { type = "file", oid = kv.Value.GitSha1, size = kv.Value.Content.Length, path = kv.Key })
                        .ToList();
                }
                await WriteAsync(res, 200, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(items)), "application/json");
                return;
            }
            Entry? entry = null;
            string? filePath = null;
            if (path.StartsWith(resolvePrefix, StringComparison.Ordinal))
            {
                filePath = path[resolvePrefix.Length..];
                lock (_files) _files.TryGetValue(filePath, out entry);
                if (entry is null)
                {
                    res.StatusCode = 404;
                    res.Close();
                    return;
                }
                if (entry.Lfs)
                {
                    res.Headers["X-Linked-Etag"] = $"\"{entry.Sha256}\"";
                    res.Headers["X-Linked-Size"] = entry.Content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (RedirectLfs)
                    {
                        res.StatusCode = 302;
                        res.RedirectLocation = "/cdn/" + entry.Sha256;
                        res.Close();
                        return;
                    }
                }
                else
                {
                    res.Headers["ETag"] = $"\"{entry.GitSha1}\"";
                }
            }
            else if (path.StartsWith("/cdn/", StringComparison.Ordinal))
            {
                filePath = CdnPath(path);
                if (filePath is not null) lock (_files) entry = _files[filePath];
            }
            if (entry is null)
            {
                res.StatusCode = 404;
                res.Close();
                return;
            }
            var data = entry.Served ?? entry.Content;
            if (req.HttpMethod == "HEAD")
            {
                res.ContentLength64 = data.Length;
                res.StatusCode = 200;
                res.Close();
                return;
            }
            var range = req.Headers["Range"];
            var from = 0;
            if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal))
            {
                from = int.Parse(range["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
                if (from >= data.Length)
                {
                    res.StatusCode = 416;
                    res.Close();
                    return;
                }
                res.StatusCode = 206;
                res.Headers["Content-Range"] = $"bytes {from}-{data.Length - 1}/{data.Length}";
            }
            else
            {
                res.StatusCode = 200;
            }
            res.ContentLength64 = data.Length - from;
            if (entry.DropAfter is { } drop && range is null)
            {
                entry.DropAfter = null;
                await res.OutputStream.WriteAsync(data.AsMemory(0, drop));
                await res.OutputStream.FlushAsync();
                await Task.Delay(50);
                res.Abort();
                return;
            }
            if (entry.StallAfter is { } stall && range is null)
            {
                entry.StallAfter = null;
                await res.OutputStream.WriteAsync(data.AsMemory(0, stall));
                await res.OutputStream.FlushAsync();
                await Task.Delay(TimeSpan.FromSeconds(10));
                res.Abort();
                return;
            }
            await res.OutputStream.WriteAsync(data.AsMemory(from));
            res.Close();
        }
        catch (Exception) when (!_listener.IsListening)
        {
        }
        catch (HttpListenerException)
        {
        }
    }

    private static async Task WriteAsync(HttpListenerResponse res, int status, byte[] body, string contentType)
    {
        res.StatusCode = status;
        res.ContentType = contentType;
        res.ContentLength64 = body.Length;
        await res.OutputStream.WriteAsync(body);
        res.Close();
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _ = _loop;
    }
}
