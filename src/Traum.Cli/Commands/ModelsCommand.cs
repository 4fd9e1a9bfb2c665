using System.CommandLine;
using Microsoft.Extensions.Logging;
using Traum.Core;
using Traum.Engine;
using Traum.Engine.Configuration;
using Traum.Models.Clap;
using Traum.Models.Demucs;
using Traum.Models.Store;

namespace Traum.Cli.Commands;

/// <summary><c>traum models list | pull NAME | verify NAME | path NAME</c>: the model store.</summary>
internal static class ModelsCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var cmd = new Command("models", "Pretrained models: list, download (pull), verify, locate");
        cmd.Subcommands.Add(List(globals));
        cmd.Subcommands.Add(Pull(globals));
        cmd.Subcommands.Add(Verify(globals));
        cmd.Subcommands.Add(PathOf(globals));
        return cmd;
    }

    internal static TraumContext Context(ParseResult pr, GlobalOptions globals) => new(globals.Settings(pr));

    private static ModelStore Store(TraumContext ctx) =>
        new(ctx.ModelsPath, logger: ctx.LoggerFactory.CreateLogger<ModelStore>());

    private static Argument<string> NameArgument() => new("name") { Description = "Model name (see `traum models list`), e.g. clap" };

    private static Option<string?> VariantOption(string description) => new("--variant") { Description = description };

    private static Command List(GlobalOptions globals)
    {
        var cmd = new Command("list", "Known models, their variants and which are installed");
        cmd.SetAction(pr =>
        {
            var store = Store(Context(pr, globals));
            var models = store.List();
            if (pr.GetValue(globals.Json))
            {
                Output.Json(models.Select(m => new
                {
                    name = m.Definition.Name,
                    repo = m.Definition.Repo,
                    revision = m.Definition.Revision,
                    description = m.Definition.Description,
                    format = m.Definition.Format,
                    variants = m.Definition.Variants,
                    installed = m.InstalledVariants,
                    folder = m.Folder,
                    files = m.Definition.Files.Select(f => new { path = f.Path, variant = f.Variant, description = f.Description, size = f.Size, sha256 = f.Sha256 }),
                }));
                return 0;
            }
            Output.Table(["name", "repository", "variants (* installed)", "format", "folder", "description"],
                models.Select(m => (IReadOnlyList<string?>)
                [
                    m.Definition.Name,
                    m.Definition.Repo,
                    string.Join(" ", m.Definition.Variants.Select(v => m.InstalledVariants.Contains(v) ? v + "*" : v)),
                    m.Definition.Format ?? "",
                    m.Folder,
                    m.Definition.Description,
                ]));
            Output.Note($"Models folder: {store.ModelsPath} (TRAUM_MODELS). Install one with `traum models pull NAME [--variant V]`.");
            return 0;
        });
        return cmd;
    }

    private static Command Pull(GlobalOptions globals)
    {
        var name = NameArgument();
        var variant = VariantOption("Which variant (default: the model's first, e.g. fp32; CLAP also has quantized and fp16)");
        var cmd = new Command("pull", "Download a model from the Hugging Face hub (HF_ENDPOINT), resuming and checking sizes and SHA-256; reuses files in a local Hugging Face cache")
        {
            name, variant,
        };
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var store = Store(Context(pr, globals));
            var json = pr.GetValue(globals.Json);
            var modelName = pr.GetValue(name)!;
            var def = store.Registry.Get(modelName);
            var v = pr.GetValue(variant) ?? def.DefaultVariant;
            var folder = await Output.WithProgressAsync($"pull {def.Name} ({v})", json,
                (progress, token) => store.PullAsync(def.Name, v, progress, token), ct).ConfigureAwait(false);
            if (json) Output.Json(new { name = def.Name, variant = v, folder });
            else Console.WriteLine($"{def.Name} ({v}) installed in {folder}");
            return 0;
        });
        return cmd;
    }

    private static Command Verify(GlobalOptions globals)
    {
        var name = NameArgument();
        var variant = VariantOption("Check only this variant (default: every installed one; for clap, the configured one)");
        var modelPath = new Option<string?>("--model-path")
        {
            Description = $"Demucs models: check your own export folder (graph(s) + model.json) instead of the store's copy (or set {DemucsKnownModels.PathVariable})",
        };
        var cmd = new Command("verify", "Re-hash installed files against their SHA-256 sums; for clap and demucs also run a self-check (clap: graph inputs/outputs, tokenizer goldens, embeddings of a tone; demucs: graph contract, and that the stems of one generated chunk add up to it)")
        {
            name, variant, modelPath,
        };
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var ctx = Context(pr, globals);
            var store = Store(ctx);
            var json = pr.GetValue(globals.Json);
            var def = store.Registry.Get(pr.GetValue(name)!);
            var rows = new List<(string Check, bool? Ok, string Detail)>();
            var clapOptions = TraumSettings.Bind<ClapOptions>(ctx.Configuration, "models:clap");
            if (pr.GetValue(variant) is { } chosen) clapOptions = clapOptions with { Variant = chosen };
            var isClap = def.Name == ClapModelDefinition.Name;
            var demucs = DemucsKnownModels.All.FirstOrDefault(m => string.Equals(m.StoreName, def.Name, StringComparison.OrdinalIgnoreCase));
            var demucsPath = demucs is null ? null : DemucsPath(pr.GetValue(modelPath), ctx);
            ClapModelFiles? clapFiles = null;
            if (isClap) clapFiles = ClapModelLocator.Locate(clapOptions, store);
            if (demucsPath is not null)
            {
                rows.Add(("sha256", null, $"files come from {demucsPath}, not the store"));
            }
            else if (!isClap || clapFiles!.Source == ClapModelSource.Store)
            {
                var checks = await Output.WithProgressAsync($"verify {def.Name}", json,
                    (progress, token) => store.VerifyAsync(def.Name, isClap ? clapOptions.Variant : pr.GetValue(variant), progress, token), ct).ConfigureAwait(false);
                rows.AddRange(checks.Select(c => ($"sha256 {c.Path}", (bool?)c.Ok, c.Ok ? "matches" : c.Problem ?? "")));
            }
            if (clapFiles is not null)
            {
                if (clapFiles.Source != ClapModelSource.Store)
                {
                    rows.Add(("sha256", null, $"skipped: files come from {clapFiles.Origin}, not the store"));
                }
                rows.AddRange(ClapSelfCheck.Run(clapFiles, clapOptions, ct).Select(r => (r.Name, r.Passed, r.Detail)));
            }
            if (demucs is not null)
            {
                var (folder, manifest) = DemucsKnownModels.Resolve(def.Name, demucsPath, ctx.ModelsPath);
                if (demucsPath is null && pr.GetValue(variant) is { } v
                    && demucs.Variants.FirstOrDefault(x => string.Equals(x.Name, v, StringComparison.OrdinalIgnoreCase)) is { } chosenVariant
                    && !File.Exists(Path.Combine(folder, DemucsManifest.FileName)))
                {
                    manifest = demucs.ManifestFor(chosenVariant);
                }
                rows.AddRange(DemucsSelfCheck.Run(folder, manifest, new DemucsOptions(), ct).Select(r => (r.Name, r.Passed, r.Detail)));
            }
            var failed = rows.Count(r => r.Ok == false);
            if (json)
            {
                Output.Json(new { name = def.Name, ok = failed == 0, checks = rows.Select(r => new { check = r.Check, ok = r.Ok, detail = r.Detail }) });
            }
            else
            {
                Output.Table(["check", "result", "detail"], rows.Select(r => (IReadOnlyList<string?>)[r.Check, r.Ok switch { true => "ok", false => "FAILED", null => "skipped" }, r.Detail]));
            }
            if (failed > 0)
            {
                if (demucsPath is not null)
                {
                    throw new ModelNotFoundException($"{failed} check(s) of the Demucs export in {demucsPath} failed (see the table); fix its model.json or re-export it (docs/separation.md).");
                }
                throw new ModelNotFoundException($"{failed} check(s) of model '{def.Name}' failed; reinstall with `{ModelStore.PullCommand(def, isClap ? clapOptions.Variant : null)}`.");
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>A user's own Demucs folder: the flag, else TRAUM_DEMUCS_MODEL, else the models:demucs:path setting; null for the store.</summary>
    private static string? DemucsPath(string? flag, TraumContext ctx)
    {
        if (!string.IsNullOrWhiteSpace(flag)) return Path.GetFullPath(flag);
        if (Environment.GetEnvironmentVariable(DemucsKnownModels.PathVariable) is { Length: > 0 } env) return Path.GetFullPath(env);
        return ctx.Configuration["models:demucs:path"] is { Length: > 0 } configured ? Path.GetFullPath(configured) : null;
    }

    private static Command PathOf(GlobalOptions globals)
    {
        var name = NameArgument();
        var cmd = new Command("path", "Print the folder of a model as the commands that use it find it (TRAUM_CLAP_MODEL / models:clap:path, TRAUM_DEMUCS_MODEL / models:demucs:path, else the store)") { name };
        cmd.SetAction(pr =>
        {
            var ctx = Context(pr, globals);
            var store = Store(ctx);
            var def = store.Registry.Get(pr.GetValue(name)!);
            // The same search as the commands that load the model: an explicit folder first.
            string? own = null;
            if (def.Name == ClapModelDefinition.Name)
            {
                var options = TraumSettings.Bind<ClapOptions>(ctx.Configuration, "models:clap");
                if (!string.IsNullOrWhiteSpace(options.Path) || Environment.GetEnvironmentVariable(ClapModelLocator.PathVariable) is { Length: > 0 })
                {
                    own = Path.GetDirectoryName(Path.GetFullPath(ClapModelLocator.Locate(options, store).PreprocessorConfig));
                }
            }
            else if (DemucsKnownModels.All.Any(m => m.StoreName == def.Name) && DemucsPath(null, ctx) is { } demucs)
            {
                own = DemucsKnownModels.Resolve(def.Name, demucs, ctx.ModelsPath).Folder;
            }
            if (own is not null)
            {
                if (pr.GetValue(globals.Json)) Output.Json(new { name = def.Name, folder = own, source = "explicit" });
                else Console.WriteLine(own);
                return 0;
            }
            var installed = store.InstalledVariants(def);
            if (installed.Count == 0)
            {
                throw new ModelNotFoundException($"Model '{def.Name}' is not installed in {store.FolderOf(def.Name)}. Run `{ModelStore.PullCommand(def)}`.");
            }
            var folder = store.FolderOf(def.Name);
            if (pr.GetValue(globals.Json)) Output.Json(new { name = def.Name, folder, installed });
            else Console.WriteLine(folder);
            return 0;
        });
        return cmd;
    }
}
