using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Traum.Core;

namespace Traum.Models.Clap;

/// <summary>Opens ONNX graphs and checks their interfaces against CLAP's contract.</summary>
internal static class ClapGraph
{
    public static InferenceSession Open(string path, SessionOptions options)
    {
        try
        {
            return new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelNotFoundException(
                $"{path} is not a loadable ONNX graph ({e.Message.Split('\n')[0]}). Reinstall it with `traum models pull clap` or fix the export.", e);
        }
    }

    public static ModelNotFoundException Mismatch(string path, string what, InferenceSession session) =>
        new($"{path} does not have CLAP's interface: {what}. It has inputs {Describe(session.InputMetadata)} and outputs {Describe(session.OutputMetadata)}. " +
            "Use the graphs of Xenova/larger_clap_music_and_speech (`traum models pull clap`) or an export with the same inputs and outputs.");

    public static bool IsFloat(NodeMetadata m) => m.IsTensor && m.ElementDataType is TensorElementType.Float or TensorElementType.Float16;

    public static string Describe(IReadOnlyDictionary<string, NodeMetadata> nodes) =>
        "[" + string.Join(", ", nodes.Select(kv => $"{kv.Key} {(kv.Value.IsTensor ? kv.Value.ElementDataType.ToString().ToLowerInvariant() : "non-tensor")} [{string.Join(", ", kv.Value.Dimensions.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]")) + "]";

    /// <summary>True when the declared dims agree with <paramref name="expected"/> (−1 in either matches anything).</summary>
    public static bool DimsMatch(int[] dims, ReadOnlySpan<int> expected)
    {
        if (dims.Length != expected.Length) return false;
        for (var i = 0; i < dims.Length; i++)
        {
            if (dims[i] >= 0 && expected[i] >= 0 && dims[i] != expected[i]) return false;
        }
        return true;
    }

    /// <summary>Copies a float or float16 output tensor into <paramref name="destination"/>.</summary>
    public static void ReadFloats(OrtValue value, Span<float> destination)
    {
        var type = value.GetTensorTypeAndShape().ElementDataType;
        if (type == TensorElementType.Float16)
        {
            var src = value.GetTensorDataAsSpan<Float16>();
            for (var i = 0; i < destination.Length; i++) destination[i] = (float)src[i];
        }
        else
        {
            value.GetTensorDataAsSpan<float>()[..destination.Length].CopyTo(destination);
        }
    }
}

/// <summary>
/// The audio graph: <c>input_features</c> float32 (or float16) <c>[B, 1, 1001, 64]</c> → <c>audio_embeds</c> <c>[B, D]</c>.
/// </summary>
internal sealed class ClapAudioGraph : IDisposable
{
    public const string InputName = "input_features";
    public const string OutputName = "audio_embeds";
    private readonly InferenceSession _session;
    private readonly bool _half;
    private readonly string[] _inputNames = [InputName];
    private readonly string[] _outputNames = [OutputName];

    public ClapAudioGraph(string path, SessionOptions options)
    {
        _session = ClapGraph.Open(path, options);
        try
        {
            if (_session.InputMetadata.Count != 1 || !_session.InputMetadata.TryGetValue(InputName, out var input))
            {
                throw ClapGraph.Mismatch(path, $"expected exactly one input '{InputName}'", _session);
            }
            if (!ClapGraph.IsFloat(input) || !ClapGraph.DimsMatch(input.Dimensions, [-1, 1, ClapFeatureExtractor.Frames, ClapFeatureExtractor.MelBins]))
            {
                throw ClapGraph.Mismatch(path, $"'{InputName}' must be float [B, 1, {ClapFeatureExtractor.Frames}, {ClapFeatureExtractor.MelBins}]", _session);
            }
            if (!_session.OutputMetadata.TryGetValue(OutputName, out var output) || !ClapGraph.IsFloat(output) || output.Dimensions.Length != 2 || output.Dimensions[1] <= 0)
            {
                throw ClapGraph.Mismatch(path, $"expected an output '{OutputName}' float [B, D]", _session);
            }
            _half = input.ElementDataType == TensorElementType.Float16;
            Dimension = output.Dimensions[1];
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary>Embedding length D.</summary>
    public int Dimension { get; }

    /// <summary>Runs <paramref name="batch"/> windows of features (<c>[batch, 1001, 64]</c>) → raw embeddings <c>[batch, D]</c>.</summary>
    public void Run(float[] features, int batch, Span<float> embeddings)
    {
        long[] shape = [batch, 1, ClapFeatureExtractor.Frames, ClapFeatureExtractor.MelBins];
        var n = batch * ClapFeatureExtractor.FeaturesPerWindow;
        using var input = _half
            ? OrtValue.CreateTensorValueFromMemory(features.AsSpan(0, n).ToArray().Select(f => (Float16)f).ToArray(), shape)
            : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, features.AsMemory(0, n), shape);
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, _inputNames, [input], _outputNames);
        ClapGraph.ReadFloats(outputs[0], embeddings[..(batch * Dimension)]);
    }

    public void Dispose() => _session.Dispose();
}

/// <summary>
/// The text graph: <c>input_ids</c> int64 <c>[B, S]</c> (an <c>attention_mask</c> input, if an export has one, gets
/// ones) → <c>text_embeds</c> <c>[B, D]</c> (and <c>last_hidden_state</c>, not read).
/// </summary>
internal sealed class ClapTextGraph : IDisposable
{
    public const string InputName = "input_ids";
    public const string MaskName = "attention_mask";
    public const string OutputName = "text_embeds";
    private readonly InferenceSession _session;
    private readonly bool _hasMask;
    private readonly string[] _outputNames = [OutputName];

    public ClapTextGraph(string path, SessionOptions options)
    {
        _session = ClapGraph.Open(path, options);
        try
        {
            var inputs = _session.InputMetadata;
            if (!inputs.TryGetValue(InputName, out var ids) || !ids.IsTensor || ids.ElementDataType != TensorElementType.Int64 || ids.Dimensions.Length != 2)
            {
                throw ClapGraph.Mismatch(path, $"expected an input '{InputName}' int64 [B, S]", _session);
            }
            _hasMask = inputs.ContainsKey(MaskName);
            if (inputs.Count != (_hasMask ? 2 : 1))
            {
                throw ClapGraph.Mismatch(path, $"expected only '{InputName}' (and optionally '{MaskName}') as inputs", _session);
            }
            if (!_session.OutputMetadata.TryGetValue(OutputName, out var output) || !ClapGraph.IsFloat(output) || output.Dimensions.Length != 2 || output.Dimensions[1] <= 0)
            {
                throw ClapGraph.Mismatch(path, $"expected an output '{OutputName}' float [B, D]", _session);
            }
            Dimension = output.Dimensions[1];
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary>Embedding length D.</summary>
    public int Dimension { get; }

    /// <summary>Runs <paramref name="batch"/> id sequences of equal length <paramref name="length"/> → raw embeddings <c>[batch, D]</c>.</summary>
    public void Run(long[] ids, int batch, int length, Span<float> embeddings)
    {
        long[] shape = [batch, length];
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, ids.AsMemory(0, batch * length), shape);
        using var mask = _hasMask ? OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, batch * length).ToArray(), shape) : null;
        using var runOptions = new RunOptions();
        string[] names = _hasMask ? [InputName, MaskName] : [InputName];
        OrtValue[] values = _hasMask ? [input, mask!] : [input];
        using var outputs = _session.Run(runOptions, names, values, _outputNames);
        ClapGraph.ReadFloats(outputs[0], embeddings[..(batch * Dimension)]);
    }

    public void Dispose() => _session.Dispose();
}
