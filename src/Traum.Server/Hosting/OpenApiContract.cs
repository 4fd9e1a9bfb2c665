using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Traum.Server.Hosting;

/// <summary>
/// What the OpenAPI document says beyond the endpoints' own declarations: the API key as a security scheme (required
/// when the server demands it, optional on a loopback-only server), the 401 every operation but <c>/healthz</c> can
/// answer, the 403 of state-changing requests from another site, and problem details as the body of every error.
/// </summary>
internal static class OpenApiContract
{
    /// <summary>The security scheme's name in <c>components.securitySchemes</c>.</summary>
    public const string SchemeName = "apiKey";

    /// <summary>The browser's sign-in cookie as a second scheme.</summary>
    public const string CookieSchemeName = "apiKeyCookie";

    public const string ProblemContentType = "application/problem+json";

    /// <summary>Audio types a stem's file can have (<see cref="Services.LibraryFiles.ContentType"/>).</summary>
    public static readonly string[] AudioTypes = ["audio/wav", "audio/flac", "audio/mpeg", "audio/ogg", "audio/aiff", "audio/mp4", "application/octet-stream"];

    /// <summary>Declares problem-details responses with these statuses.</summary>
    public static RouteHandlerBuilder Problems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(statuses);
        foreach (var s in statuses) builder.ProducesProblem(s);
        return builder;
    }

    public static void Configure(OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddDocumentTransformer(TransformAsync);
    }

    private static async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var key = context.ApplicationServices.GetRequiredService<ApiKey>();
        key.BindFrom(context.ApplicationServices);
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = $"The server's API key (64 hex characters, in {ApiKey.FileName} in the library folder) as 'Authorization: Bearer KEY'. "
                + "Required when the server listens on a non-loopback address or server:alwaysRequireApiKey is set; a loopback-only server does not ask for it. "
                + "/healthz never needs it.",
        };
        document.Components.SecuritySchemes[CookieSchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Cookie,
            Name = ApiKey.CookieName,
            Description = "The same key in the HttpOnly cookie the browser gets from signing in at /signin.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        if (!document.Components.Schemas.ContainsKey(nameof(ProblemDetails)))
        {
            document.Components.Schemas[nameof(ProblemDetails)] = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var bearer = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, document)] = [] };
        var cookie = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(CookieSchemeName, document)] = [] };
        // A loopback-only server does not ask for the key: the empty requirement says "or nothing".
        document.Security = key.Required ? [bearer, cookie] : [bearer, cookie, new OpenApiSecurityRequirement()];

        foreach (var (path, item) in document.Paths)
        {
            if (item.Operations is null) continue;
            foreach (var (method, operation) in item.Operations)
            {
                operation.Responses ??= new OpenApiResponses();
                if (path == "/healthz")
                {
                    operation.Security = []; // always open
                }
                else
                {
                    Add(document, operation, StatusCodes.Status401Unauthorized, "The API key is required and was missing or wrong");
                }
                if (method != HttpMethod.Get && method != HttpMethod.Head && method != HttpMethod.Options)
                {
                    Add(document, operation, StatusCodes.Status403Forbidden, "A browser's cross-site request to change the library");
                }
                foreach (var (status, response) in operation.Responses)
                {
                    if (status.Length == 3 && status[0] is '4' or '5' && response is OpenApiResponse r && status != "416") ProblemBody(document, r);
                }
            }
        }
    }

    private static void Add(OpenApiDocument document, OpenApiOperation operation, int status, string description)
    {
        var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(code)) return;
        var response = new OpenApiResponse { Description = description };
        ProblemBody(document, response);
        operation.Responses[code] = response;
    }

    private static void ProblemBody(OpenApiDocument document, OpenApiResponse response)
    {
        response.Content ??= new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal);
        if (response.Content.ContainsKey(ProblemContentType)) return;
        response.Content.Clear();
        response.Content[ProblemContentType] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(nameof(ProblemDetails), document) };
    }
}
