using System.Buffers.Binary;
using System.IO.Compression;

namespace Traum.Generative;

/// <summary>
/// A small line chart of training and validation loss per epoch, written as an 8-bit RGB PNG. Hand-written
/// (zlib from System.IO.Compression, CRC-32 below) because SkiaSharp ships no Linux native library here and a loss
/// curve needs no more than lines on a grid and a few 5 × 7 glyphs. Log-scaled y axis with ticks and labels, x axis in
/// epochs, axis titles and a legend; training in blue, validation in orange; non-finite epochs marked in red.
/// </summary>
public static class LossPlot
{
    private static readonly byte[] Background = [255, 255, 255];
    private static readonly byte[] GridColour = [225, 225, 225];
    private static readonly byte[] AxisColour = [90, 90, 90];
    private static readonly byte[] TrainColour = [31, 119, 180];
    private static readonly byte[] ValidationColour = [255, 127, 14];

    /// <summary>
    /// Renders <paramref name="losses"/> to a PNG of <paramref name="width"/> × <paramref name="height"/> pixels: log-scaled
    /// y axis with a tick and label at every power of ten, x axis ticked in epochs, axis titles, a legend, and both curves.
    /// Non-finite epochs are marked by a red tick under the x axis (never dropped silently).
    /// </summary>
    public static byte[] Render(IReadOnlyList<EpochLoss> losses, int width = 560, int height = 340)
    {
        ArgumentNullException.ThrowIfNull(losses);
        var px = new byte[width * height * 3];
        Fill(px, Background);
        const int left = 58, right = 12, top = 12, bottom = 44;
        var plotW = width - left - right;
        var plotH = height - top - bottom;
        var values = losses.SelectMany(l => new[] { l.Train, l.Validation }).Where(v => v > 0 && double.IsFinite(v)).ToList();
        var lo = values.Count > 0 ? Math.Floor(Math.Log10(values.Min())) : -2;
        var hi = values.Count > 0 ? Math.Ceiling(Math.Log10(values.Max())) : 0;
        if (hi <= lo) hi = lo + 1;
        int X(int i) => left + (losses.Count <= 1 ? plotW / 2 : (int)Math.Round((double)i * plotW / (losses.Count - 1)));
        int Y(double v) => top + (int)Math.Round((hi - Math.Log10(Math.Clamp(v, Math.Pow(10, lo), Math.Pow(10, hi)))) / (hi - lo) * plotH);
        // Y grid, ticks and labels at powers of ten.
        for (var e = (int)lo; e <= (int)hi; e++)
        {
            var y = Y(Math.Pow(10, e));
            Line(px, width, height, left, y, left + plotW, y, GridColour);
            Line(px, width, height, left - 4, y, left, y, AxisColour);
            var label = "1E" + e.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Text(px, width, height, left - 6 - (label.Length * 6), y - 3, label, AxisColour);
        }
        // X ticks: about six, in epochs (1-based).
        if (losses.Count > 0)
        {
            var ticks = Enumerable.Range(0, 6).Select(k => losses.Count <= 1 ? 0 : (int)Math.Round(k * (losses.Count - 1) / 5.0)).Distinct();
            foreach (var i in ticks)
            {
                var x = X(i);
                Line(px, width, height, x, top + plotH, x, top + plotH + 4, AxisColour);
                var label = losses[i].Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Text(px, width, height, x - (label.Length * 3), top + plotH + 7, label, AxisColour);
            }
        }
        Line(px, width, height, left, top, left, top + plotH, AxisColour);
        Line(px, width, height, left, top + plotH, left + plotW, top + plotH, AxisColour);
        Text(px, width, height, left + (plotW / 2) - 15, height - 14, "EPOCH", AxisColour);
        Text(px, width, height, 4, top, "LOSS", AxisColour);
        Text(px, width, height, 4, top + 9, "(LOG)", AxisColour);
        if (losses.Count > 0 && values.Count > 0)
        {
            Series(px, width, height, losses.Select(l => l.Train).ToList(), X, Y, TrainColour);
            Series(px, width, height, losses.Select(l => l.Validation).ToList(), X, Y, ValidationColour);
        }
        for (var i = 0; i < losses.Count; i++)
        {
            if (!double.IsFinite(losses[i].Train) || !double.IsFinite(losses[i].Validation))
            {
                var x = X(i);
                Line(px, width, height, x, top + plotH + 1, x, top + plotH + 6, NonFiniteColour);
                Line(px, width, height, x + 1, top + plotH + 1, x + 1, top + plotH + 6, NonFiniteColour);
            }
        }
        // Legend, top right.
        var lx = left + plotW - 110;
        Line(px, width, height, lx, top + 8, lx + 16, top + 8, TrainColour);
        Line(px, width, height, lx, top + 9, lx + 16, top + 9, TrainColour);
        Text(px, width, height, lx + 20, top + 5, "TRAINING", AxisColour);
        Line(px, width, height, lx, top + 20, lx + 16, top + 20, ValidationColour);
        Line(px, width, height, lx, top + 21, lx + 16, top + 21, ValidationColour);
        Text(px, width, height, lx + 20, top + 17, "VALIDATION", AxisColour);
        return EncodePng(px, width, height);
    }

