namespace Traum.Audio.IO;

/// <summary>What a file holds, as far as its header tells.</summary>
/// <param name="Path">The file.</param>
/// <param name="Format">Container, e.g. "wav", "flac", "mp3".</param>
/// <param name="Codec">Sample coding, e.g. "pcm_s16le", "pcm_f32le", "flac", "mp3".</param>
/// <param name="SampleRate">Hz.</param>
/// <param name="Channels">Channel count.</param>
/// <param name="Frames">Length in sample frames, or null when the header does not say (streamed files).</param>
/// <param name="BitsPerSample">Bits per sample of the stored coding (0 when not meaningful, e.g. MP3).</param>
public sealed record AudioFileInfo(string Path, string Format, string Codec, int SampleRate, int Channels, long? Frames, int BitsPerSample)
{
    /// <summary>Duration in seconds, or null when unknown.</summary>
    public double? Duration => Frames is { } f ? (double)f / SampleRate : null;
}

/// <summary>Reads a file in chunks, so long files never have to sit in memory whole.</summary>
public interface IAudioReader : IDisposable
{
    /// <summary>What the stream holds: format, rate, channels and, when known, length.</summary>
    AudioFileInfo Info { get; }

    /// <summary>
    /// Reads up to <paramref name="count"/> frames into each channel array of <paramref name="destination"/>
    /// (planar; one array per channel, at least <see cref="AudioFileInfo.Channels"/> of them) starting at
    /// <paramref name="offset"/>. Returns the number of frames read; 0 at the end of the stream.
    /// </summary>
    /// <exception cref="Traum.Core.AudioFormatException">The data is corrupt or truncated.</exception>
    int Read(float[][] destination, int offset, int count);
}

/// <summary>Writes audio in chunks; <see cref="IDisposable.Dispose"/> finishes the file.</summary>
public interface IAudioWriter : IDisposable
{
    /// <summary>Appends <paramref name="count"/> frames from each channel array starting at <paramref name="offset"/>.</summary>
    void Write(float[][] source, int offset, int count);

    /// <summary>Finishes the file (header sizes, encoder flush). Called by Dispose if not called before.</summary>
    void Complete();
}

/// <summary>Stored sample coding for written files.</summary>
public enum SampleFormat
{
    /// <summary>16-bit signed PCM.</summary>
    Pcm16,
    /// <summary>24-bit signed PCM.</summary>
    Pcm24,
    /// <summary>32-bit IEEE float.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Float32 is the name of the stored sample coding, beside Pcm16 and Pcm24.")]
    Float32,
}

/// <summary>How to write a file. The container comes from the file extension (.wav, .flac, .mp3).</summary>
/// <param name="Format">Sample coding for WAV and FLAC (FLAC supports 16 and 24 bit only).</param>
/// <param name="Dither">Add TPDF dither (±1 LSB) when quantising to 16 bit.</param>
/// <param name="Mp3BitrateKbps">MP3 bitrate in kbit/s.</param>
/// <param name="DitherSeed">Seed of the dither noise, so output is repeatable.</param>
public sealed record AudioWriteOptions(SampleFormat Format = SampleFormat.Pcm24, bool Dither = false, int Mp3BitrateKbps = 320, int DitherSeed = 1)
{
    /// <summary>24-bit PCM, no dither, 320 kbit/s MP3.</summary>
    public static AudioWriteOptions Default { get; } = new();
}
