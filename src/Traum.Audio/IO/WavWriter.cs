using System.Buffers.Binary;
using Traum.Core;

namespace Traum.Audio.IO;

/// <summary>
/// Streaming WAV writer: 16/24-bit PCM (optional TPDF dither for 16-bit) or 32-bit float. Samples beyond
/// ±1 are clamped when quantised to PCM. The header sizes are filled in by <see cref="Complete"/>.
/// </summary>
public sealed class WavWriter : IAudioWriter
{
    private readonly Stream _stream;
    private readonly string _path;
    private readonly int _channels;
    private readonly SampleFormat _format;
    private readonly bool _dither;
    private readonly Random _rng;
    private readonly int _bytesPerSample;
    private long _dataBytes;
    private bool _completed;
    private byte[] _scratch = [];

    /// <summary>Starts a WAV stream. The writer owns <paramref name="stream"/>, which must be seekable.</summary>
    public WavWriter(Stream stream, int sampleRate, int channels, AudioWriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        _stream = stream;
        _path = (stream as FileStream)?.Name ?? "(WAV stream)";
        _channels = channels;
        _format = options.Format;
        _dither = options.Dither && options.Format == SampleFormat.Pcm16;
        _rng = new Random(options.DitherSeed);
        _bytesPerSample = _format switch { SampleFormat.Pcm16 => 2, SampleFormat.Pcm24 => 3, _ => 4 };
        WriteHeader(sampleRate);
    }

    /// <summary>Creates (or overwrites) <paramref name="path"/>.</summary>
    public static WavWriter Create(string path, int sampleRate, int channels, AudioWriteOptions options)
    {
        try
        {
            return new WavWriter(new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16), sampleRate, channels, options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AudioFormatException(path, $"cannot write the file ({e.Message})", e);
        }
    }

    private void WriteHeader(int sampleRate)
    {
        var isFloat = _format == SampleFormat.Float32;
        // WAVE_FORMAT_EXTENSIBLE for more than two channels or more than 16 bits, as the spec asks.
        var extensible = _channels > 2 || _bytesPerSample > 2;
        var fmtSize = extensible ? 40 : 16;
        var h = new byte[12 + 8 + fmtSize + 8];
        "RIFF"u8.CopyTo(h);
        "WAVE"u8.CopyTo(h.AsSpan(8));
        "fmt "u8.CopyTo(h.AsSpan(12));
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(16), (uint)fmtSize);
        var f = h.AsSpan(20);
        var tag = (ushort)(isFloat ? 3 : 1);
        BinaryPrimitives.WriteUInt16LittleEndian(f, extensible ? (ushort)0xFFFE : tag);
        BinaryPrimitives.WriteUInt16LittleEndian(f[2..], (ushort)_channels);
        BinaryPrimitives.WriteUInt32LittleEndian(f[4..], (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(f[8..], (uint)(sampleRate * _channels * _bytesPerSample));
        BinaryPrimitives.WriteUInt16LittleEndian(f[12..], (ushort)(_channels * _bytesPerSample));
        BinaryPrimitives.WriteUInt16LittleEndian(f[14..], (ushort)(_bytesPerSample * 8));
        if (extensible)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(f[16..], 22);
            BinaryPrimitives.WriteUInt16LittleEndian(f[18..], (ushort)(_bytesPerSample * 8));
            var mask = _channels switch { 1 => 0x4u, 2 => 0x3u, 6 => 0x3Fu, 8 => 0x63Fu, _ => 0u };
            BinaryPrimitives.WriteUInt32LittleEndian(f[20..], mask);
            // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: {0000000X-0000-0010-8000-00AA00389B71}
            BinaryPrimitives.WriteUInt16LittleEndian(f[24..], tag);
            ReadOnlySpan<byte> guidTail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];
            guidTail.CopyTo(f[26..]);
        }
        "data"u8.CopyTo(h.AsSpan(20 + fmtSize));
        _stream.Write(h);
    }

    /// <inheritdoc/>
    public void Write(float[][] source, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (_completed) throw new InvalidOperationException("The writer is complete.");
        if (count <= 0) return;
        var block = _channels * _bytesPerSample;
        var n = count * block;
        if (_scratch.Length < n) _scratch = new byte[n];
        var dst = _scratch.AsSpan(0, n);
        for (var c = 0; c < _channels; c++)
        {
            var src = source[c].AsSpan(offset, count);
            var p = c * _bytesPerSample;
            switch (_format)
            {
                case SampleFormat.Float32:
                    for (var i = 0; i < count; i++, p += block) BinaryPrimitives.WriteSingleLittleEndian(dst[p..], src[i]);
                    break;
                case SampleFormat.Pcm16:
                    for (var i = 0; i < count; i++, p += block)
                    {
                        double v = src[i] * 32768.0;
                        if (_dither) v += _rng.NextDouble() - _rng.NextDouble();
                        var q = (int)Math.Round(Math.Clamp(v, -32768.0, 32767.0));
                        BinaryPrimitives.WriteInt16LittleEndian(dst[p..], (short)q);
                    }
                    break;
                default:
                    for (var i = 0; i < count; i++, p += block)
                    {
                        var q = (int)Math.Round(Math.Clamp(src[i] * 8388608.0, -8388608.0, 8388607.0));
                        dst[p] = (byte)q;
                        dst[p + 1] = (byte)(q >> 8);
                        dst[p + 2] = (byte)(q >> 16);
                    }
                    break;
            }
        }
        if (_dataBytes + n > uint.MaxValue - 64)
        {
            throw new AudioFormatException(_path, "a WAV file cannot hold more than 4 GiB of audio; write FLAC or split the audio");
        }
        _stream.Write(dst);
        _dataBytes += n;
    }

    /// <inheritdoc/>
    public void Complete()
    {
        if (_completed) return;
        _completed = true;
        var pad = _dataBytes & 1;
        if (pad == 1) _stream.WriteByte(0);
        if (_dataBytes > uint.MaxValue - 64)
        {
            throw new TraumException("The WAV file would exceed 4 GiB; write FLAC or split the audio.");
        }
        var fmtSize = (_channels > 2 || _bytesPerSample > 2) ? 40 : 16;
        Span<byte> b = stackalloc byte[4];
        _stream.Position = 4;
        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)(4 + 8 + fmtSize + 8 + _dataBytes + pad));
        _stream.Write(b);
        _stream.Position = 20 + fmtSize + 4;
        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)_dataBytes);
        _stream.Write(b);
        _stream.Flush();
    }

    /// <summary>Completes the file if <see cref="Complete"/> was not called, then closes the stream.</summary>
    public void Dispose()
    {
        try
        {
            Complete();
        }
        finally
        {
            _stream.Dispose();
        }
    }
}
