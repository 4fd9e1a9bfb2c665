using Traum.Audio;
using Traum.Audio.Dsp;
using Traum.Audio.IO;
using Traum.Core;

namespace Traum.Models.Demucs;

/// <summary>
/// An audio file as the model needs it, read in blocks: decoded (any format AudioFile reads), mono duplicated to both
/// channels, more than two channels reduced to the first two, and resampled to the model's rate when it differs.
/// </summary>
public sealed class AudioFileInput : ISeparationInput
{
    /// <param name="path">The file.</param>
    /// <param name="sampleRate">The model's rate, Hz.</param>
    /// <exception cref="AudioFormatException">The file cannot be read or holds no audio channels.</exception>
    public AudioFileInput(string path, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = path;
        SampleRate = sampleRate;
        Info = AudioFile.Probe(path);
        if (Info.Channels < 1) throw new AudioFormatException(path, "has no audio channels");
        if (Info.SampleRate <= 0) throw new AudioFormatException(path, "has no valid sample rate");
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>What its header says.</summary>
    public AudioFileInfo Info { get; }

    /// <summary>Rate of the samples handed out, Hz.</summary>
    public int SampleRate { get; }

    /// <summary>
    /// The catalog identity of the decoded file (content hash of its samples at its own rate and channels), known
    /// once a pass has read the file to its end: separation's own reading yields it, so the track needs no decode of
    /// its own. Null before that.
    /// </summary>
    public ContentIdentity? Identity { get; private set; }

    /// <inheritdoc/>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "The readers go to the caller inside the returned source (which disposes them); the file is closed when the resampler cannot be made.")]
    public IStereoSource Open()
    {
        IAudioReader file = AudioFile.OpenRead(Path);
        // Until a pass has read the whole file, the decoded samples are hashed on their way (before resampling).
        if (Identity is null) file = new HashingReader(file, id => Identity = id);
        if (file.Info.SampleRate == SampleRate) return new StereoReader(file);
        try
        {
            return new StereoReader(new ResamplingReader(file, SampleRate));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads planar blocks and maps the channels to stereo.</summary>
    private sealed class StereoReader(IAudioReader reader) : IStereoSource
    {
        private float[][] _buf = [];

        public int Read(float[][] destination, int offset, int count)
        {
            var ch = reader.Info.Channels;
            if (ch == 2) return reader.Read(destination, offset, count);
            if (_buf.Length != ch || _buf[0].Length < count)
            {
                _buf = new float[ch][];
                for (var c = 0; c < ch; c++) _buf[c] = new float[count];
            }
            var n = reader.Read(_buf, 0, count);
            Array.Copy(_buf[0], 0, destination[0], offset, n);
            Array.Copy(_buf[ch == 1 ? 0 : 1], 0, destination[1], offset, n);
            return n;
        }

        public void Dispose() => reader.Dispose();
    }
}
