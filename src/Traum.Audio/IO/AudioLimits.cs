using Traum.Core;

namespace Traum.Audio.IO;

/// <summary>
/// The header values Traum accepts before it allocates anything for a file. A header is only a claim: a 2 KB file
/// can say 2 147 483 647 Hz or 65 535 channels, and trusting it makes resampling tables or per-channel buffers
/// that no machine can hold. Readers check these limits when they open a file, and every buffer is sized from
/// the data actually present, never from the header alone.
/// </summary>
public static class AudioLimits
{
    /// <summary>Lowest accepted sample rate, in Hz.</summary>
    public const int MinSampleRate = 1_000;

    /// <summary>Highest accepted sample rate, in Hz (the highest rate of common studio converters).</summary>
    public const int MaxSampleRate = 768_000;

    /// <summary>Most channels accepted (beyond third-order ambisonics and 22.2 layouts).</summary>
    public const int MaxChannels = 64;

    /// <summary>Checks a header's sample rate and channel count.</summary>
    /// <exception cref="AudioFormatException">A value outside the accepted range: the header is damaged or not audio.</exception>
    public static void Validate(string path, int sampleRate, int channels)
    {
        if (sampleRate is < MinSampleRate or > MaxSampleRate)
        {
            throw new AudioFormatException(path,
                $"the header says a sample rate of {sampleRate} Hz; Traum reads {MinSampleRate} to {MaxSampleRate} Hz, so the header is damaged or this is not audio");
        }
        if (channels is < 1 or > MaxChannels)
        {
            throw new AudioFormatException(path,
                $"the header says {channels} channels; Traum reads 1 to {MaxChannels}, so the header is damaged or this is not audio");
        }
    }

    /// <summary>
    /// Refuses what cannot be audio before anyone opens it: a folder, a missing or empty file, or something that is
    /// not a regular file. Opening a FIFO blocks until a writer appears and a device never ends; both report a
    /// length of 0, as an empty file does, so they are refused by length without being opened.
    /// </summary>
    /// <exception cref="AudioFormatException">A folder, a missing file, an empty file, a pipe, socket or device.</exception>
    public static void CheckReadableFile(string path)
    {
        if (Directory.Exists(path)) throw new AudioFormatException(path, "is a folder, not an audio file");
        var info = new FileInfo(path);
        if (!info.Exists) throw new AudioFormatException(path, "no such file");
        if ((info.Attributes & FileAttributes.Device) != 0) throw new AudioFormatException(path, "is a device, not an audio file");
        if (info.Length == 0) throw new AudioFormatException(path, "the file is empty (or it is a pipe or device, not a regular file)");
    }
}
