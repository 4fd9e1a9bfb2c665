using System.CommandLine;
using System.Globalization;
using Traum.Core;
using Traum.Engine.Export;
using static Traum.Cli.Commands.LibraryCommandSupport;

namespace Traum.Cli.Commands;

/// <summary><c>traum export --out PACK.zip [--ids 1,2 | --track ID | --tag T | filters] [--format wav] [--rate 44100] [--bits 16]</c>.</summary>
internal static class ExportCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var output = new Option<string>("--out", "-o") { Description = "The zip to write (PACK.zip)", Required = true };
        var ids = new Option<string?>("--ids") { Description = "Stem ids, comma-separated (1,2,3)" };
        var track = new Option<long?>("--track") { Description = "The stems separated from this track" };
        var format = new Option<string>("--format", "-f") { Description = "wav, flac or mp3", DefaultValueFactory = _ => "wav" };
        var rate = new Option<int?>("--rate") { Description = "Sample rate in Hz (default: each stem's own)" };
        var bits = new Option<string?>("--bits") { Description = "16 or 24 bit, or 32f (float WAV; 32 too) (default: the stem's own depth: 24 for 24-bit and float, else 16)" };
        var sort = new Option<string?>("--sort") { Description = "Order of the stems: id, name, kind, category, duration, bpm, key, loudness, created, rating" };
        var force = new Option<bool>("--force") { Description = "Replace the zip if it exists" };
        var filters = new StemsCommand.Filters();
        var cmd = new Command("export", "Export stems as a pack: a zip of audio files named after the stems, in one format, with manifest.csv (name, kind, category, bpm, key, duration)")
        {
            output, ids, track, format, rate, bits, sort, force,
        };
        filters.AddTo(cmd);
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var json = pr.GetValue(globals.Json);
            var fmt = ExportFormat.Parse(pr.GetValue(format), pr.GetValue(rate), Bits(pr.GetValue(bits)));
            var target = Path.GetFullPath(pr.GetValue(output)!);
            if (!target.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) throw new InvalidInputException($"--out names a zip file ('{pr.GetValue(output)}' does not end in .zip).");
            if (File.Exists(target) && !pr.GetValue(force)) throw new InvalidInputException($"{target} exists; use --force to replace it.");
            var folder = Path.GetDirectoryName(target)!;
            if (!Directory.Exists(folder)) throw new NotFoundException($"The folder {folder} does not exist.");
            var selection = new ExportSelection(ParseIds(pr.GetValue(ids)), pr.GetValue(track), filters.Read(pr) with { Sort = pr.GetValue(sort) });

            using var library = Open(Context(pr, globals), json);
            var exporter = new StemPackExporter(library);
            var items = exporter.Resolve(selection, fmt);
            exporter.Verify(items);
            // Written beside the target and renamed at the end: a cancelled or failed export leaves no half zip.
            var partial = target + ".part";
            try
            {
                await Output.WithProgressAsync("export", json, async (progress, token) =>
                {
                    var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                    await using (stream.ConfigureAwait(false))
                    {
                        await exporter.WriteAsync(items, fmt, stream, progress, token).ConfigureAwait(false);
                    }
                    return 0;
                }, ct).ConfigureAwait(false);
                File.Move(partial, target, overwrite: true);
            }
            catch
            {
                File.Delete(partial);
                throw;
            }
            var size = new FileInfo(target).Length;
            if (json)
            {
                Output.Json(new { file = target, stems = items.Count, bytes = size, format = fmt.Container, items = items.Select(i => new { i.Stem.Id, file = i.FileName }) });
            }
            else
            {
                Output.Line(string.Create(CultureInfo.InvariantCulture, $"Exported {items.Count} stem(s) as {fmt.Container} to {target} ({size / 1048576.0:0.0} MiB)"));
            }
            return CliApp.ExitOk;
        });
        return cmd;
    }

    /// <summary>"16", "24", "32" or "32f" (as <c>traum separate --bits</c> writes float).</summary>
    private static int? Bits(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null
        : text.Trim().ToLowerInvariant() switch { "32f" => 32, var t when int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var b) => b, _ => throw new InvalidInputException($"--bits {text} is not a depth; use 16, 24 or 32f.") };

    private static List<long>? ParseIds(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var list = new List<long>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) throw new InvalidInputException($"'{part}' is not a stem id; write --ids 1,2,3.");
            list.Add(id);
        }
        return list;
    }
}
