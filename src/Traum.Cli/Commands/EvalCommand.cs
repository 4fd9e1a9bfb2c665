using System.CommandLine;
using System.Globalization;
using Traum.Engine.Separation;

namespace Traum.Cli.Commands;

/// <summary><c>traum eval separation --reference DIR --estimate DIR</c>: uSDR and SI-SDR per stem.</summary>
internal static class EvalCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var reference = new Option<string>("--reference") { Description = "Folder of reference stems (e.g. drums.wav, bass.wav …)", Required = true };
        var estimate = new Option<string>("--estimate") { Description = "Folder of estimated stems with the same file names", Required = true };
        var separation = new Command("separation", "Score separated stems against references: uSDR (MDX challenge) and SI-SDR per stem, in dB");
        separation.Options.Add(reference);
        separation.Options.Add(estimate);
        separation.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var refDir = pr.GetValue(reference)!;
            var estDir = pr.GetValue(estimate)!;
            var scores = await Task.Run(() => SeparationMetrics.ScoreFolders(refDir, estDir, ct), ct).ConfigureAwait(false);
            var meanU = scores.Average(s => s.USdr);
            // SI-SDR is undefined for a silent reference or estimate: those stems are left out of the mean.
            var defined = scores.Where(s => s.SiSdr is not null).Select(s => s.SiSdr!.Value).ToList();
            double? meanSi = defined.Count > 0 ? defined.Average() : null;
            if (pr.GetValue(globals.Json))
            {
                Output.Json(new { stems = scores, mean = new { uSdr = meanU, siSdr = meanSi, siSdrStems = defined.Count } });
                return 0;
            }
            static string Db(double? v) => v switch
            {
                null => "undefined",
                { } d when double.IsPositiveInfinity(d) => "+inf",
                { } d when double.IsNegativeInfinity(d) => "-inf",
                { } d => d.ToString("0.00", CultureInfo.InvariantCulture),
            };
            static string Channels(StemScore s) => string.Join(" / ", s.ChannelSiSdr.Select(Db));
            Output.Table(["stem", "uSDR dB", "SI-SDR dB", "SI-SDR per channel dB", "frames"],
                [.. scores.Select(s => (IReadOnlyList<string?>)[s.Stem, Db(s.USdr), Db(s.SiSdr), Channels(s), s.Frames.ToString(CultureInfo.InvariantCulture)]),
                 ["mean", Db(meanU), Db(meanSi), "", ""]]);
            return 0;
        });
        var cmd = new Command("eval", "Evaluate results");
        cmd.Subcommands.Add(separation);
        return cmd;
    }
}
