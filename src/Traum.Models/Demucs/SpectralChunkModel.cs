using Traum.Audio.Spectral;
using static TorchSharp.torch;

namespace Traum.Models.Demucs;

/// <summary>Separates one chunk of exactly <see cref="Segment"/> stereo samples into S sources.</summary>
internal interface IChunkModel : IDisposable
{
    /// <summary>Chunk length, samples.</summary>
    int Segment { get; }

    /// <summary>S, sources produced.</summary>
    int SourceCount { get; }

    /// <summary>Separates <paramref name="chunk"/> (planar [2][segment], normalised) into <paramref name="output"/> ([S][2][segment]).</summary>
    void Run(float[][] chunk, float[][][] output);
}

/// <summary>
/// The per-chunk half of the split-graph contract (steps 4–5 of DESIGN.md): reflect-pad, STFT, drop the top bin and
/// the two edge frames each side, pack as [L.re, L.im, R.re, R.im], run the graph(s), unpack the frequency branch,
/// restore the zero bin and frames, inverse STFT, crop, add the time branch. A bag of specialists runs every graph
/// and takes from each only its own stem(s).
/// </summary>
internal sealed class SpectralChunkModel : IChunkModel
{
    private static readonly StftOptions s_stft = new(DemucsGeometry.NFft, DemucsGeometry.Hop, Center: true, Normalized: true);

    private readonly DemucsGeometry _geometry;
    private readonly (DemucsGraph Graph, int[] Stems)[] _graphs;
    private readonly float[] _padded;

    /// <param name="geometry">Chunk geometry.</param>
    /// <param name="sourceCount">S of the model.</param>
    /// <param name="graphs">Each graph with the indices (into the model's sources) of the stems taken from it.</param>
    public SpectralChunkModel(DemucsGeometry geometry, int sourceCount, IReadOnlyList<(DemucsGraph Graph, int[] Stems)> graphs)
    {
        _geometry = geometry;
        SourceCount = sourceCount;
        _graphs = [.. graphs];
        _padded = new float[2 * geometry.PaddedLength];
    }

    public int Segment => _geometry.Segment;

    public int SourceCount { get; }

    public void Run(float[][] chunk, float[][][] output)
    {
        var g = _geometry;
        var seg = g.Segment;
        ReflectPad(chunk[0].AsSpan(0, seg), _padded.AsSpan(0, g.PaddedLength), g.PadLeft);
        ReflectPad(chunk[1].AsSpan(0, seg), _padded.AsSpan(g.PaddedLength, g.PaddedLength), g.PadLeft);

        using (NewDisposeScope())
        {
            // STFT [2, 2049, 340] → [2, 2048, 336] → real view [2, 2048, 336, 2] → [2, 2, 2048, 336] = [L.re, L.im, R.re, R.im].
            var xp = tensor(_padded, [2, g.PaddedLength]);
            var z = Stft.Forward(xp, s_stft).narrow(1, 0, DemucsGeometry.Bins).narrow(2, DemucsGeometry.EdgeFrames, g.Frames);
            var packed = view_as_real(z).permute(0, 3, 1, 2).contiguous();
            foreach (var (graph, _) in _graphs)
            {
                packed.data<float>().CopyTo(graph.Spec);
                chunk[0].AsSpan(0, seg).CopyTo(graph.Mix);
                chunk[1].AsSpan(0, seg).CopyTo(graph.Mix.AsSpan(seg));
            }
        }

        foreach (var (graph, stems) in _graphs)
        {
            graph.Run();
            Unpack(graph, stems, output);
        }
    }

    /// <summary>Frequency branch of <paramref name="stems"/> → inverse STFT → crop, plus the time branch, into <paramref name="output"/>.</summary>
    private void Unpack(DemucsGraph graph, int[] stems, float[][][] output)
    {
        var g = _geometry;
        var seg = g.Segment;
        var bins = DemucsGeometry.Bins;
        using var scope = NewDisposeScope();
        var freq = tensor(graph.Freq, [graph.Sources, 4, bins, g.Frames]);
        var selected = stems.Length == graph.Sources && stems.Select((s, i) => s == i).All(b => b)
            ? freq
            : freq.index_select(0, tensor(stems.Select(s => (long)s).ToArray()));
        var n = stems.Length;
        // [n, 4, F, T] → [n, 2 (channel), 2 (re/im), F, T] → [n, 2, F, T, 2] → complex [n·2, F, T]
        var cac = selected.view(n, 2, 2, bins, g.Frames).permute(0, 1, 3, 4, 2).contiguous().view(n * 2, bins, g.Frames, 2);
        var full = zeros([n * 2, bins + 1, g.FullFrames, 2], dtype: ScalarType.Float32);
        full.narrow(1, 0, bins).narrow(2, DemucsGeometry.EdgeFrames, g.Frames).copy_(cac);
        var wave = Stft.Inverse(view_as_complex(full), s_stft, g.PaddedLength).narrow(1, g.PadLeft, seg).contiguous();
        var acc = wave.data<float>();
        var time = graph.Time;
        for (var i = 0; i < n; i++)
        {
            var s = stems[i];
            for (var c = 0; c < 2; c++)
            {
                var dst = output[s][c].AsSpan(0, seg);
                acc.CopyTo(dst, 0, ((i * 2L) + c) * seg);
                System.Numerics.Tensors.TensorPrimitives.Add(dst, time.AsSpan((((s * 2) + c) * seg), seg), dst);
            }
        }
    }

    /// <summary>torch.nn.functional.pad(mode='reflect'): x[-k] = x[k], x[n-1+k] = x[n-1-k].</summary>
    internal static void ReflectPad(ReadOnlySpan<float> x, Span<float> dst, int left)
    {
        var n = x.Length;
        x.CopyTo(dst.Slice(left, n));
        for (var k = 1; k <= left; k++) dst[left - k] = x[k];
        var right = dst.Length - left - n;
        for (var k = 1; k <= right; k++) dst[left + n - 1 + k] = x[n - 1 - k];
    }

    public void Dispose()
    {
        foreach (var (graph, _) in _graphs) graph.Dispose();
    }
}
