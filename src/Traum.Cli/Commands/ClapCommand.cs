using System.CommandLine;
using System.Globalization;
using Traum.Audio.IO;
using Traum.Core;
using Traum.Engine.Configuration;
using Traum.Models.Clap;

namespace Traum.Cli.Commands;

/// <summary><c>traum clap features FILE --out F.npy</c> and <c>traum clap embed FILE | --text T</c>.</summary>
internal static class ClapCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var cmd = new Command("clap", "CLAP preprocessing and embeddings, for checking them against the reference implementation");
        cmd.Subcommands.Add(Features(globals));
        cmd.Subcommands.Add(Embed(globals));
        return cmd;
    }

    private static Command Features(GlobalOptions globals)
    {
        var file = new Argument<string>("file") { Description = "Audio file (any format Traum reads)" };
        var output = new Option<string>("--out", "-o") { Description = "Where to write the .npy ([windows, 1, 1001, 64] float32)", Required = true };
        var cmd = new Command("features", "Write the exact CLAP audio-model input for a file as a NumPy .npy") { file, output };
        cmd.SetAction((ParseResult pr, CancellationToken ct) =>
        {
            var path = pr.GetValue(file)!;
            var outPath = Path.GetFullPath(pr.GetValue(output)!);
            var dir = Path.GetDirectoryName(outPath);
            if (dir is not null && !Directory.Exists(dir)) throw new InvalidInputException($"The folder of --out ({dir}) does not exist; create it first.");
            var audio = AudioFile.Read(path, ct);
            var mono = ClapFeatureExtractor.ToModelRate(audio);
            var features = ClapFeatureExtractor.Instance.Extract(mono, out var windows);
            NpyFile.WriteFloat32(outPath, features, [windows, 1, ClapFeatureExtractor.Frames, ClapFeatureExtractor.MelBins]);
            if (pr.GetValue(globals.Json))
            {
                Output.Json(new { file = Path.GetFullPath(path), @out = outPath, shape = new[] { windows, 1, ClapFeatureExtractor.Frames, ClapFeatureExtractor.MelBins }, dtype = "float32" });
            }
            else
            {
                Console.WriteLine($"{outPath}: [{windows}, 1, {ClapFeatureExtractor.Frames}, {ClapFeatureExtractor.MelBins}] float32 log-mel (dB) from {audio.Duration:F2} s at {audio.SampleRate} Hz");
            }
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static Command Embed(GlobalOptions globals)
    {
        var file = new Argument<string?>("file") { Description = "Audio file to embed", Arity = ArgumentArity.ZeroOrOne };
        var text = new Option<string?>("--text", "-t") { Description = "Embed this text instead of a file" };
        var cmd = new Command("embed", "Print the L2-normalised CLAP embedding of an audio file or a text") { file, text };
        cmd.SetAction((ParseResult pr, CancellationToken ct) =>
        {
            var path = pr.GetValue(file);
            var t = pr.GetValue(text);
            if ((path is null) == (t is null)) throw new InvalidInputException("Give either an audio FILE or --text TEXT (exactly one).");
            var ctx = ModelsCommand.Context(pr, globals);
            var options = TraumSettings.Bind<ClapOptions>(ctx.Configuration, "models:clap");
            using var embedder = ClapEmbedder.Load(options, ctx.ModelsPath, ctx.LoggerFactory);
            var vector = t is not null
                ? embedder.EmbedText([t], ct)[0]
                : embedder.EmbedAudio([AudioFile.Read(path!, ct)], ct)[0];
            if (pr.GetValue(globals.Json))
            {
                Output.Json(new { modelId = embedder.ModelId, dimension = vector.Length, input = t ?? Path.GetFullPath(path!), vector });
            }
            else
            {
                Console.WriteLine($"# {embedder.ModelId} ({vector.Length}-d, L2-normalised) {t ?? Path.GetFullPath(path!)}");
                Console.WriteLine(string.Join(' ', vector.Select(x => x.ToString("R", CultureInfo.InvariantCulture))));
            }
            return Task.FromResult(0);
        });
        return cmd;
    }
}
