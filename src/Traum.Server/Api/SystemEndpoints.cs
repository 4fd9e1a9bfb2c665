using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Traum.Server.Services;

namespace Traum.Server.Api;

/// <summary>/healthz and /api/features.</summary>
internal static class SystemEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).WithTags("System").WithSummary("Liveness: 200 while the server runs");
        app.MapGet("/api/features", (Features f) => TypedResults.Ok(f)).WithTags("System")
            .WithSummary("Which engine parts this build has (the others answer 503)");
    }
}
