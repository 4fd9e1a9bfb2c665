using Traum.Audio.Spectral;

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
/// The per-chunk half of separation for both graph contracts. Split graphs (steps 4–5 of DESIGN.md): reflect-pad,
/// STFT, drop the top bin and the two edge frames each side, pack as [L.re, L.im, R.re, R.im], run the graph, unpack
/// the frequency branch, restore the zero bin and frames, inverse STFT, crop, add the time branch. Full graphs hold
/// the STFT themselves: the chunk goes in, the stems come out. A bag of specialists runs every graph (each may have
/// either contract) and takes from each only its own stem(s).
/// </summary>
internal sealed class GraphChunkModel : IChunkModel
{
    private static readonly StftOptions s_stft = new(DemucsGeometry.NFft, DemucsGeometry.Hop, Center: true, Normalized: true);

    private readonly DemucsGeometry _geometry;
    private readonly (DemucsGraph Graph, int[] Stems)[] _graphs;
    private readonly DemucsGraph? _split; // the first split graph: its spectrum buffer is filled once per chunk
    private readonly float[] _padded;
    private readonly ManagedStft _stft = new(s_stft); // Traum's own FFT: separation never loads libtorch
    private readonly float[] _re;
    private readonly float[] _im;
    private readonly float[] _wave;

    /// <param name="geometry">Chunk geometry.</param>
    /// <param name="sourceCount">S of the model.</param>
    /// <param name="graphs">Each graph with the indices (into the model's sources) of the stems taken from it.</param>
    public GraphChunkModel(DemucsGeometry geometry, int sourceCount, IReadOnlyList<(DemucsGraph Graph, int[] Stems)> graphs)
    {
        _geometry = geometry;
        SourceCount = sourceCount;
        _graphs = [.. graphs];
        _split = _graphs.Select(x => x.Graph).FirstOrDefault(x => x.Contract == DemucsContract.Split);
        // STFT buffers only when some graph needs the spectrum: full graphs hold their own STFT.
        var stft = _split is not null;
        _padded = stft ? new float[2 * geometry.PaddedLength] : [];
        _re = stft ? new float[(DemucsGeometry.Bins + 1) * geometry.FullFrames] : [];
        _im = new float[_re.Length];
        _wave = stft ? new float[geometry.PaddedLength] : [];
    }

    public int Segment => _geometry.Segment;

    /// <summary>Time spent packing (pad, STFT, channel packing), in the graph(s), and unpacking (iSTFT, crop, sum), since creation.</summary>
    public (TimeSpan Pack, TimeSpan Graph, TimeSpan Unpack) Timings => (TimeSpan.FromTicks(_pack), TimeSpan.FromTicks(_graph), TimeSpan.FromTicks(_unpack));

    private long _pack;
    private long _graph;
    private long _unpack;

    public int SourceCount { get; }

    public void Run(float[][] chunk, float[][][] output)
    {
        var g = _geometry;
        var seg = g.Segment;
        var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        var spec = _split?.Spec;
        if (spec is not null) Analyse(chunk, spec);
        foreach (var (graph, _) in _graphs)
        {
            if (graph.Spec is { } own && !ReferenceEquals(own, spec)) spec!.CopyTo(own, 0);
            chunk[0].AsSpan(0, seg).CopyTo(graph.Mix);
            chunk[1].AsSpan(0, seg).CopyTo(graph.Mix.AsSpan(seg));
        }

        var t1 = System.Diagnostics.Stopwatch.GetTimestamp();
        _pack += System.Diagnostics.Stopwatch.GetElapsedTime(t0, t1).Ticks;
        foreach (var (graph, stems) in _graphs)
        {
            var a = System.Diagnostics.Stopwatch.GetTimestamp();
            graph.Run();
            var b = System.Diagnostics.Stopwatch.GetTimestamp();
            if (graph.Contract == DemucsContract.Split) Unpack(graph, stems, output);
            else CopyStems(graph, stems, output);
            _graph += System.Diagnostics.Stopwatch.GetElapsedTime(a, b).Ticks;
            _unpack += System.Diagnostics.Stopwatch.GetElapsedTime(b).Ticks;
        }
    }

