using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traum.Core;

namespace Traum.Models.Demucs;

/// <summary>One loaded graph of a model.</summary>
/// <param name="File">Graph file name in the model folder.</param>
/// <param name="Contract">The contract detected from its inputs and outputs.</param>
/// <param name="HalfTensors">True when some of its inputs or outputs are float16 (converted at the boundary).</param>
/// <param name="Description">Its bound inputs and outputs: names, shapes, element types.</param>
public sealed record DemucsGraphInfo(string File, DemucsContract Contract, bool HalfTensors, string Description);

/// <summary>
/// Splits a stereo track into the model's sources with a Demucs export of either graph contract (DESIGN.md, "Demucs";
/// docs/separation.md): track normalisation, chunked overlap-add with triangular weights, optional shift trick, and per
/// chunk either STFT → graph → iSTFT (split graphs) or the graph alone (full graphs).
/// Streaming: the track is read twice (once for its mean and deviation, once to separate) and written as it goes,
/// so memory does not grow with its length. The ONNX session(s) are created once, in the constructor.
/// Not thread-safe: one separation at a time per instance.
/// </summary>
public sealed partial class DemucsSeparator : IDisposable
{
    private const int Block = 65536;

    private readonly IChunkModel _model;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Loads the model in <paramref name="folder"/> (its <c>model.json</c> and graph(s)).</summary>
    /// <exception cref="ModelNotFoundException">The folder, manifest or a graph is missing or does not match the contract.</exception>
    public static DemucsSeparator Load(string folder, DemucsOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        var manifest = DemucsManifest.Load(folder);
        return new DemucsSeparator(manifest, folder, options ?? new DemucsOptions(), loggerFactory, time);
    }

