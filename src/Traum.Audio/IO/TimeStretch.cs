using System.Globalization;
using Traum.Core;

namespace Traum.Audio.IO;

/// <summary>
/// Time-stretch and pitch-shift for auditioning a stem at a project's tempo and key, through ffmpeg's
/// <c>rubberband</c> filter (librubberband): the tempo changes without changing the pitch, and the pitch by
/// semitones without changing the length ("mixed" transients: percussive onsets stay sharp while steady tones keep their exact
/// pitch, which "crisp" bends by up to 0.7 %). The result is a 16-bit WAV at the source's sample rate and channel count.
/// </summary>
public static class TimeStretch
{
    /// <summary>The slowest tempo ratio (target ÷ source) an audition is stretched by.</summary>
    public const double MinRatio = 0.5;

    /// <summary>The fastest tempo ratio (target ÷ source) an audition is stretched by.</summary>
    public const double MaxRatio = 2.0;

    /// <summary>The largest pitch shift, in semitones either way.</summary>
    public const int MaxSemitones = 12;

    /// <summary>What the user is told when ffmpeg has no rubberband filter.</summary>
    public const string InstallHint =
        "this ffmpeg has no rubberband filter (librubberband), which playing at a project tempo needs; install Debian/Ubuntu's ffmpeg " +
        "with librubberband2 (`sudo apt-get install ffmpeg librubberband2`, or run `scripts/bootstrap.sh`), or point TRAUM_FFMPEG at an ffmpeg built with --enable-librubberband";

    /// <summary>
    /// Writes <paramref name="source"/> played <paramref name="tempoRatio"/> times as fast (1.0667 takes a 120 BPM loop
    /// to 128 BPM; the length is divided by the ratio) and shifted by <paramref name="semitones"/> to <paramref name="target"/> (a .wav path).
    /// A partial target is deleted.
    /// </summary>
    /// <exception cref="InvalidInputException">The ratio is outside <see cref="MinRatio"/>…<see cref="MaxRatio"/> or the shift beyond ±<see cref="MaxSemitones"/>.</exception>
    /// <exception cref="AudioFormatException">ffmpeg or its rubberband filter is missing, or the source cannot be decoded.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static void Render(string source, string target, double tempoRatio, int semitones, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(target);
        if (!double.IsFinite(tempoRatio) || tempoRatio < MinRatio || tempoRatio > MaxRatio)
        {
            throw new InvalidInputException(string.Create(CultureInfo.InvariantCulture,
                $"A tempo ratio of {tempoRatio:0.###} is out of range; stems are stretched between {MinRatio}× and {MaxRatio}× their own tempo."));
        }
        if (Math.Abs(semitones) > MaxSemitones)
        {
            throw new InvalidInputException($"A shift of {semitones} semitones is out of range; shift by at most {MaxSemitones} either way.");
        }
        var ffmpeg = Ffmpeg.Locate("ffmpeg", source);
        var pitch = Math.Pow(2, semitones / 12.0);
        var filter = string.Create(CultureInfo.InvariantCulture, $"rubberband=tempo={tempoRatio:R}:pitch={pitch:R}:transients=mixed");
        try
        {
            var (code, _, stderr) = Ffmpeg.RunToEnd(ffmpeg, source,
                ["-nostdin", "-hide_banner", "-v", "error", "-y", "-i", source, "-map", "0:a:0", "-af", filter, "-c:a", "pcm_s16le", "-f", "wav", target],
                cancellationToken);
            if (code != 0)
            {
                if (stderr.Contains("rubberband", StringComparison.OrdinalIgnoreCase) && stderr.Contains("No such filter", StringComparison.OrdinalIgnoreCase))
                {
                    throw new AudioFormatException(source, InstallHint);
                }
                throw new AudioFormatException(source, $"could not be stretched ({Ffmpeg.FirstLine(stderr, source) ?? $"ffmpeg exit code {code}"})");
            }
        }
        catch
        {
            TryDelete(target);
            throw;
        }
    }

    /// <summary>
    /// The shortest shift in semitones (−5…+6) that takes a stem in <paramref name="fromTonic"/> (minor when <paramref name="fromMinor"/>) to the
    /// project key <paramref name="toTonic"/> (minor when <paramref name="toMinor"/>). Tonics are pitch classes (0 = C … 11 = B). When the modes differ,
    /// the stem moves to the project key's relative (A minor material in a C major project stays where it is).
    /// </summary>
    public static int ShortestShift(int fromTonic, bool fromMinor, int toTonic, bool toMinor)
    {
        // Relative keys share their notes: compare both as major (a minor key's relative major is three semitones up).
        var from = fromTonic + (fromMinor ? 3 : 0);
        var to = toTonic + (toMinor ? 3 : 0);
        var d = (((to - from) % 12) + 12) % 12;
        return d > 6 ? d - 12 : d;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
