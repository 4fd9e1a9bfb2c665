namespace Traum.Models.Demucs;

/// <summary>How a Demucs model is run: the defaults here, overridden by the command's flags (CLI) or the job's parameters (server).</summary>
public sealed record DemucsOptions
{
    /// <summary>Overlap between consecutive chunks, 0 ≤ overlap &lt; 1 (demucs' default 0.25: stride 257 985 samples).</summary>
    public double Overlap { get; init; } = 0.25;

    /// <summary>Shift-trick passes (0 = none). Each pass pads the track with 22 050 zeros each side and starts at a random offset.</summary>
    public int Shifts { get; init; }

    /// <summary>Seed of the shift offsets, so repeated runs give the same result.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>ONNX Runtime intra-op threads (0 = ONNX Runtime's default: one per core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Execution provider: "auto" (CUDA when the GPU build of ONNX Runtime is present, else CPU), "cpu" or "cuda".</summary>
    public string ExecutionProvider { get; init; } = "auto";

    /// <summary>Chunk stride for <paramref name="segment"/>: ⌊(1 − overlap) · segment⌋ samples, at least 1.</summary>
    public int Stride(int segment) => Math.Max(1, (int)((1 - Overlap) * segment));

    /// <summary>Checks the values.</summary>
    /// <exception cref="Core.InvalidInputException">A value is out of range.</exception>
    public void Validate()
    {
        if (double.IsNaN(Overlap) || Overlap < 0 || Overlap >= 1) throw new Core.InvalidInputException($"--overlap {Overlap} is out of range; use a value in [0, 1), e.g. 0.25.");
        if (Shifts is < 0 or > 100) throw new Core.InvalidInputException($"--shifts {Shifts} is out of range; use 0 (none) to 100 (demucs suggests 1–10).");
        if (IntraOpThreads < 0) throw new Core.InvalidInputException($"intra-op threads {IntraOpThreads} must be 0 (default) or positive.");
        if (ExecutionProvider is not ("auto" or "cpu" or "cuda")) throw new Core.InvalidInputException($"execution provider '{ExecutionProvider}' is unknown; use auto, cpu or cuda.");
    }
}
