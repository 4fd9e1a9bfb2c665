using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;

namespace Traum.TestKit;

/// <summary>Writes decoded buffers straight into a library's stem store (fixtures that skip ingest).</summary>
public static class LibraryAudio
{
    /// <summary>
    /// Writes <paramref name="audio"/> as a 32-bit float WAV stem file (lossless, so its decoded samples hash to
    /// <see cref="ContentHasher.Of"/> of the buffer) and returns the relative path and the hash.
    /// </summary>
    public static (string FilePath, string ContentHash) WriteStemAudio(this Library library, AudioBuffer audio)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(audio);
        var hash = ContentHasher.Of(audio);
        var rel = Library.StemFileName(hash, ".wav");
        var full = library.GetFullPath(rel);
        if (File.Exists(full))
        {
            AtomicFile.Touch(full);
        }
        else
        {
            AtomicFile.Write(full, temp =>
            {
                using var w = WavWriter.Create(temp, audio.SampleRate, audio.ChannelCount, new AudioWriteOptions(SampleFormat.Float32));
                w.Write(audio.Channels, 0, audio.Length);
                w.Complete();
            });
        }
        return (rel, hash);
    }
}
