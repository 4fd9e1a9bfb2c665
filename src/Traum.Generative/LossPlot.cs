using System.Buffers.Binary;
using System.IO.Compression;

namespace Traum.Generative;

/// <summary>
/// A small line chart of training and validation loss per epoch, written as an 8-bit RGB PNG. Hand-written
/// (zlib from System.IO.Compression, CRC-32 below) because SkiaSharp ships no Linux native library here and a loss
/// curve needs no more than lines on a grid. Log-scaled y axis; training in blue, validation in orange.
/// </summary>
public static class LossPlot
{
    private static readonly byte[] Background = [255, 255, 255];
    private static readonly byte[] GridColour = [225, 225, 225];
    private static readonly byte[] AxisColour = [90, 90, 90];
    private static readonly byte[] TrainColour = [31, 119, 180];
    private static readonly byte[] ValidationColour = [255, 127, 14];

    /// <summary>Renders <paramref name="losses"/> to a PNG of <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    public static byte[] Render(IReadOnlyList<EpochLoss> losses, int width = 480, int height = 300)
    {
        ArgumentNullException.ThrowIfNull(losses);
        var px = new byte[width * height * 3];
        Fill(px, Background);
        const int left = 40, right = 10, top = 10, bottom = 25;
        var plotW = width - left - right;
        var plotH = height - top - bottom;
        for (var g = 0; g <= 4; g++)
        {
            var y = top + (g * plotH / 4);
            Line(px, width, height, left, y, left + plotW, y, GridColour);
        }
        Line(px, width, height, left, top, left, top + plotH, AxisColour);
        Line(px, width, height, left, top + plotH, left + plotW, top + plotH, AxisColour);
        var values = losses.SelectMany(l => new[] { l.Train, l.Validation }).Where(v => v > 0 && double.IsFinite(v)).ToList();
        if (losses.Count > 0 && values.Count > 0)
        {
            var lo = Math.Log10(values.Min());
            var hi = Math.Log10(values.Max());
            if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
            int X(int i) => left + (losses.Count == 1 ? plotW / 2 : (int)Math.Round((double)i * plotW / (losses.Count - 1)));
            int Y(double v) => top + (int)Math.Round((hi - Math.Log10(Math.Clamp(v, Math.Pow(10, lo), Math.Pow(10, hi)))) / (hi - lo) * plotH);
            Series(px, width, height, losses.Select(l => l.Train).ToList(), X, Y, TrainColour);
            Series(px, width, height, losses.Select(l => l.Validation).ToList(), X, Y, ValidationColour);
        }
        return EncodePng(px, width, height);
    }

    private static void Series(byte[] px, int w, int h, List<double> v, Func<int, int> x, Func<double, int> y, byte[] colour)
    {
        for (var i = 0; i < v.Count; i++)
        {
            if (!(v[i] > 0) || !double.IsFinite(v[i])) continue;
            if (i > 0 && v[i - 1] > 0 && double.IsFinite(v[i - 1]))
            {
                Line(px, w, h, x(i - 1), y(v[i - 1]), x(i), y(v[i]), colour);
                Line(px, w, h, x(i - 1), y(v[i - 1]) + 1, x(i), y(v[i]) + 1, colour);
            }
            else
            {
                Line(px, w, h, x(i), y(v[i]), x(i), y(v[i]), colour);
            }
        }
    }

    private static void Fill(byte[] px, byte[] colour)
    {
        for (var i = 0; i < px.Length; i += 3) colour.CopyTo(px, i);
    }

    /// <summary>Bresenham line, clipped to the image.</summary>
    private static void Line(byte[] px, int w, int h, int x0, int y0, int x1, int y1, byte[] colour)
    {
        int dx = Math.Abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
        int dy = -Math.Abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
        var err = dx + dy;
        while (true)
        {
            if (x0 >= 0 && x0 < w && y0 >= 0 && y0 < h) colour.CopyTo(px, ((y0 * w) + x0) * 3);
            if (x0 == x1 && y0 == y1) break;
            var e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }

    /// <summary>Encodes RGB pixels (row-major, 3 bytes each) as a PNG: signature, IHDR, one zlib IDAT, IEND.</summary>
    public static byte[] EncodePng(ReadOnlySpan<byte> rgb, int width, int height)
    {
        if (rgb.Length != width * height * 3) throw new ArgumentException("Pixel buffer does not match the size.", nameof(rgb));
        using var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // colour type: truecolour
        Chunk(ms, "IHDR", ihdr);
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (var y = 0; y < height; y++)
            {
                z.WriteByte(0); // filter: none
                z.Write(rgb.Slice(y * width * 3, width * 3));
            }
        }
        Chunk(ms, "IDAT", raw.ToArray());
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static void Chunk(Stream s, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        var crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(len, crc);
        s.Write(len);
    }

    /// <summary>CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320) as PNG requires.</summary>
    internal static class Crc32
    {
        private static readonly uint[] Table = BuildTable();

        /// <summary>Continues a CRC register (start with 0xFFFFFFFF, finish by xor 0xFFFFFFFF).</summary>
        public static uint Update(uint crc, ReadOnlySpan<byte> data)
        {
            foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            return crc;
        }

        private static uint[] BuildTable()
        {
            var t = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                var c = n;
                for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                t[n] = c;
            }
            return t;
        }
    }
}
