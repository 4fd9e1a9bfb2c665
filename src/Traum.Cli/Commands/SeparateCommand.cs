using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Traum.Core;
using Traum.Engine;
using Traum.Engine.Configuration;
using Traum.Engine.Separation;
using Traum.Models.Demucs;

namespace Traum.Cli.Commands;

/// <summary><c>traum separate FILE|FOLDER...</c>: split tracks into stems with Demucs.</summary>
internal static class SeparateCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var paths = new Argument<string[]>("paths") { Description = "Audio files or folders (searched recursively)", Arity = ArgumentArity.OneOrMore };
        var model = new Option<string>("--model") { Description = "Demucs model: htdemucs (4 stems), htdemucs_6s (6 stems), htdemucs_ft (4 specialists)", DefaultValueFactory = _ => DemucsKnownModels.Default };
        var modelPath = new Option<string?>("--model-path") { Description = $"Folder with your own export (split or full graph) and its model.json (or set {DemucsKnownModels.PathVariable}); see docs/separation.md" };
        var twoStems = new Option<string?>("--two-stems") { Description = "Write only this stem and the sum of the others (e.g. vocals → vocals + no_vocals)" };
        var format = new Option<string>("--format") { Description = "Output format: wav, flac or mp3", DefaultValueFactory = _ => "wav" };
        var bits = new Option<string>("--bits") { Description = "Sample format: 16, 24 or 32f (float; WAV only)", DefaultValueFactory = _ => "24" };
        var clip = new Option<string>("--clip") { Description = "rescale (divide each stem by max(1.01·peak, 1)) or clamp", DefaultValueFactory = _ => "rescale" };
        var shifts = new Option<int>("--shifts") { Description = "Shift-trick passes at random offsets up to 0.5 s, averaged (0 = off; slower but slightly better)", DefaultValueFactory = _ => new DemucsOptions().Shifts };
        var overlap = new Option<double>("--overlap") { Description = "Overlap between 7.8 s chunks, 0 to <1", DefaultValueFactory = _ => new DemucsOptions().Overlap };
        var seed = new Option<int>("--seed") { Description = "Seed of the shift offsets (repeatable results)", DefaultValueFactory = _ => new DemucsOptions().Seed };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0 = one per core)", DefaultValueFactory = _ => new DemucsOptions().IntraOpThreads };
        var device = new Option<string>("--device") { Description = "auto (CUDA when the GPU build of ONNX Runtime is present), cpu or cuda", DefaultValueFactory = _ => new DemucsOptions().ExecutionProvider };
        var outDir = new Option<string?>("--out") { Description = "Output root (default <library>/separated); each track gets <name>-<hash8>/<model>/" };
        var noIngest = new Option<bool>("--no-ingest") { Description = "Only write the stem files; do not add them to the library" };
        var force = new Option<bool>("--force") { Description = "Separate again even if this model and these settings already did" };
        var libraryCopy = new Option<bool>("--library-copy")
        {
            Description = "Also keep a copy of each stem in the library's store (default: the library indexes the stem files where they are written, so each is on disk once)",
        };

        var queue = QueueSupport.Option();
        var cmd = new Command("separate", "Split tracks into stems (drums, bass, other, vocals; guitar and piano with 6-stem models) with Demucs");
        cmd.Arguments.Add(paths);
        foreach (var o in new Option[] { model, modelPath, twoStems, format, bits, clip, shifts, overlap, seed, threads, device, outDir, noIngest, force, libraryCopy, queue }) cmd.Options.Add(o);

        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var json = pr.GetValue(globals.Json);
            var clipMode = (pr.GetValue(clip) ?? "rescale").ToLowerInvariant() switch
            {
                "rescale" => ClipMode.Rescale,
                "clamp" => ClipMode.Clamp,
                var other => throw new InvalidInputException($"--clip '{other}' is not supported; use rescale or clamp."),
            };
            var request = new SeparateRequest(pr.GetValue(paths) ?? [])
            {
                Model = pr.GetValue(model) ?? DemucsKnownModels.Default,
                ModelPath = pr.GetValue(modelPath),
                TwoStems = pr.GetValue(twoStems),
                Format = pr.GetValue(format) ?? "wav",
                Bits = pr.GetValue(bits) ?? "24",
                Clip = clipMode,
                Demucs = new DemucsOptions
                {
                    Shifts = pr.GetValue(shifts),
                    Overlap = pr.GetValue(overlap),
                    Seed = pr.GetValue(seed),
                    IntraOpThreads = pr.GetValue(threads),
                    ExecutionProvider = (pr.GetValue(device) ?? "auto").ToLowerInvariant(),
                },
                OutDir = pr.GetValue(outDir),
                Ingest = !pr.GetValue(noIngest),
                Force = pr.GetValue(force),
                // Stems indexed where they are written are never replaced by a later run (it writes beside them).
                KeepExisting = !pr.GetValue(noIngest) && !pr.GetValue(libraryCopy),
            };
            SeparationPipeline.ValidateOutput(request);
            if (pr.GetValue(queue)) return await QueueAsync(pr, globals, request, [modelPath, twoStems, format, bits, clip, overlap, seed, threads, device, outDir, noIngest, force, libraryCopy], ct).ConfigureAwait(false);

            using var loggerFactory = LoggerFactory.Create(b => b
                .AddSimpleConsole(o => o.SingleLine = true)
                .SetMinimumLevel(pr.GetValue(globals.Verbose) ? LogLevel.Debug : (json ? LogLevel.Warning : LogLevel.Information)));
            var context = new TraumContext(globals.Settings(pr), loggerFactory);
            var (library, engine, ingestor) = request.Ingest ? SeparationIngest.Create(context, json, pr.GetValue(libraryCopy)) : (null, null, null);
            using var libraryScope = library;
            using var engineScope = engine;
            var pipeline = new SeparationPipeline(context, ingestor);
            // With a library the separation is a job like any other (in the Jobs list, cancellable from the server).
            var runner = engine?.GetRequiredService<Engine.Jobs.JobRunner>();
            var results = await Output.WithProgressAsync("separate", json, (p, token) => runner is null
                ? pipeline.RunAsync(request, p, token)
                : runner.RunAsync("separate", new { paths = request.Paths, model = request.Model, shifts = request.Demucs.Shifts },
                    job => pipeline.RunAsync(request, job.Progress, job.CancellationToken), p, token), ct).ConfigureAwait(false);
            if (engine is not null) await LibraryCommandSupport.RefreshPercentilesAsync(engine, results.Count(r => r.Status == "separated"), ct).ConfigureAwait(false);

            if (json)
            {
                Output.Json(results);
            }
            else
            {
                Output.Table(["track", "status", "stems", "note"], results.Select(r => (IReadOnlyList<string?>)
                [
                    Path.GetFileName(r.Source),
                    r.Status,
                    r.Folder is null ? "" : $"{r.Folder} ({string.Join(", ", r.Stems.Select(s => s.Name))})",
                    r.Message,
                ]));
                foreach (var r in results.Where(r => r.Status == "separated"))
                {
                    Output.Note(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(r.Source)}: {r.AudioSeconds:0.0} s of audio in {r.Seconds:0.0} s ({RealTime.Format(r.AudioSeconds, r.Seconds)})"));
                    foreach (var line in r.Ingested) Output.Note("  " + line);
                }
            }
            return results.Any(r => r.Status == "failed") ? CliApp.ExitUserError : CliApp.ExitOk;
        });
        return cmd;
    }

    /// <summary>
    /// Queues one separation job per track (the fields of POST /api/separate: model and shifts). Each track is copied
    /// into the library's upload folder first, as an upload is, so a worker on any machine mounting the store reads it;
    /// the worker stores it as the track's mix, ingests the stems and removes the copy. The user's file is not touched.
    /// </summary>
    private static async Task<int> QueueAsync(ParseResult pr, GlobalOptions globals, SeparateRequest request, Option[] unsupported, CancellationToken ct)
    {
        QueueSupport.Reject(pr, unsupported);
        var (files, missing) = SeparationPipeline.Enumerate(request.Paths);
        if (missing.Count > 0) throw new InvalidInputException($"No such file or folder: {string.Join(", ", missing)}");
        if (files.Count == 0) throw new InvalidInputException("No audio files to separate in " + string.Join(", ", request.Paths) + ".");
        var context = LibraryCommandSupport.Context(pr, globals);
        var queued = new List<JobInfo>();
        foreach (var f in files)
        {
            var copy = Server.Hosting.UploadStaging.CopyToOwnFolder(context.LibraryPath, f);
            try
            {
                queued.Add(await Server.TraumServer.QueueAsync(context, Server.Jobs.JobKinds.Separate,
                    new Server.Jobs.SeparateParameters(copy, Path.GetFileNameWithoutExtension(f), request.Model, request.Demucs.Shifts), ct).ConfigureAwait(false));
            }
            catch
            {
                // A job that was not queued leaves no copy behind; the queued ones own theirs.
                Server.Hosting.UploadStaging.Discard(copy);
                if (queued.Count > 0) QueueSupport.Print(queued, pr.GetValue(globals.Json));
                throw;
            }
        }
        QueueSupport.Print(queued, pr.GetValue(globals.Json));
        return CliApp.ExitOk;
    }
}