    /// <summary>Opens the graph(s) of <paramref name="manifest"/> in <paramref name="folder"/>.</summary>
    public DemucsSeparator(DemucsManifest manifest, string folder, DemucsOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        manifest.Validate(Path.Combine(folder, DemucsManifest.FileName));
        Manifest = manifest;
        Options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<DemucsSeparator>();
        _time = time ?? TimeProvider.System;
        var geometry = new DemucsGeometry(manifest.Segment);
        var graphs = new List<(DemucsGraph, int[])>();
        try
        {
            foreach (var entry in manifest.Graphs)
            {
                var graph = DemucsGraph.Open(Path.Combine(folder, entry.File), geometry, manifest.Sources.Count, manifest.DeclaredContract, options, _logger);
                graphs.Add((graph, manifest.StemsOf(entry).Select(manifest.IndexOf).ToArray()));
            }
        }
        catch
        {
            foreach (var (g, _) in graphs) g.Dispose();
            throw;
        }
        Provider = graphs[0].Item1.Provider;
        Graphs = [.. graphs.Select((g, i) => new DemucsGraphInfo(manifest.Graphs[i].File, g.Item1.Contract, g.Item1.HasHalfTensors, g.Item1.Description))];
        _model = new GraphChunkModel(geometry, manifest.Sources.Count, graphs);
        LogLoaded(_logger, manifest.Name, graphs.Count, Provider, options.IntraOpThreads == 0 ? "default" : options.IntraOpThreads.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Runs any per-chunk model (tests, benchmarks).</summary>
    internal DemucsSeparator(IChunkModel model, DemucsManifest manifest, DemucsOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        options.Validate();
        _model = model;
        Manifest = manifest;
        Options = options;
        Provider = "none";
        Graphs = [];
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<DemucsSeparator>();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The model's manifest: sources (output order), sample rate, segment.</summary>
    public DemucsManifest Manifest { get; }

    /// <summary>Overlap, shifts, seed, threads.</summary>
    public DemucsOptions Options { get; }

    /// <summary>Per-chunk stage times since creation (pack, graph, unpack), when the model is the ONNX one.</summary>
    internal (TimeSpan Pack, TimeSpan Graph, TimeSpan Unpack)? Timings => (_model as GraphChunkModel)?.Timings;

    /// <summary>The loaded graphs in manifest order, with the contract each was detected to have.</summary>
    public IReadOnlyList<DemucsGraphInfo> Graphs { get; }

    /// <summary>
    /// Separates exactly one chunk, without track normalisation or overlap-add: <paramref name="chunk"/> is planar
    /// [2][segment] (already normalised); the result is [S][2][segment].
    /// </summary>
    /// <exception cref="ArgumentException">The chunk is not two channels of <see cref="DemucsManifest.Segment"/> samples.</exception>
    public float[][][] SeparateChunk(float[][] chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.Length != 2 || chunk[0].Length != _model.Segment || chunk[1].Length != _model.Segment)
        {
            throw new ArgumentException($"A chunk is two channels of {_model.Segment} samples.", nameof(chunk));
        }
        var output = OverlapAddPass.NewStems(_model.SourceCount, _model.Segment);
        _model.Run(chunk, output);
        return output;
    }

    /// <summary>Execution provider running the graph(s): "CPU" or "CUDA".</summary>
    public string Provider { get; }

    /// <summary>The shift offsets used for <paramref name="shifts"/> passes with <paramref name="seed"/>: uniform in [0, <paramref name="maxShift"/>], samples.</summary>
    public static int[] ShiftOffsets(int shifts, int seed, int maxShift)
    {
        var rng = new Random(seed);
        var offsets = new int[shifts];
        for (var i = 0; i < shifts; i++) offsets[i] = rng.Next(0, maxShift + 1);
        return offsets;
    }

    /// <summary>
    /// Separates <paramref name="input"/> (stereo at <see cref="DemucsManifest.SampleRate"/>) and hands every stem to
    /// <paramref name="sink"/> block by block, in the order of <see cref="DemucsManifest.Sources"/>.
    /// </summary>
    /// <param name="input">The track; opened twice.</param>
    /// <param name="sink">Receives the stems.</param>
    /// <param name="progress">Chunks done of the total, with seconds of audio, real-time factor and ETA in the message.</param>
    /// <param name="cancellationToken">Checked between blocks and chunks.</param>
    /// <exception cref="InvalidInputException">The track has no samples.</exception>
    public SeparationResult Separate(ISeparationInput input, IStemSink sink, IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(sink);
        var started = _time.GetTimestamp();
        var (length, mean, std) = Measure(input, cancellationToken);
        if (length == 0) throw new InvalidInputException("The track has no samples; nothing to separate.");

        var segment = _model.Segment;
        var stride = Options.Stride(segment);
        var weights = new DemucsGeometry(segment).TriangleWeights();
        var maxShift = Manifest.SampleRate / 2;
        var offsets = Options.Shifts > 0 ? ShiftOffsets(Options.Shifts, Options.Seed, maxShift) : [];
        var prefixes = offsets.Length > 0 ? offsets.Select(o => maxShift - o).ToArray() : [0];
        var totalChunks = prefixes.Sum(p => OverlapAddPass.ChunkCount(length, stride, p));
        long chunksDone = 0;
        long written = 0;
        var rate = Manifest.SampleRate;
        void Report()
        {
            chunksDone++;
            if (progress is null) return;
            var elapsed = _time.GetElapsedTime(started).TotalSeconds;
            var audio = (double)chunksDone / totalChunks * length / rate;
            var eta = chunksDone > 0 ? elapsed / chunksDone * (totalChunks - chunksDone) : 0;
            progress.Report(new ProgressInfo(chunksDone, totalChunks, "chunks",
                string.Create(CultureInfo.InvariantCulture, $"{audio:0.0} of {(double)length / rate:0.0} s, {RealTime.Format(audio, elapsed)}, ETA {TimeSpan.FromSeconds(Math.Round(eta)):g}")));
        }

        var passes = prefixes.Select(p => new OverlapAddPass(_model, stride, weights, p) { ChunkDone = () => { cancellationToken.ThrowIfCancellationRequested(); Report(); } }).ToArray();
        var sources = _model.SourceCount;
        var scale = (float)(std + 1e-8);
        var offsetPerSource = (float)(mean / sources);
        var passScale = 1f / passes.Length;
        var output = OverlapAddPass.NewStems(sources, Block);
        var block = new float[][] { new float[Block], new float[Block] };

        void Drain()
        {
            var n = passes.Min(p => p.Ready);
            if (n == 0) return;
            if (output[0][0].Length < n) output = OverlapAddPass.NewStems(sources, n);
            for (var s = 0; s < sources; s++)
            {
                for (var c = 0; c < 2; c++) Array.Clear(output[s][c], 0, n);
            }
            foreach (var p in passes)
            {
                p.AddTo(output, n, passScale);
                p.Take(n);
            }
            for (var s = 0; s < sources; s++)
            {
                for (var c = 0; c < 2; c++)
                {
                    var d = output[s][c].AsSpan(0, n);
                    System.Numerics.Tensors.TensorPrimitives.Multiply(d, scale, d);
                    System.Numerics.Tensors.TensorPrimitives.Add(d, offsetPerSource, d);
                }
            }
            sink.Write(output, n);
            written += n;
        }

        using (var reader = input.Open())
        {
            var fm = (float)mean;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var got = reader.Read(block, 0, Block);
                if (got == 0) break;
                for (var c = 0; c < 2; c++)
                {
                    var span = block[c].AsSpan(0, got);
                    System.Numerics.Tensors.TensorPrimitives.Subtract(span, fm, span);
                    System.Numerics.Tensors.TensorPrimitives.Divide(span, scale, span);
                }
                foreach (var p in passes) p.Push(block, 0, got);
                Drain();
            }
        }
        foreach (var p in passes) p.Complete();
        Drain();
        if (written != length) throw new InvalidOperationException($"The track read {length} samples in the first pass but {written} in the second; was the file changed meanwhile?");
        var result = new SeparationResult(length, mean, std, chunksDone, offsets, _time.GetElapsedTime(started), Provider);
        LogDone(_logger, length / (double)rate, chunksDone, result.Elapsed.TotalSeconds);
        return result;
    }

    /// <summary>First pass: length, mean and unbiased standard deviation of the reference (mean of the two channels), in double precision.</summary>
    internal static (long Length, double Mean, double Std) Measure(ISeparationInput input, CancellationToken cancellationToken)
    {
        var block = new float[][] { new float[Block], new float[Block] };
        long n = 0;
        double mean = 0, m2 = 0;
        using var reader = input.Open();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var got = reader.Read(block, 0, Block);
            if (got == 0) break;
            // Block statistics, then Chan et al.'s parallel combination (stable for long tracks).
            double bSum = 0;
            for (var i = 0; i < got; i++) bSum += 0.5 * ((double)block[0][i] + block[1][i]);
            var bMean = bSum / got;
            double bM2 = 0;
            for (var i = 0; i < got; i++)
            {
                var d = (0.5 * ((double)block[0][i] + block[1][i])) - bMean;
                bM2 += d * d;
            }
            var total = n + got;
            var delta = bMean - mean;
            mean += delta * got / total;
            m2 += bM2 + (delta * delta * n * got / total);
            n = total;
        }
        var std = n > 1 ? Math.Sqrt(m2 / (n - 1)) : 0;
        return (n, mean, std);
    }

    /// <summary>Releases the chunk model (the ONNX Runtime sessions of its graphs).</summary>
    public void Dispose() => _model.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Demucs {Model}: {Graphs} graph(s) on the {Provider} execution provider, intra-op threads {Threads}")]
    private static partial void LogLoaded(ILogger logger, string model, int graphs, string provider, string threads);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Separated {Seconds:0.0} s of audio in {Chunks} chunks, {Elapsed:0.00} s")]
    private static partial void LogDone(ILogger logger, double seconds, long chunks, double elapsed);
}
