using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Traum.Models.Clap;

/// <summary>Writes NumPy <c>.npy</c> files (format version 1.0, little-endian float32, C order).</summary>
public static class NpyFile
{
    /// <summary>
    /// Writes <paramref name="data"/> with <paramref name="shape"/>: the magic <c>\x93NUMPY</c>, version 1.0, a
    /// little-endian uint16 header length, the header dict padded with spaces and ended by a newline so that the data
    /// starts at a multiple of 64 bytes, then the values. Written to a temporary file and renamed.
    /// </summary>
    public static void WriteFloat32(string path, ReadOnlySpan<float> data, IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (var d in shape) count *= d;
        if (count != data.Length) throw new ArgumentException($"Shape ({string.Join(", ", shape)}) holds {count} values, not {data.Length}.", nameof(shape));
        var dims = shape.Count == 1 ? $"{shape[0]}," : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        var dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        const int Preamble = 10; // magic (6) + version (2) + header length (2)
        var total = Preamble + dict.Length + 1;
        var padded = (total + 63) / 64 * 64;
        var header = dict + new string(' ', padded - total) + "\n";
        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            Span<byte> pre = stackalloc byte[Preamble];
            pre[0] = 0x93;
            "NUMPY"u8.CopyTo(pre[1..]);
            pre[6] = 1;
            pre[7] = 0;
            BinaryPrimitives.WriteUInt16LittleEndian(pre[8..], checked((ushort)header.Length));
            fs.Write(pre);
            fs.Write(Encoding.ASCII.GetBytes(header));
            if (BitConverter.IsLittleEndian)
            {
                fs.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data));
            }
            else
            {
                var buf = new byte[4];
                foreach (var v in data)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(buf, v);
                    fs.Write(buf);
                }
            }
        }
        File.Move(tmp, path, overwrite: true);
    }
}
