using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Traum.Core;
using Traum.Engine.Ingest;
using Traum.Engine.Jobs;
using Traum.Engine.StemGeneration;
using Traum.Generative;

namespace Traum.Cli.Commands;

/// <summary><c>traum generate</c>: new stems from trained VAEs, ingested with their lineage.</summary>
internal static class GenerateCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var d = new GenerationRequest();
        var category = new Option<string?>("--category", "-c") { Description = "Model (category) to generate with" };
        var version = new Option<string?>("--version") { Description = "Model version (default: the newest good one)" };
        var mode = new Option<string>("--mode", "-m") { Description = "random, interpolate, hybrid (mutations of real stems) or blend (two categories, with --with)", DefaultValueFactory = _ => "random" };
        var count = new Option<int>("--count", "-n") { Description = "Number of stems (random, hybrid, blend, all)", DefaultValueFactory = _ => d.Count };
        var temperature = new Option<double>("--temperature", "-t") { Description = "Latents from N(0, t²I)", DefaultValueFactory = _ => d.Temperature };
        var steps = new Option<int>("--steps") { Description = "Points on an interpolation path, endpoints included", DefaultValueFactory = _ => d.Steps };
        var linear = new Option<bool>("--linear") { Description = "Linear rather than spherical interpolation" };
        var from = new Option<long?>("--from") { Description = "Interpolation start stem id" };
        var to = new Option<long?>("--to") { Description = "Interpolation end stem id" };
        var noise = new Option<double>("--noise") { Description = "Noise scale of hybrid mutations", DefaultValueFactory = _ => d.HybridNoise };
        var seed = new Option<int?>("--seed") { Description = "Seed (default: from the clock; recorded either way)" };
        var iters = new Option<int>("--griffin-lim-iters") { Description = "Fast Griffin-Lim iterations", DefaultValueFactory = _ => d.GriffinLimIterations };
        var phase = new Option<string>("--phase") { Description = "griffin-lim or random", DefaultValueFactory = _ => "griffin-lim" };
        var with = new Option<string?>("--with") { Description = "Second model of --mode blend (the same seeds decoded by both, log-magnitudes mixed)" };
        var mix = new Option<double>("--mix") { Description = "Share of the second model in a blend", DefaultValueFactory = _ => d.Mix };
        var seconds = new Option<string?>("--seconds") { Description = "Output length (e.g. 4s; default: the material's length)" };
        var bars = new Option<int?>("--bars") { Description = "Output length in 4/4 bars at the material's tempo" };
        var all = new Option<bool>("--all") { Description = "A batch from every trained model" };

        var queue = QueueSupport.Option();
        var cmd = new Command("generate", "Generate new stems with trained VAEs; they are ingested into the library with their lineage");
        foreach (var o in new Option[] { category, version, mode, count, temperature, steps, linear, from, to, noise, seed, iters, phase, with, mix, seconds, bars, all, queue })
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var json = pr.GetValue(globals.Json);
            var request = new GenerationRequest
            {
                Category = pr.GetValue(category),
                Version = pr.GetValue(version),
                Mode = ParseMode(pr.GetValue(mode)!),
                Count = pr.GetValue(count),
                Temperature = pr.GetValue(temperature),
                Steps = pr.GetValue(steps),
                Spherical = !pr.GetValue(linear),
                FromStemId = pr.GetValue(from),
                ToStemId = pr.GetValue(to),
                HybridNoise = pr.GetValue(noise),
                Seed = pr.GetValue(seed),
                GriffinLimIterations = pr.GetValue(iters),
                Phase = ParsePhase(pr.GetValue(phase)!),
                BlendWith = pr.GetValue(with),
                Mix = pr.GetValue(mix),
                Seconds = pr.GetValue(seconds) is { } sec ? GenerativeCommandSupport.ParseSeconds(sec, "--seconds") : null,
                Bars = pr.GetValue(bars),
            };
            var everything = pr.GetValue(all);
            if (everything && (request.Category is not null || request.BlendWith is not null)) throw new InvalidInputException("--all generates with every model; leave out --category and --with.");
            if (!everything) request.Validate();
            if (pr.GetValue(queue))
            {
                // The fields of a generation job (POST /api/generate); interpolation paths have --count points there.
                QueueSupport.Reject(pr, temperature, steps, linear, iters, all);
                var interpolate = request.Mode == GenerationMode.Interpolate;
                if (interpolate && (request.FromStemId is null || request.ToStemId is null)) throw new InvalidInputException("--mode interpolate needs --from and --to.");
                return await QueueSupport.SubmitAsync(pr, globals, Server.Jobs.JobKinds.Generate,
                    new Server.Jobs.GenerateRequest(request.Category!, request.Mode.ToString().ToLowerInvariant(), request.Count, request.Seed,
                        interpolate ? [request.FromStemId!.Value, request.ToStemId!.Value] : null, request.BlendWith,
                        request.HybridNoise, request.Phase == PhaseMode.Random ? "random" : "griffinlim", request.Mix, request.Version, request.Seconds, request.Bars), ct).ConfigureAwait(false);
            }

            var context = LibraryCommandSupport.Context(pr, globals);
            using var library = LibraryCommandSupport.Open(context, json);
            using var engine = LibraryCommandSupport.Engine(context, library);
            var runner = engine.GetRequiredService<JobRunner>();
            var service = engine.GetRequiredService<GenerativeService>();
            var label = everything ? "all models" : request.BlendWith is { } w ? $"{request.Category}+{w}" : request.Category!;
            var made = await Output.WithProgressAsync($"generate {label}", json, (progress, token) =>
                runner.RunAsync("generate", new { request, all = everything }, job => Task.Run(() =>
                    everything
                        ? service.GenerateAll(request, job.Progress, job.CancellationToken).SelectMany(kv => kv.Value).ToList()
                        : service.Generate(request, job.Progress, job.CancellationToken), job.CancellationToken),
                    progress, token), ct).ConfigureAwait(false);
            await LibraryCommandSupport.RefreshPercentilesAsync(engine, made.Count, ct).ConfigureAwait(false);
            Print(made, json);
            return 0;
        });
        return cmd;
    }

    private static GenerationMode ParseMode(string text) => text.Trim().ToLowerInvariant() switch
    {
        "random" => GenerationMode.Random,
        "interpolate" or "interpolation" => GenerationMode.Interpolate,
        "hybrid" => GenerationMode.Hybrid,
        "blend" => GenerationMode.Blend,
        _ => throw new InvalidInputException($"Unknown --mode '{text}'; use random, interpolate, hybrid or blend."),
    };

    private static PhaseMode ParsePhase(string text) => text.Trim().ToLowerInvariant() switch
    {
        "griffin-lim" or "griffinlim" or "gl" => PhaseMode.GriffinLim,
        "random" => PhaseMode.Random,
        _ => throw new InvalidInputException($"Unknown --phase '{text}'; use griffin-lim or random."),
    };

    private static void Print(IReadOnlyList<GeneratedStem> made, bool json)
    {
        if (json)
        {
            Output.Json(made.Select(g => new
            {
                id = g.Stem.Id,
                name = g.Stem.Name,
                category = g.Stem.Category,
                path = g.Stem.FilePath,
                duration = g.Stem.Duration,
                generation = g.Lineage.Id,
                model = g.Lineage.ModelCategory,
                version = g.Lineage.ModelVersion,
                mode = g.Lineage.Mode,
                seed = g.Lineage.Seed,
                parents = g.Lineage.ParentStemIds,
                parameters = g.Lineage.ParametersJson is { } pj ? System.Text.Json.JsonDocument.Parse(pj).RootElement.Clone() : (System.Text.Json.JsonElement?)null,
            }));
            return;
        }
        Output.Table(["id", "name", "model", "mode", "seed", "parents", "seconds"],
            made.Select(g => (IReadOnlyList<string?>)
            [
                g.Stem.Id.ToString(CultureInfo.InvariantCulture), g.Stem.Name, $"{g.Lineage.ModelCategory}/{g.Lineage.ModelVersion}", g.Lineage.Mode,
                g.Lineage.Seed?.ToString(CultureInfo.InvariantCulture), string.Join(',', g.Lineage.ParentStemIds),
                g.Stem.Duration.ToString("0.00", CultureInfo.InvariantCulture),
            ]));
    }
}
