using Traum.Audio.Dsp;
using Traum.Audio.IO;

namespace Traum.Engine.Export;

/// <summary>
/// Converts a stem's file to another container, sample rate or bit depth, streaming in blocks (memory does not grow
/// with the file's length). The one conversion path of stem downloads and export packs.
/// </summary>
public static class AudioConverter
{
    private const int Block = 65536;

    /// <summary>Writes <paramref name="source"/> as <paramref name="format"/> to <paramref name="target"/> (whose extension names the container); a partial target is deleted.</summary>
    /// <exception cref="Core.AudioFormatException">The source cannot be read, or the target cannot be written (e.g. ffmpeg is missing for FLAC or MP3).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static void Convert(string source, string target, ExportFormat format, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(format);
        try
        {
            var file = AudioFile.OpenRead(source, cancellationToken);
            var info = file.Info;
            // The resampling reader owns the file's reader: one dispose for both.
            using IAudioReader reader = format.SampleRate is { } rate && rate != info.SampleRate ? new ResamplingReader(file, rate) : file;
            var options = new AudioWriteOptions(format.SampleFormatFor(info));
            using var writer = AudioFile.OpenWrite(target, reader.Info.SampleRate, info.Channels, options);
            var block = new float[info.Channels][];
            for (var c = 0; c < block.Length; c++) block[c] = new float[Block];
            int n;
            while ((n = reader.Read(block, 0, Block)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                writer.Write(block, 0, n);
            }
            writer.Complete();
        }
        catch
        {
            TryDelete(target);
            throw;
        }
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
