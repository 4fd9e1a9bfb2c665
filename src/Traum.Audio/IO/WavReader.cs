using System.Buffers.Binary;
using Traum.Core;

namespace Traum.Audio.IO;

/// <summary>
/// Native streaming WAV reader: PCM 8/16/24/32-bit, IEEE float 32/64, WAVE_FORMAT_EXTENSIBLE, any channel
/// count, odd-sized (padded) chunks, unknown chunks skipped, RF64-less streamed files whose data size is
/// 0 or 0xFFFFFFFF (read to the end of the file). A file that ends before the size its data chunk states is
/// truncated: <see cref="Read"/> raises <see cref="AudioFormatException"/> when it reaches the missing part.
/// </summary>
public sealed class WavReader : IAudioReader
{
    private const ushort FormatPcm = 1;
    private const ushort FormatFloat = 3;
    private const ushort FormatExtensible = 0xFFFE;

    private readonly Stream _stream;
    private readonly string _path;
    private readonly int _bytesPerSample;
    private readonly bool _isFloat;
    private readonly int _blockAlign;
    private long _bytesLeft; // long.MaxValue when unknown
    private readonly bool _streamed;
    private long _framesRead;
    private byte[] _scratch = [];

    private WavReader(Stream stream, string path, AudioFileInfo info, int bytesPerSample, bool isFloat, long dataBytes, bool streamed)
    {
        _stream = stream;
        _path = path;
        Info = info;
        _bytesPerSample = bytesPerSample;
        _isFloat = isFloat;
        _blockAlign = bytesPerSample * info.Channels;
        _bytesLeft = dataBytes;
        _streamed = streamed;
    }

    /// <inheritdoc/>
    public AudioFileInfo Info { get; }

    /// <summary>True when the first bytes look like a RIFF/WAVE file.</summary>
    public static bool LooksLikeWav(ReadOnlySpan<byte> head) =>
        head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WAVE"u8);

    /// <summary>Opens a WAV file and reads its header.</summary>
    /// <exception cref="AudioFormatException">Not a WAV file, or an unsupported or broken header.</exception>
    public static WavReader Open(string path)
    {
        FileStream fs;
        try
        {
            fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AudioFormatException(path, $"cannot open the file ({e.Message})", e);
        }
        try
        {
            return Open(fs, path);
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    /// <summary>Reads the header from <paramref name="stream"/> (which the reader then owns).</summary>
    public static WavReader Open(Stream stream, string path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> hdr = stackalloc byte[12];
        if (ReadFull(stream, hdr) < 12)
        {
            throw new AudioFormatException(path, stream.Length == 0 ? "the file is empty" : "the file is too short to be audio");
        }
        if (!LooksLikeWav(hdr))
        {
            throw new AudioFormatException(path, "not a RIFF/WAVE file");
        }

        ushort formatTag = 0;
        int channels = 0, sampleRate = 0, bits = 0;
        var haveFmt = false;
        Span<byte> ch = stackalloc byte[8];
        while (true)
        {
            if (ReadFull(stream, ch) < 8)
            {
                throw new AudioFormatException(path, haveFmt ? "no data chunk (the file is truncated)" : "no fmt chunk (the file is truncated or not audio)");
            }
            var id = System.Text.Encoding.ASCII.GetString(ch[..4]);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(ch[4..]);
            if (id == "fmt ")
            {
                if (size < 16 || size > 4096) throw new AudioFormatException(path, $"fmt chunk has an invalid size ({size} bytes)");
                var fmt = new byte[size];
                if (ReadFull(stream, fmt) < size) throw new AudioFormatException(path, "the fmt chunk is truncated");
                if ((size & 1) == 1) SkipBytes(stream, 1, path);
                formatTag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(2));
                sampleRate = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(fmt.AsSpan(4)));
                bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(14));
                if (formatTag == FormatExtensible)
                {
                    if (size < 40) throw new AudioFormatException(path, "WAVE_FORMAT_EXTENSIBLE header is too short");
                    // SubFormat GUID: its first two bytes are the actual format tag.
                    formatTag = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(24));
                }
                haveFmt = true;
            }
            else if (id == "data")
            {
                if (!haveFmt) throw new AudioFormatException(path, "data chunk before the fmt chunk");
                break;
            }
            else
            {
                SkipBytes(stream, size + (size & 1), path);
            }

