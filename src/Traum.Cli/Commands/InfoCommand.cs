using System.CommandLine;
using System.Globalization;
using Traum.Audio.IO;
using Traum.Audio.Loudness;
using Traum.Core;

namespace Traum.Cli.Commands;

/// <summary><c>traum info FILE...</c>: header facts and level measurements of audio files.</summary>
internal static class InfoCommand
{
    private const int Chunk = 65536;

    /// <summary>One file's facts; levels are null when the file is silent (−∞), the loudness range when it is shorter than 3 s.</summary>
    internal sealed record FileInfoRow(
        string Path, string Format, string Codec, int SampleRate, int Channels, int BitsPerSample, long Frames,
        double DurationSeconds, double? PeakDbfs, double? RmsDbfs, double? IntegratedLufs, double? TruePeakDbtp,
        double? MomentaryMaxLufs, double? ShortTermMaxLufs, double? LoudnessRangeLu);

    /// <summary>A file that could not be read.</summary>
    internal sealed record FileError(string Path, string Error);

    public static Command Create(GlobalOptions globals)
    {
        var paths = new Argument<string[]>("files") { Arity = ArgumentArity.OneOrMore, Description = "Audio files (WAV natively; FLAC, MP3, Ogg, Opus, AIFF, M4A through ffmpeg)" };
        var cmd = new Command("info", "Show format, sample rate, channels, duration, peak, RMS, integrated, maximum momentary and short-term loudness (LUFS), loudness range (LU) and true peak of audio files");
        cmd.Arguments.Add(paths);
        cmd.SetAction((ParseResult pr, CancellationToken ct) =>
        {
            var json = pr.GetValue(globals.Json);
            var files = pr.GetValue(paths) ?? [];
            var rows = new List<FileInfoRow>();
            var errors = new List<FileError>();
            foreach (var file in files)
            {
                ct.ThrowIfCancellationRequested();
                try
                {
                    rows.Add(Measure(file, ct));
                }
                catch (TraumException e)
                {
                    errors.Add(new FileError(file, e.Message));
                    Output.Note($"traum: {e.Message}");
                }
            }

            if (json)
            {
                Output.Json(new { files = rows, errors });
            }
            else if (rows.Count > 0)
            {
                Output.Table(
                    ["file", "format", "codec", "rate", "ch", "duration", "peak dBFS", "RMS dBFS", "LUFS", "max M", "max S", "LRA LU", "true peak dBTP"],
                    rows.Select(r => (IReadOnlyList<string?>)
                    [
                        r.Path, r.Format, r.Codec, $"{r.SampleRate} Hz", r.Channels.ToString(CultureInfo.InvariantCulture),
                        Duration(r.DurationSeconds), Db(r.PeakDbfs), Db(r.RmsDbfs), Db(r.IntegratedLufs), Db(r.MomentaryMaxLufs),
                        Db(r.ShortTermMaxLufs), r.LoudnessRangeLu is { } lra ? lra.ToString("F1", CultureInfo.InvariantCulture) : "-", Db(r.TruePeakDbtp),
                    ]));
            }
            if (errors.Count > 0)
            {
                Output.Note($"traum: {rows.Count} of {files.Length} files read, {errors.Count} could not be read");
                return Task.FromResult(CliApp.ExitUserError);
            }
            return Task.FromResult(CliApp.ExitOk);
        });
        return cmd;
    }

    /// <summary>Reads a file in chunks and measures it (memory does not grow with the file's length).</summary>
    internal static FileInfoRow Measure(string path, CancellationToken cancellationToken)
    {
        using var reader = AudioFile.OpenRead(path, cancellationToken);
        var info = reader.Info;
        var meter = new LoudnessAnalyzer(info.SampleRate, info.Channels);
        var buf = new float[info.Channels][];
        for (var c = 0; c < buf.Length; c++) buf[c] = new float[Chunk];
        long frames = 0;
        int n;
        while ((n = reader.Read(buf, 0, Chunk)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            meter.Add(buf, 0, n);
            frames += n;
        }
        if (frames == 0) throw new AudioFormatException(path, "the file holds no audio samples");
        var m = meter.Result;
        return new FileInfoRow(path, info.Format, info.Codec, info.SampleRate, info.Channels, info.BitsPerSample, frames,
            (double)frames / info.SampleRate, Finite(m.SamplePeakDb), Finite(m.RmsDb), Finite(m.IntegratedLufs), Finite(m.TruePeakDb),
            Finite(m.MomentaryMaxLufs), Finite(m.ShortTermMaxLufs), Finite(m.LoudnessRangeLu));
    }

    private static double? Finite(double v) => double.IsFinite(v) ? Math.Round(v, 2) : null;

    private static string Db(double? v) => v is { } d ? d.ToString("F1", CultureInfo.InvariantCulture) : "-inf";

    private static string Duration(double seconds)
    {
        var t = TimeSpan.FromSeconds(seconds);
        return t.TotalHours >= 1
            ? t.ToString(@"h\:mm\:ss\.fff", CultureInfo.InvariantCulture)
            : t.ToString(@"m\:ss\.fff", CultureInfo.InvariantCulture);
    }
}
