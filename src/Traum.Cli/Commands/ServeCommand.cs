using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Traum.Engine;
using Traum.Engine.Configuration;
using Traum.Server;

namespace Traum.Cli.Commands;

/// <summary><c>traum serve</c>: the HTTP API and web UI over the library.</summary>
internal static class ServeCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on, ';'-separated (default http://127.0.0.1:5170; any non-loopback address requires the API key)" };
        var roots = new Option<string[]>("--ingest-root") { Description = "A server-side folder that POST /api/ingest may read (repeatable)", AllowMultipleArgumentsPerToken = false };
        var noWorker = new Option<bool>("--no-worker") { Description = "Only queue jobs in the catalog; 'traum worker' processes sharing it run them" };
        var cmd = new Command("serve", "Run the HTTP API and the web UI") { urls, roots, noWorker };
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var flags = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (pr.GetValue(urls) is { Length: > 0 } u) flags["server:urls"] = u;
            if (pr.GetValue(noWorker)) flags["server:runJobs"] = "false";
            var rootValues = pr.GetValue(roots) ?? [];
            for (var i = 0; i < rootValues.Length; i++) flags[$"server:ingestRoots:{i}"] = Path.GetFullPath(rootValues[i]);
            var context = new TraumContext(globals.Settings(pr, flags));
            var options = TraumServer.ReadOptions(context);
            await using var app = TraumServer.Build([], context, options);
            try
            {
                await app.StartAsync(ct).ConfigureAwait(false);
            }
            catch (IOException e) when (e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase) || e.InnerException is System.Net.Sockets.SocketException)
            {
                throw new Core.InvalidInputException($"Cannot listen on {options.Urls}: the port is in use (another traum serve?). Pass another address with --urls http://127.0.0.1:PORT.", e);
            }
            catch (Exception e) when (e is FormatException or UriFormatException or ArgumentException or InvalidOperationException && e.Message.Contains("url", StringComparison.OrdinalIgnoreCase)
                || e is FormatException or UriFormatException)
            {
                throw new Core.InvalidInputException($"'{options.Urls}' is not an address to listen on ({e.Message}); use a URL such as http://127.0.0.1:5170.", e);
            }
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var a in addresses) Output.Note($"traum: serving {context.LibraryPath} on {a}");
            if (TraumServer.RequiresApiKey(app)) Output.Note($"traum: API key required (Authorization: Bearer …); it is in {Path.Combine(context.LibraryPath, "server.key")}");
            Output.Note("traum: press Ctrl-C to stop");
            try
            {
                await app.WaitForShutdownAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C: stop below.
            }
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return 0;
        });
        return cmd;
    }
}
