using Xunit;
using System.Diagnostics;
using Traum.Models.Demucs;

namespace Traum.Models.Tests.Demucs;

/// <summary>The committed fixture graphs (tests/fixtures/demucs, made by tools/demucs/make_fixtures.py) and the numpy reference.</summary>
internal static class DemucsFixtures
{
    public const int Segment = 343980;
    public const int Stride = 257985;

    public static string RepoRoot { get; } = FindRoot();

    public static string Dir(string name) => Path.Combine(RepoRoot, "tests", "fixtures", "demucs", name);

    public static DemucsSeparator Load(string name, DemucsOptions? options = null) =>
        DemucsSeparator.Load(Dir(name), options ?? new DemucsOptions { IntraOpThreads = 1 });

    /// <summary>Separates planar stereo in memory: [S][2][length].</summary>
    public static float[][][] Separate(DemucsSeparator separator, float[] left, float[] right)
    {
        var sink = new InMemorySink(separator.Manifest.Sources.Count);
        separator.Separate(new InMemoryInput(left, right), sink, cancellationToken: TestContext.Current.CancellationToken);
        return sink.Stems;
    }

    /// <summary>
    /// Runs tools/demucs/reference.py (numpy, independent of the C# code) on the fixture → [S][2][length].
    /// </summary>
    public static float[][][] Reference(string name, float[] left, float[] right, IReadOnlyList<int>? offsets = null, double overlap = 0.25)
    {
        var tmp = Path.Combine(Path.GetTempPath(), $"traum-demucs-ref-{Guid.NewGuid():N}");
        Directory.CreateDirectory(tmp);
        try
        {
            var inPath = Path.Combine(tmp, "in.f32");
            var outPath = Path.Combine(tmp, "out.f32");
            using (var fs = File.Create(inPath))
            {
                fs.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(left.AsSpan()));
                fs.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(right.AsSpan()));
            }
            var psi = new ProcessStartInfo("/usr/bin/python3")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add(Path.Combine(RepoRoot, "tools", "demucs", "reference.py"));
            psi.ArgumentList.Add(Dir(name));
            psi.ArgumentList.Add(inPath);
            psi.ArgumentList.Add(outPath);
            psi.ArgumentList.Add("--overlap");
            psi.ArgumentList.Add(overlap.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (offsets is { Count: > 0 })
            {
                psi.ArgumentList.Add("--offsets");
                psi.ArgumentList.Add(string.Join(",", offsets));
            }
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"reference.py failed: {err}");
            var bytes = File.ReadAllBytes(outPath);
            var flat = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
            var n = left.Length;
            var sources = flat.Length / (2 * n);
            var result = new float[sources][][];
            for (var s = 0; s < sources; s++)
            {
                result[s] = [flat.AsSpan((s * 2) * n, n).ToArray(), flat.AsSpan(((s * 2) + 1) * n, n).ToArray()];
            }
            return result;
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }

    /// <summary>Largest absolute difference over all stems and channels.</summary>
    public static double MaxAbsDiff(float[][][] a, float[][][] b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (var s = 0; s < a.Length; s++)
        {
            for (var c = 0; c < 2; c++)
            {
                Assert.Equal(a[s][c].Length, b[s][c].Length);
                for (var i = 0; i < a[s][c].Length; i++) max = Math.Max(max, Math.Abs((double)a[s][c][i] - b[s][c][i]));
            }
        }
        return max;
    }

    /// <summary>A music-like stereo test signal: a chord, pink noise and clicks, different in the two channels.</summary>
    public static (float[] Left, float[] Right) Music(int length, int seed = 1)
    {
        var seconds = (double)length / 44100 + 0.01;
        var chord = Traum.TestKit.Signals.Chord([48, 55, 64, 71], seconds, 44100, 0.3);
        var pink = Traum.TestKit.Signals.PinkNoise(seconds, 44100, 0.2, seed);
        var white = Traum.TestKit.Signals.WhiteNoise(seconds, 44100, 0.1, seed + 7);
        var clicks = Traum.TestKit.Signals.ClickTrack(120, seconds, 44100, 0.5);
        var l = new float[length];
        var r = new float[length];
        for (var i = 0; i < length; i++)
        {
            l[i] = chord[i] + pink[i] + clicks[i];
            r[i] = (0.6f * chord[i]) - pink[i] + white[i];
        }
        return (l, r);
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Traum.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (Traum.slnx) above " + AppContext.BaseDirectory);
    }
}
