using System.Diagnostics;
using System.Text;

namespace Traum.TestKit;

/// <summary>Runs system tools (ffmpeg, ffprobe, sox) from tests, as independent producers and checkers of audio files.</summary>
public static class ExternalTools
{
    /// <summary>Runs <paramref name="exe"/> with <paramref name="args"/>; returns the exit code and both outputs.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string exe, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {exe}");
        var err = new StringBuilder();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (err) err.AppendLine(e.Data);
        };
        p.BeginErrorReadLine();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        lock (err) return (p.ExitCode, stdout, err.ToString());
    }

    /// <summary>Runs a tool and throws with its error output when it fails.</summary>
    public static string RunChecked(string exe, params string[] args)
    {
        var (code, stdout, stderr) = Run(exe, args);
        if (code != 0) throw new InvalidOperationException($"{exe} {string.Join(' ', args)} failed ({code}): {stderr}");
        return stdout;
    }

    /// <summary>Converts <paramref name="input"/> to <paramref name="output"/> with ffmpeg (extra arguments go before the output).</summary>
    public static void Ffmpeg(string input, string output, params string[] outputArgs)
    {
        ArgumentNullException.ThrowIfNull(outputArgs);
        RunChecked("ffmpeg", ["-nostdin", "-v", "error", "-y", "-i", input, .. outputArgs, output]);
    }

    /// <summary>ffprobe's value of one stream entry (e.g. "codec_name") for the first audio stream.</summary>
    public static string ProbeStream(string path, string entry) =>
        RunChecked("ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", $"stream={entry}", "-of", "default=nw=1:nk=1", path).Trim();

    /// <summary>
    /// The raw Chromaprint items ffmpeg's own <c>chromaprint</c> muxer makes of <paramref name="input"/> (algorithm 1,
    /// its default): the reference the library binding is checked against.
    /// </summary>
    public static uint[] FfmpegChromaprint(string input)
    {
        var output = Path.Combine(Path.GetTempPath(), $"traum-fp-{Guid.NewGuid():N}.raw");
        try
        {
            RunChecked("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", input, "-f", "chromaprint", "-fp_format", "raw", output);
            var bytes = File.ReadAllBytes(output);
            var items = new uint[bytes.Length / 4];
            for (var i = 0; i < items.Length; i++) items[i] = BitConverter.ToUInt32(bytes, 4 * i);
            return items;
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>Writes the first <paramref name="fraction"/> of a file's bytes to <paramref name="output"/>.</summary>
    public static void Truncate(string input, string output, double fraction)
    {
        var bytes = File.ReadAllBytes(input);
        File.WriteAllBytes(output, bytes.AsSpan(0, (int)(bytes.Length * fraction)).ToArray());
    }
}
