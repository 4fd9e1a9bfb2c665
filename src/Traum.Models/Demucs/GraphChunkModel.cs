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
    private readonly Worker[] _workers; // one STFT and its buffers per processor (at most one per stem channel)

    /// <summary>Traum's own STFT (separation never loads libtorch) and the planar spectrum and wave buffers it fills.</summary>
    private sealed class Worker(DemucsGeometry geometry)
    {
        public ManagedStft Stft { get; } = new(s_stft);

        public float[] Re { get; } = new float[(DemucsGeometry.Bins + 1) * geometry.FullFrames];

        public float[] Im { get; } = new float[(DemucsGeometry.Bins + 1) * geometry.FullFrames];

        public float[] Wave { get; } = new float[geometry.PaddedLength];
    }

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
        var stemChannels = 2 * _graphs.Where(x => x.Graph.Contract == DemucsContract.Split).Select(x => x.Stems.Length).DefaultIfEmpty(1).Max();
        _workers = stft ? [.. Enumerable.Range(0, Math.Clamp(Environment.ProcessorCount, 1, stemChannels)).Select(_ => new Worker(geometry))] : [];
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
        // The two channels on two workers where there are two; each writes its own half of the spectrum.
        ForEach(2, (c, w) =>
        {
            w.Stft.Forward(_padded.AsSpan(c * g.PaddedLength, g.PaddedLength), w.Re, w.Im);
            for (var f = 0; f < bins; f++)
            {
                w.Re.AsSpan((f * fullFrames) + DemucsGeometry.EdgeFrames, frames).CopyTo(spec.AsSpan((((2 * c) * bins) + f) * frames, frames));
                w.Im.AsSpan((f * fullFrames) + DemucsGeometry.EdgeFrames, frames).CopyTo(spec.AsSpan((((2 * c) + 1) * bins + f) * frames, frames));
            }
        });
    }

    /// <summary>
    /// Runs <paramref name="body"/> for items 0…count−1, item i on worker i mod W, the workers in parallel when there
    /// are several. Items write disjoint outputs, so the result does not depend on the number of workers.
    /// </summary>
    private void ForEach(int count, Action<int, Worker> body)
    {
        var workers = Math.Min(_workers.Length, count);
        if (workers <= 1)
        {
            for (var i = 0; i < count; i++) body(i, _workers[0]);
            return;
        }
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            for (var i = w; i < count; i += workers) body(i, _workers[w]);
        });
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
        // Every (stem, channel) is its own inverse STFT: they run on the workers side by side.
        ForEach(2 * stems.Length, (i, w) =>
        {
            var s = stems[i / 2];
            var c = i % 2;
            var re = freq.AsSpan(((s * 4) + (2 * c)) * bins * frames, bins * frames);
            var im = freq.AsSpan(((s * 4) + (2 * c) + 1) * bins * frames, bins * frames);
            // The graph's bins and frames, with the top bin and the edge frames zero (the forward pass filled them).
            var edge = DemucsGeometry.EdgeFrames;
            w.Re.AsSpan(bins * fullFrames).Clear();
            w.Im.AsSpan(bins * fullFrames).Clear();
            for (var f = 0; f < bins; f++)
            {
                var row = f * fullFrames;
                w.Re.AsSpan(row, edge).Clear();
                w.Im.AsSpan(row, edge).Clear();
                w.Re.AsSpan(row + edge + frames, fullFrames - edge - frames).Clear();
                w.Im.AsSpan(row + edge + frames, fullFrames - edge - frames).Clear();
                re.Slice(f * frames, frames).CopyTo(w.Re.AsSpan(row + edge, frames));
                im.Slice(f * frames, frames).CopyTo(w.Im.AsSpan(row + edge, frames));
            }
            w.Stft.Inverse(w.Re, w.Im, fullFrames, w.Wave);
            var dst = output[s][c].AsSpan(0, seg);
            System.Numerics.Tensors.TensorPrimitives.Add(w.Wave.AsSpan(g.PadLeft, seg), time.AsSpan(((s * 2) + c) * seg, seg), dst);
        });
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
