using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Traum.Core;

namespace Traum.Models.Demucs;

/// <summary>The two shapes of public htdemucs ONNX exports.</summary>
public enum DemucsContract
{
    /// <summary>
    /// STFT outside the graph (Ghilda/htdemucs-onnx, monteslu/htdemucs-ft-webgpu, sevagh/demucs.onnx): inputs
    /// <c>mix</c> [1, 2, segment] and the spectrum [1, 4, 2048, frames]; outputs the frequency branch
    /// [1, S, 4, 2048, frames] and the time branch [1, S, 2, segment]. Traum does the STFT, iSTFT and the sum.
    /// </summary>
    Split,

    /// <summary>
    /// STFT inside the graph (StemSplitio exports, openkara-models, the Mixxx export): input <c>mix</c>
    /// [1, 2, segment]; output <c>stems</c> [1, S, 2, segment].
    /// </summary>
    Full,
}

/// <summary>Names of the contracts as written in <c>model.json</c> and shown in listings.</summary>
public static class DemucsContracts
{
    /// <summary>"split" or "full".</summary>
    public static string Name(DemucsContract contract) => contract == DemucsContract.Split ? "split" : "full";

    /// <summary>One line for listings: what the graph holds.</summary>
    public static string Describe(DemucsContract contract) =>
        contract == DemucsContract.Split ? "split graph (STFT outside)" : "full graph (STFT inside)";

    /// <summary>Parses "split" or "full" (case-insensitive); null for anything else.</summary>
    public static DemucsContract? Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "split" => DemucsContract.Split,
        "full" => DemucsContract.Full,
        _ => null,
    };
}

/// <summary>
/// One Demucs ONNX session with its inputs and outputs bound once to preallocated buffers. The contract is detected
/// from the graph's inputs and outputs (count, rank and shape; names break ties): split graphs take <c>mix</c>
/// [1, 2, segment] and the spectrum [1, 4, 2048, frames] and give the frequency branch [1, S, 4, 2048, frames] and
/// the time branch [1, S, 2, segment]; full graphs take <c>mix</c> and give <c>stems</c> [1, S, 2, segment].
/// Tensors may be float32 or float16; float16 ones are converted at the boundary, so callers always see float32.
/// </summary>
internal sealed partial class DemucsGraph : IDisposable
{
    private static readonly string[] s_mixNames = ["mix", "waveform", "input", "audio"];
    private static readonly string[] s_specNames = ["spec", "mag", "z", "spectrogram"];
    private static readonly string[] s_freqNames = ["freq", "x", "spec_out", "out_spec"];
    private static readonly string[] s_timeNames = ["time", "xt", "wave", "out_wave"];
    private static readonly string[] s_stemsNames = ["stems", "output", "sources", "out"];

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly Binding[] _inputs;
    private readonly Binding[] _outputs;
    private readonly OrtValue[] _inputValues;
    private readonly OrtValue[] _outputValues;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    private DemucsGraph(InferenceSession session, string provider, DemucsContract contract, int sources, Binding[] inputs, Binding[] outputs, string description)
    {
        _session = session;
        Provider = provider;
        Contract = contract;
        Sources = sources;
        _inputs = inputs;
        _outputs = outputs;
        _inputValues = [.. inputs.Select(b => b.Value)];
        _outputValues = [.. outputs.Select(b => b.Value)];
        _inputNames = [.. inputs.Select(b => b.Name)];
        _outputNames = [.. outputs.Select(b => b.Name)];
        Description = description;
        Mix = inputs[0].Data;
        if (contract == DemucsContract.Split)
        {
            Spec = inputs[1].Data;
            Freq = outputs[0].Data;
            Time = outputs[1].Data;
        }
        else
        {
            Time = outputs[0].Data;
        }
    }

    /// <summary>The execution provider the session runs on ("CPU" or "CUDA").</summary>
    public string Provider { get; }

    /// <summary>Which contract the graph has.</summary>
    public DemucsContract Contract { get; }

    /// <summary>S, the number of sources the graph outputs.</summary>
    public int Sources { get; }

    /// <summary>The graph's inputs and outputs as bound (names, shapes, element types), for reports.</summary>
    public string Description { get; }

    /// <summary>True when any input or output is float16 (converted at the boundary).</summary>
    public bool HasHalfTensors => _inputs.Concat(_outputs).Any(b => b.Half is not null);

