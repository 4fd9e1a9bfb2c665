using Traum.Core;

namespace Traum.Audio.IO;

/// <summary>Decoding and encoding of formats other than WAV through the ffmpeg command-line tool.</summary>
internal static class Ffmpeg
{
    public static IAudioReader OpenRead(string path) =>
        throw new AudioFormatException(path, "only WAV is supported so far");

    public static IAudioWriter OpenWrite(string path, int sampleRate, int channels, AudioWriteOptions options) =>
        throw new AudioFormatException(path, "only WAV output is supported so far");
}
