using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Traum.Server.Hosting;

namespace Traum.Server.Api;

/// <summary>/signin: a page where a browser enters the API key once; it is kept in an HttpOnly, SameSite=Strict cookie.</summary>
internal static class SignInEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/signin", (string? returnUrl, string? error) => Results.Content(Page(LocalOnly(returnUrl), error is not null), "text/html; charset=utf-8"))
            .ExcludeFromDescription();
        app.MapPost("/signin", async (HttpRequest request, ApiKey key) =>
        {
            var form = await request.ReadFormAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
            var returnUrl = LocalOnly(form["returnUrl"]);
            if (!key.Matches(form["key"].ToString().Trim()))
            {
                return Results.Redirect("/signin?error=1&returnUrl=" + Uri.EscapeDataString(returnUrl));
            }
            request.HttpContext.Response.Cookies.Append(ApiKey.CookieName, key.Value, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = request.IsHttps,
                MaxAge = TimeSpan.FromDays(30),
            });
            return Results.Redirect(returnUrl);
        }).ExcludeFromDescription().DisableAntiforgery();
    }

    /// <summary>Only local paths ("/x"), never "//host" or "http://…", so the page cannot redirect elsewhere.</summary>
    private static string LocalOnly(string? url) =>
        url is { Length: > 0 } u && u[0] == '/' && (u.Length == 1 || (u[1] != '/' && u[1] != '\\')) ? u : "/";

    private static string Page(string returnUrl, bool error) => $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Sign in · Traum</title><link rel="stylesheet" href="/app.css"></head>
        <body class="signin"><main class="signin-card">
        <h1>Traum</h1>
        <p>This server is reachable from the network, so it asks for its API key. The key is in <code>server.key</code> in the library folder.</p>
        {{(error ? "<p class=\"error\" role=\"alert\">That key is not right.</p>" : "")}}
        <form method="post" action="/signin">
        <input type="hidden" name="returnUrl" value="{{WebUtility.HtmlEncode(returnUrl)}}">
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
        <button type="submit" class="primary">Sign in</button>
        </form></main></body></html>
        """;
}
