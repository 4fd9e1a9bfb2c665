using System.Net;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Traum.Server.Tests.Api;

/// <summary>The OpenAPI document, read back with Microsoft.OpenApi's reader, tells a generated client every error and the API key.</summary>
public sealed class OpenApiContractTests
{
    /// <summary>
    /// The errors each operation really answers with, from the endpoints' code and the middleware: 400 for malformed
    /// values, 404 for unknown ids, 413/415/422/507 for uploads, 415 for JSON bodies sent as something else, 503 for
    /// engine parts missing from the build. 401 (API key) and 403 (cross-site changes) are checked separately.
    /// </summary>
    private static readonly Dictionary<string, int[]> Expected = new(StringComparer.Ordinal)
    {
        ["GET /healthz"] = [],
        ["GET /api/features"] = [],
        ["GET /api/stems"] = [400, 503],
        ["GET /api/stems/{id}"] = [404, 503],
        ["PATCH /api/stems/{id}"] = [400, 404, 415, 503],
        ["DELETE /api/stems/{id}"] = [404, 503],
        ["GET /api/stems/{id}/audio"] = [404, 503],
        ["GET /api/stems/{id}/peaks"] = [400, 404, 503],
        ["GET /api/stems/{id}/download"] = [400, 404, 503],
        ["POST /api/stems/{id}/tags"] = [400, 404, 415, 503],
        ["GET /api/stems/categories"] = [503],
        ["GET /api/stems/{id}/similar"] = [400, 404, 503],
        ["GET /api/tracks"] = [400, 503],
        ["GET /api/tracks/{id}"] = [404, 503],
        ["GET /api/tracks/{id}/audio"] = [404, 503],
        ["POST /api/uploads/track"] = [400, 413, 415, 422, 503],
        ["POST /api/uploads/stems"] = [400, 413, 415, 422, 503],
        ["POST /api/ingest"] = [400, 404, 415, 503],
        ["GET /api/search"] = [400, 503],
        ["POST /api/search/audio"] = [400, 413, 415, 422, 503],
        ["GET /api/duplicates"] = [400, 503],
        ["GET /api/models"] = [503],
        ["GET /api/models/trained"] = [503],
        ["POST /api/models/trained/{name}/{version}/default"] = [400, 404, 503],
        ["DELETE /api/models/trained/{name}/{version}"] = [404, 503],
        ["POST /api/train"] = [400, 415, 503],
        ["POST /api/generate"] = [400, 415, 503],
        ["GET /api/jobs"] = [400],
        ["GET /api/jobs/{id}"] = [404],
        ["POST /api/jobs/{id}/cancel"] = [404],
        ["POST /api/jobs/{id}/retry"] = [400, 404, 503],
        ["GET /api/jobs/{id}/events"] = [404],
        ["GET /api/jobs/events"] = [],
        ["GET /api/export"] = [400, 404, 503],
        ["POST /api/export"] = [400, 404, 415, 503],
    };