    private static readonly byte[] NonFiniteColour = [214, 39, 40];

    /// <summary>Glyphs of a 5 × 7 bitmap font (rows top to bottom, 5 bits each, high bit left) for the characters the chart uses.</summary>
    private static readonly Dictionary<char, byte[]> Glyphs = new()
    {
        ['0'] = [14, 17, 19, 21, 25, 17, 14], ['1'] = [4, 12, 4, 4, 4, 4, 14], ['2'] = [14, 17, 1, 2, 4, 8, 31],
        ['3'] = [30, 1, 1, 14, 1, 1, 30], ['4'] = [2, 6, 10, 18, 31, 2, 2], ['5'] = [31, 16, 30, 1, 1, 17, 14],
        ['6'] = [6, 8, 16, 30, 17, 17, 14], ['7'] = [31, 1, 2, 4, 8, 8, 8], ['8'] = [14, 17, 17, 14, 17, 17, 14],
        ['9'] = [14, 17, 17, 15, 1, 2, 12], ['-'] = [0, 0, 0, 31, 0, 0, 0], ['.'] = [0, 0, 0, 0, 0, 12, 12],
        ['('] = [2, 4, 8, 8, 8, 4, 2], [')'] = [8, 4, 2, 2, 2, 4, 8], [' '] = [0, 0, 0, 0, 0, 0, 0],
        ['A'] = [14, 17, 17, 31, 17, 17, 17], ['C'] = [14, 17, 16, 16, 16, 17, 14], ['D'] = [30, 17, 17, 17, 17, 17, 30],
        ['E'] = [31, 16, 16, 30, 16, 16, 31], ['G'] = [14, 17, 16, 23, 17, 17, 15], ['H'] = [17, 17, 17, 31, 17, 17, 17],
        ['I'] = [14, 4, 4, 4, 4, 4, 14], ['L'] = [16, 16, 16, 16, 16, 16, 31], ['N'] = [17, 25, 21, 19, 17, 17, 17],
        ['O'] = [14, 17, 17, 17, 17, 17, 14], ['P'] = [30, 17, 17, 30, 16, 16, 16], ['R'] = [30, 17, 17, 30, 20, 18, 17],
        ['S'] = [15, 16, 16, 14, 1, 1, 30], ['T'] = [31, 4, 4, 4, 4, 4, 4], ['V'] = [17, 17, 17, 17, 17, 10, 4],
    };

    /// <summary>Draws <paramref name="text"/> (characters of <see cref="Glyphs"/>; others are skipped) with its top-left corner at (x, y), 6 pixels per character.</summary>
    private static void Text(byte[] px, int w, int h, int x, int y, string text, byte[] colour)
    {
        foreach (var ch in text)
        {
            if (Glyphs.TryGetValue(ch, out var rows))
            {
                for (var r = 0; r < 7; r++)
                {
                    for (var c = 0; c < 5; c++)
                    {
                        if ((rows[r] & (16 >> c)) == 0) continue;
                        var xx = x + c;
                        var yy = y + r;
                        if (xx >= 0 && xx < w && yy >= 0 && yy < h) colour.CopyTo(px, ((yy * w) + xx) * 3);
                    }
                }
            }
            x += 6;
        }
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