    /// <summary>Stems of a full graph ([S, 2, segment]) into <paramref name="output"/>, for <paramref name="stems"/> only.</summary>
    private void CopyStems(DemucsGraph graph, int[] stems, float[][][] output)
    {
        var seg = _geometry.Segment;
        foreach (var s in stems)
        {
            for (var c = 0; c < 2; c++) graph.Time.AsSpan(((s * 2) + c) * seg, seg).CopyTo(output[s][c]);
        }
    }

    /// <summary>Reflect-pad, STFT, and pack the kept bins and frames of <paramref name="chunk"/> into <paramref name="spec"/>.</summary>
    private void Analyse(float[][] chunk, float[] spec)
    {
        var g = _geometry;
        var seg = g.Segment;
        ReflectPad(chunk[0].AsSpan(0, seg), _padded.AsSpan(0, g.PaddedLength), g.PadLeft);
        ReflectPad(chunk[1].AsSpan(0, seg), _padded.AsSpan(g.PaddedLength, g.PaddedLength), g.PadLeft);

        // STFT [2049, 340] per channel → bins 0…2047, frames 2…337 → [L.re, L.im, R.re, R.im] × [2048, 336].
        var bins = DemucsGeometry.Bins;
        var frames = g.Frames;
        var fullFrames = g.FullFrames;
        for (var c = 0; c < 2; c++)
        {
            _stft.Forward(_padded.AsSpan(c * g.PaddedLength, g.PaddedLength), _re, _im);
            for (var f = 0; f < bins; f++)
            {
                _re.AsSpan((f * fullFrames) + DemucsGeometry.EdgeFrames, frames).CopyTo(spec.AsSpan((((2 * c) * bins) + f) * frames, frames));
                _im.AsSpan((f * fullFrames) + DemucsGeometry.EdgeFrames, frames).CopyTo(spec.AsSpan((((2 * c) + 1) * bins + f) * frames, frames));
            }
        }
    }

    /// <summary>Frequency branch of <paramref name="stems"/> → inverse STFT → crop, plus the time branch, into <paramref name="output"/>.</summary>
    private void Unpack(DemucsGraph graph, int[] stems, float[][][] output)
    {
        var g = _geometry;
        var seg = g.Segment;
        var bins = DemucsGeometry.Bins;
        var frames = g.Frames;
        var fullFrames = g.FullFrames;
        var freq = graph.Freq!;
        var time = graph.Time;
        // Graph layout [S, 4 = (channel, re/im), F, T] → [F + 1, T + 4] per stem and channel: the top bin and the two
        // edge frames each side stay zero. Then the inverse STFT, the crop, and the time branch.
        Array.Clear(_re);
        Array.Clear(_im);
        foreach (var s in stems)
        {
            for (var c = 0; c < 2; c++)
            {
                var re = freq.AsSpan(((s * 4) + (2 * c)) * bins * frames, bins * frames);
                var im = freq.AsSpan(((s * 4) + (2 * c) + 1) * bins * frames, bins * frames);
                for (var f = 0; f < bins; f++)
                {
                    re.Slice(f * frames, frames).CopyTo(_re.AsSpan((f * fullFrames) + DemucsGeometry.EdgeFrames, frames));
                    im.Slice(f * frames, frames).CopyTo(_im.AsSpan((f * fullFrames) + DemucsGeometry.EdgeFrames, frames));
                }
                _stft.Inverse(_re, _im, fullFrames, _wave);
                var dst = output[s][c].AsSpan(0, seg);
                System.Numerics.Tensors.TensorPrimitives.Add(_wave.AsSpan(g.PadLeft, seg), time.AsSpan(((s * 2) + c) * seg, seg), dst);
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
