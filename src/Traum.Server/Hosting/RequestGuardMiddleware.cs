using Microsoft.AspNetCore.Http;

namespace Traum.Server.Hosting;

/// <summary>
/// Keeps web pages on other sites from driving the server through the user's browser:
/// <list type="bullet">
/// <item>a loopback-only server answers only Host headers that name it (localhost, 127.0.0.1, [::1] or
/// <see cref="ServerOptions.AllowedHosts"/>), the precondition of DNS rebinding;</item>
/// <item>a state-changing request (any method but GET, HEAD, OPTIONS, and the UI's WebSocket) that carries an
/// <c>Origin</c> must come from the server's own origin or a configured CORS origin; browsers always send
/// <c>Origin</c> on cross-site requests, while command-line clients send none and are not affected.</item>
/// </list>
/// </summary>
internal sealed class RequestGuardMiddleware(RequestDelegate next, ApiKey key, ServerOptions options)
{
    private readonly HashSet<string> _hosts = new(
        ["localhost", "127.0.0.1", "[::1]", "::1", .. options.AllowedHosts.Select(h => h.Trim())], StringComparer.OrdinalIgnoreCase);

    private readonly HashSet<string> _origins = new(options.CorsOrigins.Select(o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);

    public async Task InvokeAsync(HttpContext context)
    {
        key.BindFrom(context.RequestServices);
        var request = context.Request;
        if (key.LoopbackOnly && !HostAllowed(request.Host))
        {
            await Refuse(context, StatusCodes.Status421MisdirectedRequest, "Unknown host",
                $"This server answers to localhost only; '{request.Host.Host}' is not one of its names. Add it to server:allowedHosts in traum.json if it should be.")
                .ConfigureAwait(false);
            return;
        }
        if (ChangesState(context) && !OriginAllowed(request))
        {
            await Refuse(context, StatusCodes.Status403Forbidden, "Cross-site request refused",
                "Requests that change the library must come from the Traum web UI itself (same origin) or an origin in server:corsOrigins.")
                .ConfigureAwait(false);
            return;
        }
        await next(context).ConfigureAwait(false);
    }

    private bool HostAllowed(HostString host) => host.HasValue && _hosts.Contains(host.Host);

    private static bool ChangesState(HttpContext context)
    {
        var m = context.Request.Method;
        if (HttpMethods.IsGet(m)) return context.WebSockets.IsWebSocketRequest; // the UI's circuit acts on the library
        return !(HttpMethods.IsHead(m) || HttpMethods.IsOptions(m));
    }

    private bool OriginAllowed(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            // No Origin: not a cross-site browser request, unless the browser says so.
            return !string.Equals(request.Headers["Sec-Fetch-Site"].ToString(), "cross-site", StringComparison.OrdinalIgnoreCase);
        }
        if (_origins.Contains(origin.TrimEnd('/'))) return true;
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var o)) return false;
        var own = $"{request.Scheme}://{request.Host.Value}";
        return Uri.TryCreate(own, UriKind.Absolute, out var self)
            && string.Equals(o.Scheme, self.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(o.Host, self.Host, StringComparison.OrdinalIgnoreCase)
            && o.Port == self.Port;
    }

    private static Task Refuse(HttpContext context, int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context);
}
