using Traum.Core;

namespace Traum.Audio.IO;

/// <summary>The front door for reading and writing audio files of any supported format.</summary>
public static class AudioFile
{
    /// <summary>Opens a streaming reader. WAV is read natively; every other format through ffmpeg.</summary>
    /// <exception cref="AudioFormatException">Missing, empty, corrupt, or not audio.</exception>
    public static IAudioReader OpenRead(string path) => OpenRead(path, CancellationToken.None);

    /// <summary>
    /// Opens a streaming reader whose decoder stops when <paramref name="cancellationToken"/> fires (reads then throw
    /// <see cref="OperationCanceledException"/>). WAV is read natively; every other format through ffmpeg.
    /// </summary>
    /// <exception cref="AudioFormatException">Missing, empty, corrupt, not audio, or ffmpeg is needed and missing.</exception>
    public static IAudioReader OpenRead(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) throw new AudioFormatException(path, "is a folder, not an audio file");
        if (!File.Exists(path)) throw new AudioFormatException(path, "no such file");
        Span<byte> head = stackalloc byte[12];
        int n;
        try
        {
            using var fs = File.OpenRead(path);
            n = fs.Read(head);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AudioFormatException(path, $"cannot open the file ({e.Message})", e);
        }
        if (n == 0) throw new AudioFormatException(path, "the file is empty");
        if (WavReader.LooksLikeWav(head[..n])) return WavReader.Open(path);
        return Ffmpeg.OpenRead(path, cancellationToken);
    }

    /// <summary>Reads only the header: format, codec, rate, channels, length.</summary>
    /// <exception cref="AudioFormatException">Missing, empty, corrupt, not audio, or ffmpeg is needed and missing.</exception>
    public static AudioFileInfo Probe(string path)
    {
        using var r = OpenRead(path);
        return r.Info;
    }

    /// <summary>Decodes a whole file into memory. Prefer <see cref="OpenRead"/> for long files.</summary>
    /// <exception cref="AudioFormatException">Missing, empty, corrupt, truncated with no audio, or not audio.</exception>
    public static AudioBuffer Read(string path, CancellationToken cancellationToken = default)
    {
        using var reader = OpenRead(path, cancellationToken);
        return ReadAll(reader, cancellationToken);
    }

    /// <summary>Reads the rest of a reader into one buffer.</summary>
    public static AudioBuffer ReadAll(IAudioReader reader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var info = reader.Info;
        var chans = info.Channels;
        const int Block = 65536;
        var capacity = info.Frames is { } f && f < int.MaxValue ? (int)Math.Max(f, 1) : Block;
        var data = new float[chans][];
        for (var c = 0; c < chans; c++) data[c] = new float[capacity];
        var len = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (capacity - len < Block)
            {
                var newCap = (long)Math.Max(capacity * 2L, len + (long)Block);
                if (newCap > Array.MaxLength) throw new AudioFormatException(info.Path, "the file is too long to hold in memory; process it in chunks");
                capacity = (int)newCap;
                for (var c = 0; c < chans; c++) Array.Resize(ref data[c], capacity);
            }
            var got = reader.Read(data, len, Math.Min(Block, capacity - len));
            if (got == 0) break;
            len += got;
        }
        if (len == 0) throw new AudioFormatException(info.Path, "the file holds no audio samples");
        for (var c = 0; c < chans; c++)
        {
            if (data[c].Length != len) Array.Resize(ref data[c], len);
        }
        return new AudioBuffer(data, info.SampleRate);
    }

    /// <summary>Opens a streaming writer; the container comes from the extension (.wav natively; .flac, .mp3 through ffmpeg).</summary>
    public static IAudioWriter OpenWrite(string path, int sampleRate, int channels, AudioWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= AudioWriteOptions.Default;
        var ext = Path.GetExtension(path).ToUpperInvariant();
        return ext switch
        {
            ".WAV" or ".WAVE" => WavWriter.Create(path, sampleRate, channels, options),
            ".FLAC" or ".MP3" => Ffmpeg.OpenWrite(path, sampleRate, channels, options),
            _ => throw new AudioFormatException(path, $"cannot write '{ext}' files; use .wav, .flac or .mp3"),
        };
    }

    /// <summary>Writes a whole buffer.</summary>
    public static void Write(string path, AudioBuffer buffer, AudioWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        using var w = OpenWrite(path, buffer.SampleRate, buffer.ChannelCount, options);
        w.Write(buffer.Channels, 0, buffer.Length);
        w.Complete();
    }
}