            // The data chunk's size is checked below.
            _ = size;
        }

        long dataSize = BinaryPrimitives.ReadUInt32LittleEndian(ch[4..]);
        AudioLimits.Validate(path, sampleRate, channels);
        bool isFloat;
        switch (formatTag)
        {
            case FormatPcm when bits is 8 or 16 or 24 or 32:
                isFloat = false;
                break;
            case FormatFloat when bits is 32 or 64:
                isFloat = true;
                break;
            case FormatPcm or FormatFloat:
                throw new AudioFormatException(path, $"unsupported sample size: {bits} bits ({(formatTag == FormatFloat ? "float" : "PCM")})");
            default:
                throw new AudioFormatException(path, $"unsupported WAV coding (format tag 0x{formatTag:X4}); convert it to PCM or float WAV, or FLAC");
        }

        var bytesPerSample = bits / 8;
        var blockAlign = bytesPerSample * channels;
        long? frames = null;
        long dataBytes;
        if (dataSize is 0 or 0xFFFFFFFF)
        {
            // A streamed file: the writer never went back to fill in the size. Read to the end.
            dataBytes = long.MaxValue;
            if (stream.CanSeek)
            {
                dataBytes = stream.Length - stream.Position;
                frames = dataBytes / blockAlign;
            }
        }
        else
        {
            // A data size larger than the file means the file is truncated; the reader says so when it gets there.
            dataBytes = dataSize - (dataSize % blockAlign);
            frames = dataBytes / blockAlign;
        }

        var codec = isFloat ? (bits == 32 ? "pcm_f32le" : "pcm_f64le") : bits == 8 ? "pcm_u8" : $"pcm_s{bits}le";
        var info = new AudioFileInfo(path, "wav", codec, sampleRate, channels, frames, bits);
        return new WavReader(stream, path, info, bytesPerSample, isFloat, dataBytes, dataSize is 0 or 0xFFFFFFFF);
    }

    /// <inheritdoc/>
    public int Read(float[][] destination, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var channels = Info.Channels;
        if (destination.Length < channels) throw new ArgumentException($"Need {channels} channel arrays.", nameof(destination));
        if (count <= 0 || _bytesLeft <= 0) return 0;
        var want = (long)count * _blockAlign;
        if (want > _bytesLeft) want = _bytesLeft - (_bytesLeft % _blockAlign);
        if (want <= 0) return 0;
        if (_scratch.Length < want) _scratch = new byte[want];
        int got;
        try
        {
            got = ReadFull(_stream, _scratch.AsSpan(0, (int)want));
        }
        catch (IOException e)
        {
            throw new AudioFormatException(_path, $"read error ({e.Message})", e);
        }
        var frames = got / _blockAlign;
        if (got < want && !_streamed)
        {
            throw new AudioFormatException(_path,
                $"is truncated: the header promises {Info.Frames} sample frames, the file ends after {_framesRead + frames}");
        }
        if (frames == 0)
        {
            _bytesLeft = 0;
            return 0;
        }
        _bytesLeft = _bytesLeft == long.MaxValue ? long.MaxValue : _bytesLeft - (frames * (long)_blockAlign);
        if (got < want) _bytesLeft = 0;
        _framesRead += frames;
        Decode(_scratch.AsSpan(0, frames * _blockAlign), destination, offset, frames, channels);
        return frames;
    }

    private void Decode(ReadOnlySpan<byte> src, float[][] dst, int offset, int frames, int channels)
    {
        var bps = _bytesPerSample;
        for (var c = 0; c < channels; c++)
        {
            var d = dst[c].AsSpan(offset, frames);
            var p = c * bps;
            var step = _blockAlign;
            if (_isFloat)
            {
                if (bps == 4)
                {
                    for (var i = 0; i < frames; i++, p += step) d[i] = BinaryPrimitives.ReadSingleLittleEndian(src[p..]);
                }
                else
                {
                    for (var i = 0; i < frames; i++, p += step) d[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(src[p..]);
                }
                continue;
            }
            switch (bps)
            {
                case 1:
                    for (var i = 0; i < frames; i++, p += step) d[i] = (src[p] - 128) / 128f;
                    break;
                case 2:
                    for (var i = 0; i < frames; i++, p += step) d[i] = BinaryPrimitives.ReadInt16LittleEndian(src[p..]) / 32768f;
                    break;
                case 3:
                    for (var i = 0; i < frames; i++, p += step)
                    {
                        var v = (src[p] << 8) | (src[p + 1] << 16) | (src[p + 2] << 24);
                        d[i] = (v >> 8) / 8388608f;
                    }
                    break;
                default:
                    for (var i = 0; i < frames; i++, p += step) d[i] = (float)(BinaryPrimitives.ReadInt32LittleEndian(src[p..]) / 2147483648.0);
                    break;
            }
        }
    }

    private static int ReadFull(Stream s, Span<byte> buf)
    {
        var total = 0;
        while (total < buf.Length)
        {
            var n = s.Read(buf[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private static void SkipBytes(Stream s, long n, string path)
    {
        if (s.CanSeek)
        {
            if (s.Position + n > s.Length) throw new AudioFormatException(path, "a chunk runs past the end of the file (truncated)");
            s.Seek(n, SeekOrigin.Current);
            return;
        }
        Span<byte> tmp = stackalloc byte[4096];
        while (n > 0)
        {
            var r = s.Read(tmp[..(int)Math.Min(n, tmp.Length)]);
            if (r == 0) throw new AudioFormatException(path, "a chunk runs past the end of the file (truncated)");
            n -= r;
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _stream.Dispose();
}
