using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Traum.Engine;
using Traum.Engine.Configuration;
using Traum.Server.Api;
using Traum.Server.Components;
using Traum.Server.Hosting;
using Traum.Server.Jobs;
using Traum.Server.Services;

namespace Traum.Server;

/// <summary>Builds the Traum web server: the HTTP API, the background job host and the web UI over one engine.</summary>
public static class TraumServer
{
    /// <summary>Reads <see cref="ServerOptions"/> from the <c>server</c> section of the configuration.</summary>
    public static ServerOptions ReadOptions(TraumContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var o = TraumSettings.Bind<ServerOptions>(context.Configuration, "server");
        if (o.MaxUploadBytes <= 0) throw new Core.InvalidInputException("server:maxUploadBytes must be positive.");
        if (o.EventKeepAlive <= TimeSpan.Zero) throw new Core.InvalidInputException("server:eventKeepAlive must be positive, e.g. 00:00:15.");
        return o;
    }

    /// <summary>
    /// Builds (but does not start) the server for the library of <paramref name="context"/>.
    /// Call <c>RunAsync</c> on the result, or <c>StartAsync</c> in tests.
    /// </summary>
    /// <param name="args">Command-line arguments for the host (usually none).</param>
    /// <param name="context">Settings of this run: the library, catalog and models the server works on.</param>
    /// <param name="options">The server's settings (<see cref="ReadOptions"/>): addresses, limits, workers.</param>
    /// <param name="configure">Optional last word on the services (tests replace engine parts here).</param>
    public static WebApplication Build(string[] args, TraumContext context, ServerOptions options, Action<IServiceCollection>? configure = null) =>
        Build(args, context, options, configure, configureHost: null);

