using System.Buffers.Binary;
using System.Text;

namespace Traum.TestKit;

/// <summary>
/// Builds WAV files byte by byte, independently of Traum's writer, so reader tests can state exactly what is in
/// the file: any format tag, extensible headers, extra (odd-sized) chunks, wrong or "streamed" data sizes.
/// </summary>
public sealed class WavBytes
{
    private readonly List<(string Id, byte[] Body, uint? SizeOverride)> _chunks = [];

    /// <summary>Adds a plain WAVEFORMAT(EX) fmt chunk (16 bytes).</summary>
    public WavBytes Fmt(ushort formatTag, int channels, int sampleRate, int bitsPerSample)
    {
        var b = new byte[16];
        WriteFmt(b, formatTag, channels, sampleRate, bitsPerSample);
        return Chunk("fmt ", b);
    }

    /// <summary>Adds a WAVE_FORMAT_EXTENSIBLE fmt chunk (40 bytes) whose sub-format is <paramref name="subFormat"/> (1 PCM, 3 float).</summary>
    public WavBytes FmtExtensible(ushort subFormat, int channels, int sampleRate, int containerBits, int validBits, uint channelMask)
    {
        var b = new byte[40];
        WriteFmt(b, 0xFFFE, channels, sampleRate, containerBits);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(16), 22);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(18), (ushort)validBits);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(20), channelMask);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(24), subFormat);
        byte[] tail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];
        tail.CopyTo(b, 26);
        return Chunk("fmt ", b);
    }

    /// <summary>Adds any chunk; an odd-sized body gets its pad byte. <paramref name="sizeOverride"/> writes a different size field.</summary>
    public WavBytes Chunk(string id, byte[] body, uint? sizeOverride = null)
    {
        _chunks.Add((id, body, sizeOverride));
        return this;
    }

    /// <summary>Adds the data chunk.</summary>
    public WavBytes Data(byte[] body, uint? sizeOverride = null) => Chunk("data", body, sizeOverride);

    /// <summary>The file's bytes (RIFF size filled in unless <paramref name="riffSizeOverride"/>).</summary>
    public byte[] ToArray(uint? riffSizeOverride = null)
    {
        using var ms = new MemoryStream();
        ms.Write("RIFF"u8);
        ms.Write(new byte[4]);
        ms.Write("WAVE"u8);
        Span<byte> size = stackalloc byte[4];
        foreach (var (id, body, over) in _chunks)
        {
            ms.Write(Encoding.ASCII.GetBytes(id));
            BinaryPrimitives.WriteUInt32LittleEndian(size, over ?? (uint)body.Length);
            ms.Write(size);
            ms.Write(body);
            if ((body.Length & 1) == 1) ms.WriteByte(0);
        }
        var bytes = ms.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), riffSizeOverride ?? (uint)(bytes.Length - 8));
        return bytes;
    }

    /// <summary>Writes the bytes to <paramref name="path"/> and returns the path.</summary>
    public string Save(string path, uint? riffSizeOverride = null)
    {
        File.WriteAllBytes(path, ToArray(riffSizeOverride));
        return path;
    }

    private static void WriteFmt(Span<byte> b, ushort tag, int channels, int rate, int bits)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(b, tag);
        BinaryPrimitives.WriteUInt16LittleEndian(b[2..], (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(b[4..], (uint)rate);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], (uint)(rate * channels * bits / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(b[12..], (ushort)(channels * bits / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(b[14..], (ushort)bits);
    }

    /// <summary>Little-endian signed 24-bit samples.</summary>
    public static byte[] Int24(params int[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var b = new byte[values.Length * 3];
        for (var i = 0; i < values.Length; i++)
        {
            b[3 * i] = (byte)values[i];
            b[(3 * i) + 1] = (byte)(values[i] >> 8);
            b[(3 * i) + 2] = (byte)(values[i] >> 16);
        }
        return b;
    }

    /// <summary>Little-endian 16-bit samples.</summary>
    public static byte[] Int16(params short[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var b = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(2 * i), values[i]);
        return b;
    }

    /// <summary>Little-endian 32-bit samples.</summary>
    public static byte[] Int32(params int[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var b = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4 * i), values[i]);
        return b;
    }

    /// <summary>Little-endian float32 samples.</summary>
    public static byte[] Float32(params float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var b = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), values[i]);
        return b;
    }

    /// <summary>Little-endian float64 samples.</summary>
    public static byte[] Float64(params double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var b = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(8 * i), values[i]);
        return b;
    }
}
