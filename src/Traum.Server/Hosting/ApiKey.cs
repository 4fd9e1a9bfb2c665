using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Traum.Server.Hosting;

/// <summary>
/// The server's API key: 32 random bytes (hex), made on first run with <see cref="RandomNumberGenerator"/>
/// and kept in <c>LIBRARY/server.key</c> readable by the owner only (0600).
/// </summary>
internal sealed class ApiKey
{
    public const string FileName = "server.key";
    public const string CookieName = "traum_key";

    private readonly byte[] _key;

    private readonly bool _alwaysRequired;
    private volatile int _bound; // 0 not known yet, 1 loopback only, 2 some other address

    private ApiKey(string value, bool alwaysRequired)
    {
        Value = value;
        _alwaysRequired = alwaysRequired;
        _key = Encoding.UTF8.GetBytes(value);
    }

    /// <summary>The key, as clients send it after "Bearer ".</summary>
    public string Value { get; }

    /// <summary>
    /// Whether requests must carry the key: when configured, or when the server listens on any address that is not
    /// loopback. Decided from the addresses Kestrel actually bound (configuration such as
    /// <c>Kestrel__Endpoints__Http__Url</c> can override <c>server:urls</c>), and until they are known it is required.
    /// </summary>
    public bool Required => _alwaysRequired || _bound != 1;

    /// <summary>True when the bound addresses are known and all loopback.</summary>
    public bool LoopbackOnly => _bound == 1;

    /// <summary>Records the addresses the server listens on (after it started).</summary>
    public void Bind(IReadOnlyCollection<string> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        if (addresses.Count == 0) return;
        _bound = AllLoopback(addresses) ? 1 : 2;
    }

    /// <summary>Takes the bound addresses from the running server if they are not known yet.</summary>
    public void BindFrom(IServiceProvider services)
    {
        if (_bound != 0) return;
        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is not null) Bind(addresses.ToList());
    }

    /// <summary>Reads the key from the library, creating it (0600) if missing.</summary>
    /// <param name="libraryPath">The library folder.</param>
    /// <param name="required">Require the key whatever the addresses are (otherwise: only off loopback).</param>
    public static ApiKey LoadOrCreate(string libraryPath, bool required)
    {
        Directory.CreateDirectory(libraryPath);
        var path = Path.Combine(libraryPath, FileName);
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.Length >= 32) return new ApiKey(existing, required);
        }
        var value = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var tmp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var fs = new FileStream(tmp, options))
        {
            fs.Write(Encoding.UTF8.GetBytes(value + "\n"));
        }
        File.Move(tmp, path, overwrite: true);
        return new ApiKey(value, required);
    }

    /// <summary>True when every address in <paramref name="urls"/> is a loopback address.</summary>
    public static bool AllLoopback(IEnumerable<string> urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        foreach (var url in urls)
        {
            if (!TryHost(url, out var host)) return false;
            if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) continue;
            if (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)) continue;
            return false;
        }
        return true;
    }

    private static bool TryHost(string url, out string host)
    {
        host = "";
        var i = url.IndexOf("://", StringComparison.Ordinal);
        if (i < 0) return false;
        var rest = url[(i + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0) rest = rest[..slash];
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return false;
            host = rest[..(close + 1)];
            return true;
        }
        var colon = rest.LastIndexOf(':');
        host = colon >= 0 ? rest[..colon] : rest;
        return host.Length > 0;
    }

    /// <summary>Constant-time check of a presented key.</summary>
    public bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key);

    /// <summary>The key a request carries: <c>Authorization: Bearer KEY</c>, or the UI's cookie.</summary>
    public static string? Presented(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var auth = request.Headers.Authorization.ToString();
        if (auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return auth["Bearer ".Length..].Trim();
        return request.Cookies.TryGetValue(CookieName, out var c) ? c : null;
    }
}

/// <summary>Rejects requests without the key when one is required. <c>/healthz</c> and the sign-in page stay open.</summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ApiKey key)
{
    public async Task InvokeAsync(HttpContext context)
    {
        key.BindFrom(context.RequestServices);
        // A connection that arrived on another interface needs the key even if the address list said loopback.
        var local = context.Connection.LocalIpAddress;
        var required = key.Required || (local is not null && !IPAddress.IsLoopback(local));
        if (!required || IsOpen(context.Request.Path) || key.Matches(ApiKey.Presented(context.Request)))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        var api = context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/openapi");
        if (!api && HttpMethods.IsGet(context.Request.Method))
        {
            context.Response.Redirect("/signin?returnUrl=" + Uri.EscapeDataString(context.Request.Path + context.Request.QueryString));
            return;
        }
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "API key required",
            detail: $"This server listens on a non-loopback address. Send 'Authorization: Bearer KEY' with the key from {ApiKey.FileName} in the library folder.")
            .ExecuteAsync(context).ConfigureAwait(false);
    }

    private static bool IsOpen(PathString path) =>
        path.Equals("/healthz", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/signin", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/app.css") || path.StartsWithSegments("/favicon.svg");
}
