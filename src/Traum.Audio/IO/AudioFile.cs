using Traum.Core;

namespace Traum.Audio.IO;

/// <summary>The front door for reading and writing audio files of any supported format.</summary>
public static class AudioFile
{
    /// <summary>
    /// Opens a streaming reader. WAV is read natively; every other format through the FFmpeg libraries in process, or
    /// through the ffmpeg command-line tools when the environment variable <c>TRAUM_DECODER</c> is <c>cli</c> or the
    /// libraries (FFmpeg 5.1: libavformat 59) cannot be loaded. Both give the same samples.
    /// </summary>
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
        AudioLimits.CheckReadableFile(path);
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
        // In process through the FFmpeg libraries; the ffmpeg tools when TRAUM_DECODER=cli or the libraries are unusable.
        if (LibAvReader.Enabled(Environment.GetEnvironmentVariable(LibAvReader.DecoderVariable))) return LibAvReader.Open(path, cancellationToken);
        return Ffmpeg.OpenRead(path, cancellationToken);
    }

    /// <summary>Reads only the header: format, codec, rate, channels, length.</summary>
    /// <exception cref="AudioFormatException">Missing, empty, corrupt, not audio, or ffmpeg is needed and missing.</exception>
    public static AudioFileInfo Probe(string path)
    {
        using var r = OpenRead(path);
        return r.Info;
    }

    /// <summary>Decodes a whole file into memory. Prefer <see cref="OpenRead(string, CancellationToken)"/> for long files.</summary>
    /// <exception cref="AudioFormatException">Missing, empty, corrupt, truncated with no audio, or not audio.</exception>
    public static AudioBuffer Read(string path, CancellationToken cancellationToken = default)
    {
        using var reader = OpenRead(path, cancellationToken);
        return ReadAll(reader, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Reads the rest of a reader into one buffer. Buffers grow with the samples actually decoded (a header's frame
    /// count sizes at most the first 16 blocks and then the buffers double), so a header that claims more than the
    /// file holds cannot make Traum allocate for it.
    /// </summary>
    /// <param name="reader">The reader; read to its end.</param>
    /// <param name="maxSamples">Most samples (frames × channels) to accept; more is refused as too long.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <exception cref="AudioFormatException">No samples, or more than <paramref name="maxSamples"/>.</exception>
    public static AudioBuffer ReadAll(IAudioReader reader, long maxSamples = long.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var info = reader.Info;
        var chans = info.Channels;
        // About 1 MiB of floats per block whatever the channel count.
        var block = Math.Max(1024, (1 << 18) / Math.Max(1, chans));
        var maxFrames = Math.Min(Array.MaxLength, maxSamples / Math.Max(1, chans));
        var hint = info.Frames is { } f && f > 0 ? Math.Min(f, maxFrames) : block;
        var capacity = (int)Math.Min(Math.Min(hint, block * 16L), Array.MaxLength);
        var data = new float[chans][];
        for (var c = 0; c < chans; c++) data[c] = new float[capacity];
        var len = 0;
        float[][]? probe = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (len == capacity)
            {
                // Full. Most files end exactly here (the header's frame count was right): a small read aside tells,
                // so that a correct header costs one buffer of the exact size and no copy.
                probe ??= [.. Enumerable.Range(0, chans).Select(_ => new float[Math.Min(block, 4096)])];
                var extra = reader.Read(probe, 0, probe[0].Length);
                if (extra == 0) break;
                var want = Math.Max(capacity * 2L, len + (long)block);
                if (len >= maxFrames) throw TooLong(info, maxSamples);
                var newCap = Math.Min(want, Math.Min(maxFrames + 1L, Array.MaxLength));
                if (newCap < len + extra) throw TooLong(info, maxSamples);
                capacity = (int)newCap;
                for (var c = 0; c < chans; c++)
                {
                    Array.Resize(ref data[c], capacity);
                    probe[c].AsSpan(0, extra).CopyTo(data[c].AsSpan(len));
                }
                len += extra;
                if (len > maxFrames) throw TooLong(info, maxSamples);
                continue;
            }
            var got = reader.Read(data, len, Math.Min(block, capacity - len));
            if (got == 0) break;
            len += got;
            if (len > maxFrames) throw TooLong(info, maxSamples);
        }
        if (len == 0) throw new AudioFormatException(info.Path, "the file holds no audio samples");
        for (var c = 0; c < chans; c++)
        {
            if (data[c].Length != len) Array.Resize(ref data[c], len);
        }
        return new AudioBuffer(data, info.SampleRate);
    }

    private static AudioFormatException TooLong(AudioFileInfo info, long maxSamples) =>
        maxSamples >= Array.MaxLength
            ? new AudioFormatException(info.Path, "the file is too long to hold in memory; process it in chunks")
            : new AudioFormatException(info.Path,
                $"is longer than this operation accepts ({maxSamples / Math.Max(1, info.Channels) / (double)info.SampleRate:0.#} s at {info.SampleRate} Hz with {info.Channels} channel(s)); trim it first");

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
