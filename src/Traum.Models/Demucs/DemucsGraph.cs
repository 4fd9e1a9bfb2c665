using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Traum.Core;

namespace Traum.Models.Demucs;

/// <summary>
/// One split-graph Demucs ONNX session with its inputs and outputs bound once to preallocated buffers.
/// Inputs are recognised by rank and shape (names differ between exports): <c>mix</c> [1, 2, segment] and
/// <c>spec</c> [1, 4, 2048, frames]; outputs: frequency branch [1, S, 4, 2048, frames] and time branch [1, S, 2, segment].
/// </summary>
internal sealed partial class DemucsGraph : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    private DemucsGraph(InferenceSession session, string provider, DemucsGeometry geometry, int sources,
        string mixName, string specName, string freqName, string timeName)
    {
        _session = session;
        Provider = provider;
        Sources = sources;
        Mix = new float[2 * geometry.Segment];
        Spec = new float[4 * DemucsGeometry.Bins * geometry.Frames];
        Freq = new float[sources * 4 * DemucsGeometry.Bins * geometry.Frames];
        Time = new float[sources * 2 * geometry.Segment];
        _inputNames = [mixName, specName];
        _outputNames = [freqName, timeName];
        _inputs = [OrtValue.CreateTensorValueFromMemory(Mix, geometry.MixShape), OrtValue.CreateTensorValueFromMemory(Spec, geometry.SpecShape)];
        _outputs = [OrtValue.CreateTensorValueFromMemory(Freq, geometry.FreqShape(sources)), OrtValue.CreateTensorValueFromMemory(Time, geometry.TimeShape(sources))];
    }

    /// <summary>The execution provider the session runs on ("CPU" or "CUDA").</summary>
    public string Provider { get; }

    /// <summary>S, the number of sources the graph outputs.</summary>
    public int Sources { get; }

    /// <summary>Input: planar chunk [2, segment] (left then right).</summary>
    public float[] Mix { get; }

    /// <summary>Input: complex-as-channels spectrum [4, 2048, frames] = [L.re, L.im, R.re, R.im].</summary>
    public float[] Spec { get; }

    /// <summary>Output: frequency branch [S, 4, 2048, frames].</summary>
    public float[] Freq { get; }

    /// <summary>Output: time branch [S, 2, segment].</summary>
    public float[] Time { get; }

    /// <summary>Runs the graph on <see cref="Mix"/> and <see cref="Spec"/>, filling <see cref="Freq"/> and <see cref="Time"/>.</summary>
    public void Run() => _session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);

    /// <summary>Opens <paramref name="path"/> and checks it against the split-graph contract.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="geometry">Chunk geometry from the manifest's segment.</param>
    /// <param name="sources">S from the manifest.</param>
    /// <param name="options">Threads and execution provider.</param>
    /// <param name="logger">Reports the provider that runs.</param>
    /// <exception cref="ModelNotFoundException">The file is not a loadable ONNX graph or does not match the contract.</exception>
    public static DemucsGraph Open(string path, DemucsGeometry geometry, int sources, DemucsOptions options, ILogger logger)
    {
        var (session, provider) = CreateSession(path, options, logger);
        try
        {
            var inputs = session.InputNames.Select(n => (Name: n, Meta: session.InputMetadata[n])).ToList();
            var outputs = session.OutputNames.Select(n => (Name: n, Meta: session.OutputMetadata[n])).ToList();
            string Contract() => $"{path} does not have the split Demucs contract (inputs mix [1,2,{geometry.Segment}] and spec [1,4,{DemucsGeometry.Bins},{geometry.Frames}], outputs [1,{sources},4,{DemucsGeometry.Bins},{geometry.Frames}] and [1,{sources},2,{geometry.Segment}]). " +
                $"It has inputs {Describe(inputs)} and outputs {Describe(outputs)}. Check 'segment' and 'sources' in model.json, or export the model with the STFT outside the graph.";
            if (inputs.Count != 2 || outputs.Count < 2) throw new ModelNotFoundException(Contract());
            var mix = Find(inputs, geometry.MixShape);
            var spec = Find(inputs, geometry.SpecShape);
            var freq = Find(outputs, geometry.FreqShape(sources));
            var time = Find(outputs, geometry.TimeShape(sources));
            if (mix is null || spec is null || freq is null || time is null) throw new ModelNotFoundException(Contract());
            return new DemucsGraph(session, provider, geometry, sources, mix, spec, freq, time);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static string Describe(List<(string Name, NodeMetadata Meta)> nodes) =>
        string.Join(", ", nodes.Select(n => $"{n.Name} [{string.Join(",", n.Meta.Dimensions)}]"));

    /// <summary>The name of the float tensor whose shape matches <paramref name="shape"/> (dynamic dimensions match anything).</summary>
    private static string? Find(List<(string Name, NodeMetadata Meta)> nodes, long[] shape)
    {
        foreach (var (name, meta) in nodes)
        {
            if (!meta.IsTensor || meta.ElementDataType != TensorElementType.Float) continue;
            var dims = meta.Dimensions;
            if (dims.Length != shape.Length) continue;
            var ok = true;
            for (var i = 0; i < dims.Length && ok; i++) ok = dims[i] <= 0 || dims[i] == shape[i];
            if (ok) return name;
        }
        return null;
    }

    private static (InferenceSession Session, string Provider) CreateSession(string path, DemucsOptions options, ILogger logger)
    {
        var wantCuda = options.ExecutionProvider != "cpu";
        if (wantCuda)
        {
            var available = OrtEnv.Instance().GetAvailableProviders();
            if (available.Contains("CUDAExecutionProvider"))
            {
                var so = NewOptions(options);
                try
                {
                    so.AppendExecutionProvider_CUDA(0);
                    return (new InferenceSession(path, so), "CUDA");
                }
                catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
                {
                    LogCudaFallback(logger, e.Message);
                }
                finally
                {
                    so.Dispose();
                }
            }
            else if (options.ExecutionProvider == "cuda")
            {
                LogCudaFallback(logger, "this ONNX Runtime build has no CUDA execution provider (install the Microsoft.ML.OnnxRuntime.Gpu build)");
            }
        }
        using var cpu = NewOptions(options);
        try
        {
            return (new InferenceSession(path, cpu), "CPU");
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelNotFoundException($"{path} cannot be loaded by ONNX Runtime ({e.Message}). Run 'traum models pull demucs' again, or re-export the model.", e);
        }
    }

    private static SessionOptions NewOptions(DemucsOptions options)
    {
        var so = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (options.IntraOpThreads > 0) so.IntraOpNumThreads = options.IntraOpThreads;
        // Idle ONNX Runtime workers would otherwise spin between runs and steal the cores the STFT work needs.
        so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return so;
    }

    public void Dispose()
    {
        foreach (var v in _inputs) v.Dispose();
        foreach (var v in _outputs) v.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "CUDA is not usable ({Reason}); running on CPU")]
    private static partial void LogCudaFallback(ILogger logger, string reason);
}