    /// <summary>Input: planar chunk [2, segment] (left then right).</summary>
    public float[] Mix { get; }

    /// <summary>Input of split graphs: complex-as-channels spectrum [4, 2048, frames] = [L.re, L.im, R.re, R.im]; null for full graphs.</summary>
    public float[]? Spec { get; }

    /// <summary>Output of split graphs: frequency branch [S, 4, 2048, frames]; null for full graphs.</summary>
    public float[]? Freq { get; }

    /// <summary>Output: time branch [S, 2, segment] of split graphs, or the stems [S, 2, segment] of full graphs.</summary>
    public float[] Time { get; }

    /// <summary>Runs the graph on <see cref="Mix"/> (and <see cref="Spec"/>), filling <see cref="Time"/> (and <see cref="Freq"/>).</summary>
    public void Run()
    {
        foreach (var b in _inputs)
        {
            if (b.Half is { } h) TensorPrimitives.ConvertToHalf(b.Data, MemoryMarshal.Cast<Float16, Half>(h.AsSpan()));
        }
        _session.Run(_runOptions, _inputNames, _inputValues, _outputNames, _outputValues);
        foreach (var b in _outputs)
        {
            if (b.Half is { } h) TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<Float16, Half>(h.AsSpan()), b.Data);
        }
    }

    /// <summary>Opens <paramref name="path"/> and detects which Demucs contract it has.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="geometry">Chunk geometry from the manifest's segment.</param>
    /// <param name="sources">S from the manifest.</param>
    /// <param name="declared">The contract the manifest names, or null to detect it.</param>
    /// <param name="options">Threads and execution provider.</param>
    /// <param name="logger">Reports the provider that runs.</param>
    /// <exception cref="ModelNotFoundException">The file is not a loadable ONNX graph, fits neither contract, or not the declared one.</exception>
    public static DemucsGraph Open(string path, DemucsGeometry geometry, int sources, DemucsContract? declared, DemucsOptions options, ILogger logger)
    {
        var (session, provider) = CreateSession(path, options, logger);
        try
        {
            var inputs = session.InputNames.Select(n => new Node(n, session.InputMetadata[n])).ToList();
            var outputs = session.OutputNames.Select(n => new Node(n, session.OutputMetadata[n])).ToList();
            var split = DetectSplit(inputs, outputs, geometry, sources);
            var full = split is null ? DetectFull(inputs, outputs, geometry, sources) : null;
            var has = $"It has inputs {Describe(inputs)} and outputs {Describe(outputs)}.";
            if (split is null && full is null)
            {
                throw new ModelNotFoundException(
                    $"{path} fits neither Demucs graph contract Traum runs. {has} Traum needs either a split graph (STFT outside): inputs " +
                    $"mix [1,2,{geometry.Segment}] and a spectrum [1,4,{DemucsGeometry.Bins},{geometry.Frames}], outputs a frequency branch " +
                    $"[1,{sources},4,{DemucsGeometry.Bins},{geometry.Frames}] and a time branch [1,{sources},2,{geometry.Segment}]; or a full graph " +
                    $"(STFT inside): input mix [1,2,{geometry.Segment}], output stems [1,{sources},2,{geometry.Segment}] (float32 or float16 tensors; " +
                    $"{sources} = the number of 'sources' and {geometry.Segment} = 'segment' in model.json). Check 'segment' and 'sources' in model.json, " +
                    "or re-export the model in one of these forms (see docs/separation.md).");
            }
            var contract = split is not null ? DemucsContract.Split : DemucsContract.Full;
            if (declared is { } d && d != contract)
            {
                throw new ModelNotFoundException(
                    $"{path}: model.json says contract '{DemucsContracts.Name(d)}', but the graph is a {DemucsContracts.Describe(contract)}. {has} " +
                    $"Set \"contract\": \"{DemucsContracts.Name(contract)}\" in model.json, or remove the field to let Traum detect it.");
            }
            var bound = split ?? full!;
            var ins = bound.Inputs.Select((n, i) => Bind(n, i == 0 ? geometry.MixShape : geometry.SpecShape)).ToArray();
            var outs = contract == DemucsContract.Split
                ? new[] { Bind(bound.Outputs[0], geometry.FreqShape(sources)), Bind(bound.Outputs[1], geometry.TimeShape(sources)) }
                : [Bind(bound.Outputs[0], geometry.TimeShape(sources))];
            var description = $"{DemucsContracts.Describe(contract)}: {string.Join(", ", ins.Select(b => b.Describe()))} → {string.Join(", ", outs.Select(b => b.Describe()))}";
            return new DemucsGraph(session, provider, contract, sources, ins, outs, description);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private sealed record Node(string Name, NodeMetadata Meta);

    private sealed record Match(IReadOnlyList<Node> Inputs, IReadOnlyList<Node> Outputs);

    private static Match? DetectSplit(List<Node> inputs, List<Node> outputs, DemucsGeometry g, int sources)
    {
        if (inputs.Count != 2 || outputs.Count < 2) return null;
        var mix = Find(inputs, g.MixShape, s_mixNames, null);
        var spec = Find(inputs, g.SpecShape, s_specNames, mix);
        var freq = Find(outputs, g.FreqShape(sources), s_freqNames, null);
        var time = Find(outputs, g.TimeShape(sources), s_timeNames, freq);
        return mix is null || spec is null || freq is null || time is null ? null : new Match([mix, spec], [freq, time]);
    }

    private static Match? DetectFull(List<Node> inputs, List<Node> outputs, DemucsGeometry g, int sources)
    {
        if (inputs.Count != 1 || outputs.Count < 1) return null;
        var mix = Find(inputs, g.MixShape, s_mixNames, null);
        var stems = Find(outputs, g.TimeShape(sources), s_stemsNames, null);
        // A frequency-branch output means a split graph with a missing input, not a full graph.
        if (Find(outputs, g.FreqShape(sources), s_freqNames, null) is not null) return null;
        return mix is null || stems is null ? null : new Match([mix], [stems]);
    }

    private static string Describe(List<Node> nodes) =>
        string.Join(", ", nodes.Select(n => $"{n.Name} [{string.Join(",", n.Meta.IsTensor ? n.Meta.Dimensions : [])}] {TypeName(n.Meta)}"));

    private static string TypeName(NodeMetadata meta) => !meta.IsTensor ? "non-tensor" : meta.ElementDataType switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.Float16 => "float16",
        TensorElementType.Double => "float64",
        TensorElementType.BFloat16 => "bfloat16",
        var t => t.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// The float32 or float16 tensor whose shape matches <paramref name="shape"/> (dynamic dimensions match anything),
    /// preferring one with a known name when several match; never <paramref name="taken"/>.
    /// </summary>
    private static Node? Find(List<Node> nodes, long[] shape, string[] names, Node? taken)
    {
        var matches = nodes.Where(n => !ReferenceEquals(n, taken) && n.Meta.IsTensor
            && n.Meta.ElementDataType is TensorElementType.Float or TensorElementType.Float16 && Fits(n.Meta.Dimensions, shape)).ToList();
        if (matches.Count == 0) return null;
        return matches.FirstOrDefault(n => names.Contains(n.Name, StringComparer.OrdinalIgnoreCase)) ?? matches[0];
    }

    private static bool Fits(int[] dims, long[] shape)
    {
        if (dims.Length != shape.Length) return false;
        for (var i = 0; i < dims.Length; i++)
        {
            if (dims[i] > 0 && dims[i] != shape[i]) return false;
        }
        return true;
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "The OrtValue belongs to the returned Binding; DemucsGraph.Dispose disposes the value of every binding.")]
    private static Binding Bind(Node node, long[] shape)
    {
        var length = (int)shape.Aggregate(1L, (a, b) => a * b);
        var data = new float[length];
        if (node.Meta.ElementDataType == TensorElementType.Float16)
        {
            var half = new Float16[length];
            return new Binding(node.Name, shape, data, half, OrtValue.CreateTensorValueFromMemory(half, shape));
        }
        return new Binding(node.Name, shape, data, null, OrtValue.CreateTensorValueFromMemory(data, shape));
    }

    /// <summary>One bound tensor: the float32 buffer callers use and, for float16 tensors, the buffer ONNX Runtime sees.</summary>
    private sealed record Binding(string Name, long[] Shape, float[] Data, Float16[]? Half, OrtValue Value)
    {
        public string Describe() => $"{Name} [{string.Join(",", Shape)}] {(Half is null ? "float32" : "float16")}";
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
        foreach (var v in _inputValues) v.Dispose();
        foreach (var v in _outputValues) v.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "CUDA is not usable ({Reason}); running on CPU")]
    private static partial void LogCudaFallback(ILogger logger, string reason);
}