    /// <summary><see cref="Build(string[], TraumContext, ServerOptions, Action{IServiceCollection}?)"/> with a last word on the web host.</summary>
    /// <param name="args">Command-line arguments for the host (usually none).</param>
    /// <param name="context">Settings of this run: the library, catalog and models the server works on.</param>
    /// <param name="options">The server's settings: addresses, limits, workers.</param>
    /// <param name="configure">Optional last word on the services.</param>
    /// <param name="configureHost">
    /// Runs after Kestrel is configured, before the app is built: tests put the app on the in-memory test server here.
    /// Null (every caller outside the tests) keeps Kestrel on <see cref="ServerOptions.Urls"/>.
    /// </param>
    internal static WebApplication Build(string[] args, TraumContext context, ServerOptions options, Action<IServiceCollection>? configure,
        Action<IWebHostBuilder>? configureHost)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(TraumServer).Assembly.GetName().Name,
            EnvironmentName = options.Environment,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseUrls(options.UrlList.ToArray());
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxUploadBytes;
            k.AddServerHeader = false;
        });
        configureHost?.Invoke(builder.WebHost);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Keys live in the library (owner-only folder); the "unencrypted at rest" notice is expected for a local tool.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);

        var services = builder.Services;
        services.AddSingleton(context);
        services.AddSingleton(options);
        services.AddSingleton(context.Time);
        services.AddSingleton(ApiKey.LoadOrCreate(context.LibraryPath, options.AlwaysRequireApiKey));
        services.ConfigureHttpJsonOptions(j => ServerJson.Configure(j.SerializerOptions));
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(context.LibraryPath, "cache", "keys")));
        services.AddProblemDetails();
        // A query value that does not parse (tempo=abc) throws, so the handler can say which parameter and what it takes,
        // instead of the framework's bare 400.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddOpenApi("v1", o =>
        {
            o.ShouldInclude = d => d.RelativePath is { } p && (p.StartsWith("api/", StringComparison.Ordinal) || p == "healthz");
            OpenApiContract.Configure(o);
        });
        if (options.CorsOrigins.Count > 0)
        {
            services.AddCors(c => c.AddDefaultPolicy(p => p.WithOrigins(options.CorsOrigins.ToArray()).AllowAnyHeader().AllowAnyMethod()));
        }

        services.AddSingleton<JobEvents>();
        services.AddSingleton<JobManager>();
        if (options.RunJobs) services.AddHostedService<JobHost>();
        services.AddHostedService(sp => new JobNotificationHost(sp.GetRequiredService<JobManager>(), observeOthers: true));
        services.AddSingleton<Uploads>();
        services.AddSingleton<IngestRoots>();
        services.AddSingleton<LibraryFiles>();
        services.AddSingleton<Waveforms>();
        EngineWiring.Add(services, context);
        configure?.Invoke(services);
        services.AddSingleton(sp => EngineWiring.FeaturesOf(sp));

        services.AddRazorComponents().AddInteractiveServerComponents();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // An address that is no page shows the UI's "Not found" page (status 404); the API keeps answering with problem details.
        app.UseWhen(c => !IsApiPath(c.Request.Path) && HttpMethods.IsGet(c.Request.Method),
            b => b.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
        app.UseRouting(); // after the re-execution, so the "Not found" page is routed
        app.UseMiddleware<RequestGuardMiddleware>();
        app.UseMiddleware<ApiKeyMiddleware>();
        if (options.CorsOrigins.Count > 0) app.UseCors();
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new EmbeddedFileProvider(typeof(TraumServer).Assembly, "Traum.Server.wwwroot"),
        });
        app.UseAntiforgery();

        app.MapOpenApi("/openapi/{documentName}.json");
        SystemEndpoints.Map(app);
        StemEndpoints.Map(app);
        UploadEndpoints.Map(app);
        SearchEndpoints.Map(app);
        ModelEndpoints.Map(app);
        JobEndpoints.Map(app);
        ExportEndpoints.Map(app);
        SignInEndpoints.Map(app);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>
    /// Validates a job exactly as a worker's handler will and queues it in the catalog of <paramref name="context"/>
    /// for any worker or server with that lane (<c>traum ingest --queue</c> and the like). Nothing runs here.
    /// </summary>
    /// <param name="context">Settings of this run (catalog, library, models).</param>
    /// <param name="kind">A <see cref="Jobs.JobKinds"/> value.</param>
    /// <param name="parameters">The kind's parameters record (e.g. <see cref="Jobs.IngestParameters"/>).</param>
    /// <param name="cancellationToken">Stops the validation.</param>
    /// <returns>The queued job.</returns>
    /// <exception cref="Core.InvalidInputException">The parameters are not acceptable.</exception>
    public static async Task<Core.JobInfo> QueueAsync(TraumContext context, string kind, object parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(parameters);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(context);
        services.AddSingleton(ReadOptions(context));
        services.AddSingleton(context.Time);
        services.AddSingleton<JobEvents>();
        services.AddSingleton<JobManager>();
        EngineWiring.Add(services, context);
        var provider = services.BuildServiceProvider();
        await using (provider.ConfigureAwait(false))
        {
            return await provider.GetRequiredService<JobManager>().SubmitAsync(kind, JobParameters.Serialize(parameters), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Builds (but does not start) a worker without HTTP for the library of <paramref name="context"/>: the job
    /// workers of <see cref="ServerOptions.Lanes"/> (all when empty), claiming jobs from the catalog, which on
    /// PostgreSQL any number of workers and servers share. Stop it to end the running jobs (recorded as interrupted).
    /// </summary>
    /// <param name="context">Settings of this run: the library, catalog and models the workers work on.</param>
    /// <param name="options">The worker settings: <see cref="ServerOptions.Lanes"/> and the workers per lane.</param>
    /// <param name="configure">Optional last word on the services (tests replace engine parts here).</param>
    /// <exception cref="Core.InvalidInputException">A lane name is not one of <see cref="ServerOptions.LaneNames"/>.</exception>
    public static IHost BuildWorker(TraumContext context, ServerOptions options, Action<IServiceCollection>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        foreach (var lane in options.Lanes)
        {
            if (!ServerOptions.LaneNames.Contains(lane, StringComparer.OrdinalIgnoreCase))
            {
                throw new Core.InvalidInputException($"There is no lane '{lane}'; the lanes are {string.Join(", ", ServerOptions.LaneNames)}.");
            }
        }
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = typeof(TraumServer).Assembly.GetName().Name,
            EnvironmentName = options.Environment,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        var services = builder.Services;
        services.AddSingleton(context);
        services.AddSingleton(options);
        services.AddSingleton(context.Time);
        services.AddSingleton<JobEvents>();
        services.AddSingleton<JobManager>();
        services.AddHostedService<JobHost>();
        services.AddHostedService(sp => new JobNotificationHost(sp.GetRequiredService<JobManager>(), observeOthers: false));
        EngineWiring.Add(services, context);
        configure?.Invoke(services);
        return builder.Build();
    }

    /// <summary>Paths answered by the API (and machine endpoints), never by UI pages.</summary>
    internal static bool IsApiPath(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/openapi") || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/_framework") || path.StartsWithSegments("/_blazor");

    /// <summary>
    /// Whether the started server demands the API key: it listens on a non-loopback address (as bound, whatever
    /// configured it), or is configured to. Before the server has started this is true.
    /// </summary>
    public static bool RequiresApiKey(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var key = app.Services.GetRequiredService<ApiKey>();
        key.BindFrom(app.Services);
        return key.Required;
    }
}
