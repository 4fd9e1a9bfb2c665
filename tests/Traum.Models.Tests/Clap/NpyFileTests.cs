using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using Traum.Models.Clap;
using Traum.TestKit;
using Xunit;

namespace Traum.Models.Tests.Clap;

public sealed class NpyFileTests
{
    /// <summary>Parses a .npy v1.0 file following the NumPy format specification (NEP 1).</summary>
    private static (string Descr, bool Fortran, long[] Shape, float[] Data, int HeaderTotal) Parse(byte[] bytes)
    {
        Assert.Equal(0x93, bytes[0]);
        Assert.Equal("NUMPY", Encoding.ASCII.GetString(bytes, 1, 5));
        Assert.Equal(1, bytes[6]);
        Assert.Equal(0, bytes[7]);
        var headerLen = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        var header = Encoding.ASCII.GetString(bytes, 10, headerLen);
        Assert.EndsWith("\n", header, StringComparison.Ordinal);
        var descr = Regex.Match(header, @"'descr':\s*'([^']*)'").Groups[1].Value;
        var fortran = Regex.Match(header, @"'fortran_order':\s*(True|False)").Groups[1].Value == "True";
        var shapeText = Regex.Match(header, @"'shape':\s*\(([^)]*)\)").Groups[1].Value;
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        var start = 10 + headerLen;
        var data = new float[(bytes.Length - start) / 4];
        for (var i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(start + (4 * i)));
        return (descr, fortran, shape, data, start);
    }

    [Fact]
    public void WriteFloat32_FourDimensions_HasValidV1HeaderAndLittleEndianData()
    {
        using var dir = new TempDir("npy");
        var path = dir.File("f.npy");
        var values = Enumerable.Range(0, 2 * 1 * 3 * 4).Select(i => (i * 1.5f) - 7.25f).ToArray();

        NpyFile.WriteFloat32(path, values, [2, 1, 3, 4]);

        var (descr, fortran, shape, data, total) = Parse(File.ReadAllBytes(path));
        Assert.Equal("<f4", descr);
        Assert.False(fortran);
        Assert.Equal([2L, 1, 3, 4], shape);
        Assert.Equal(0, total % 64);
        Assert.Equal(values, data);
    }

    [Fact]
    public void WriteFloat32_OneDimension_WritesTupleWithTrailingComma()
    {
        using var dir = new TempDir("npy");
        var path = dir.File("v.npy");

        NpyFile.WriteFloat32(path, [1f, 2f, 3f], [3]);

        var bytes = File.ReadAllBytes(path);
        Assert.Contains("'shape': (3,)", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal([1f, 2f, 3f], Parse(bytes).Data);
    }

    [Fact]
    public void WriteFloat32_ShapeDisagreesWithData_Throws()
    {
        using var dir = new TempDir("npy");

        Assert.Throws<ArgumentException>(() => NpyFile.WriteFloat32(dir.File("x.npy"), [1f, 2f], [3]));
        Assert.False(File.Exists(dir.File("x.npy")));
    }
}