    private static async Task<OpenApiDocument> ReadAsync(TestServerHost host)
    {
        await using var stream = await host.Client.GetStreamAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, TestContext.Current.CancellationToken);
        buffer.Position = 0;
        var result = await OpenApiDocument.LoadAsync(buffer, "json", new OpenApiReaderSettings(), TestContext.Current.CancellationToken);
        Assert.NotNull(result.Document);
        Assert.True(result.Diagnostic is null || result.Diagnostic.Errors.Count == 0,
            string.Join("; ", result.Diagnostic?.Errors.Select(e => e.Message) ?? []));
        return result.Document!;
    }

    private static IEnumerable<(string Key, string Path, HttpMethod Method, OpenApiOperation Operation)> Operations(OpenApiDocument doc) =>
        from p in doc.Paths
        from o in p.Value.Operations ?? []
        select ($"{o.Key.Method} {p.Key}", p.Key, o.Key, o.Value);

    [Fact]
    public async Task Document_EveryOperation_DeclaresItsErrorsAsProblemDetails()
    {
        await using var host = await TestServerHost.StartAsync();
        var doc = await ReadAsync(host);
        var seen = new List<string>();
        foreach (var (key, path, method, op) in Operations(doc))
        {
            seen.Add(key);
            Assert.True(Expected.TryGetValue(key, out var errors), $"{key} is not in the table of expected errors; add it with the statuses it answers.");
            var declared = op.Responses!.Keys.ToHashSet(StringComparer.Ordinal);
            Assert.True(declared.Any(s => s.StartsWith('2')), $"{key} declares no 2xx response");
            var wanted = errors.Select(e => e.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            if (path != "/healthz") wanted.Add("401");
            if (method != HttpMethod.Get) wanted.Add("403");
            foreach (var status in wanted)
            {
                Assert.True(declared.Contains(status), $"{key} does not declare {status}; it declares {string.Join(", ", declared.Order())}");
            }
            foreach (var (status, response) in op.Responses!)
            {
                if (status[0] is not ('4' or '5') || status == "416") continue;
                Assert.True(response.Content?.ContainsKey("application/problem+json") == true, $"{key} {status} is not problem details");
                var schema = response.Content!["application/problem+json"].Schema;
                Assert.NotNull(schema);
                Assert.Contains("detail", schema!.Properties?.Keys ?? []);
            }
        }
        Assert.Empty(Expected.Keys.Except(seen));
    }

    [Fact]
    public async Task Document_AudioEventsAndSuccessBodies_HaveTheirMediaTypes()
    {
        await using var host = await TestServerHost.StartAsync();
        var doc = await ReadAsync(host);
        IDictionary<string, OpenApiMediaType> Content(string path, HttpMethod method, string status) =>
            doc.Paths[path].Operations![method].Responses![status].Content!;
        Assert.Contains("audio/wav", Content("/api/stems/{id}/audio", HttpMethod.Get, "200").Keys);
        Assert.Contains("audio/flac", Content("/api/stems/{id}/audio", HttpMethod.Get, "206").Keys);
        Assert.Equal(["audio/flac", "audio/wav"], Content("/api/stems/{id}/download", HttpMethod.Get, "200").Keys.Order());
        Assert.Contains("text/event-stream", Content("/api/jobs/{id}/events", HttpMethod.Get, "200").Keys);
        Assert.Contains("text/event-stream", Content("/api/jobs/events", HttpMethod.Get, "200").Keys);
        Assert.Contains("application/zip", Content("/api/export", HttpMethod.Get, "200").Keys);
        Assert.Contains("application/zip", Content("/api/export", HttpMethod.Post, "200").Keys);
        Assert.NotNull(Content("/api/stems/{id}", HttpMethod.Get, "200")["application/json"].Schema);
        Assert.NotNull(Content("/api/uploads/track", HttpMethod.Post, "202")["application/json"].Schema);
    }

    [Fact]
    public async Task Document_ServerSchemas_AreDescribed_RequestBodiesFieldByField()
    {
        await using var host = await TestServerHost.StartAsync();
        var doc = await ReadAsync(host);
        // The descriptions come from the records' XML documentation; a client writing a body needs every field's meaning.
        foreach (var name in new[] { "ExportRequest", "IngestRequest", "StemPatch", "TagRequest", "TrainRequest", "GenerateRequest" })
        {
            var schema = doc.Components!.Schemas![name];
            Assert.False(string.IsNullOrWhiteSpace(schema.Description), $"{name} has no description");
            Assert.NotEmpty(schema.Properties!);
            foreach (var (field, property) in schema.Properties!)
            {
                Assert.False(string.IsNullOrWhiteSpace(property.Description), $"{name}.{field} has no description");
            }
        }
        // A <see cref> to a member comes out as "int Type.Member": schemas speak of fields, never of C# declarations.
        var declaration = new System.Text.RegularExpressions.Regex(@"\b(int|long|double|float|string|bool)\?? [A-Z]\w*\.[A-Z]\w*");
        foreach (var name in new[] { "ExportRequest", "IngestRequest", "StemPatch", "TagRequest", "TrainRequest", "GenerateRequest", "StemDetail",
                     "TrackDetail", "CategoryCount", "SearchHit", "DuplicateGroup", "DuplicateMember", "ModelEntry", "TrainedVersion", "Peaks", "Features" })
        {
            Assert.False(string.IsNullOrWhiteSpace(doc.Components!.Schemas![name].Description), $"{name} has no description");
        }
        // Every schema, the engine's and the core's records included.
        foreach (var (name, schema) in doc.Components!.Schemas!)
        {
            foreach (var text in new[] { schema.Description }.Concat(schema.Properties?.Values.Select(p => p.Description) ?? []))
            {
                Assert.False(text is not null && declaration.IsMatch(text), $"{name}: \"{text}\"");
            }
        }
    }

    [Fact]
    public async Task Document_Loopback_DeclaresBearerKeyAsOptional_HealthzOpen()
    {
        await using var host = await TestServerHost.StartAsync();
        var doc = await ReadAsync(host);
        var scheme = doc.Components!.SecuritySchemes!["apiKey"];
        Assert.Equal(SecuritySchemeType.Http, scheme.Type);
        Assert.Equal("bearer", scheme.Scheme);
        var cookie = doc.Components.SecuritySchemes["apiKeyCookie"];
        Assert.Equal(ParameterLocation.Cookie, cookie.In);
        Assert.Equal("traum_key", cookie.Name);
        Assert.Contains(doc.Security!, r => r.Count == 0); // loopback: the key may be left out
        Assert.Contains(doc.Security!, r => r.Keys.Any(k => k.Reference.Id == "apiKey"));
        Assert.Empty(doc.Paths["/healthz"].Operations![HttpMethod.Get].Security!);
    }

    [Fact]
    public async Task Document_NonLoopback_RequiresTheKeyTheServerChecks()
    {
        // socket: the key is required because of the address the server listens on.
        await using var host = await TestServerHost.StartAsync((_, o) => o with { Urls = "http://0.0.0.0:0" }, socket: true);
        var key = (await File.ReadAllTextAsync(Path.Combine(host.Library, "server.key"), TestContext.Current.CancellationToken)).Trim();
        host.Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        var doc = await ReadAsync(host);
        Assert.DoesNotContain(doc.Security!, r => r.Count == 0);
        Assert.Contains(doc.Security!, r => r.Keys.Any(k => k.Reference.Id == "apiKey"));
        // What the document says is what the server does: without the header, 401 with a Bearer challenge.
        host.Client.DefaultRequestHeaders.Authorization = null;
        using var r = await host.Client.GetAsync("/api/stems", TestContext.Current.CancellationToken);
        await ProblemAssert.IsProblemAsync(r, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", r.Headers.WwwAuthenticate.Single().Scheme);
    }
}
