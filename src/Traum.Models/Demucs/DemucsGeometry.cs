namespace Traum.Models.Demucs;

/// <summary>
/// The per-chunk STFT geometry of HTDemucs (<c>HTDemucs._spec</c>/<c>_ispec</c>), derived from the segment length:
/// n_fft 4096, hop 1024, reflect padding <see cref="PadLeft"/> / <see cref="PadRight"/> so the padded chunk is
/// <see cref="PaddedLength"/> samples, <see cref="Frames"/> + 4 STFT frames of which frames 2…Frames+1 are kept,
/// and the top bin dropped. For the 343 980-sample segment: pads 1536 / 1620, padded 347 136, 2048 bins × 336 frames.
/// </summary>
public sealed record DemucsGeometry
{
    /// <summary>FFT size and window length, samples.</summary>
    public const int NFft = 4096;

    /// <summary>STFT hop, samples (n_fft / 4).</summary>
    public const int Hop = NFft / 4;

    /// <summary>Frequency bins given to the graph: n_fft / 2 (the Nyquist bin is dropped).</summary>
    public const int Bins = NFft / 2;

    /// <summary>Frames dropped at each end of the STFT before the graph (and restored as zeros after).</summary>
    public const int EdgeFrames = 2;

    /// <summary>Creates the geometry for a segment of <paramref name="segment"/> samples.</summary>
    public DemucsGeometry(int segment)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(segment, NFft);
        Segment = segment;
        Frames = (segment + Hop - 1) / Hop;
        PadLeft = Hop / 2 * 3;
        PadRight = PadLeft + (Frames * Hop) - segment;
        PaddedLength = segment + PadLeft + PadRight;
    }

    /// <summary>Chunk length, samples (343 980).</summary>
    public int Segment { get; }

    /// <summary>STFT frames given to the graph: ceil(segment / hop) (336).</summary>
    public int Frames { get; }

    /// <summary>Reflect padding before the chunk, samples (1536).</summary>
    public int PadLeft { get; }

    /// <summary>Reflect padding after the chunk, samples (1620).</summary>
    public int PadRight { get; }

    /// <summary>Padded chunk length, samples (347 136).</summary>
    public int PaddedLength { get; }

    /// <summary>Frames of the full STFT of the padded chunk: PaddedLength / hop + 1 (340).</summary>
    public int FullFrames => (PaddedLength / Hop) + 1;

    /// <summary>Shape of the <c>mix</c> input: [1, 2, segment].</summary>
    public long[] MixShape => [1, 2, Segment];

    /// <summary>Shape of the <c>spec</c> input: [1, 4, 2048, frames].</summary>
    public long[] SpecShape => [1, 4, Bins, Frames];

    /// <summary>Shape of the frequency-branch output for <paramref name="sources"/> sources: [1, S, 4, 2048, frames].</summary>
    public long[] FreqShape(int sources) => [1, sources, 4, Bins, Frames];

    /// <summary>Shape of the time-branch output for <paramref name="sources"/> sources: [1, S, 2, segment].</summary>
    public long[] TimeShape(int sources) => [1, sources, 2, Segment];

    /// <summary>
    /// Overlap-add weights of demucs' apply_model: 1…segment/2 then (segment − segment/2)…1, divided by the maximum
    /// (so 1/171 990 … 1 … 1/171 990 for htdemucs).
    /// </summary>
    public float[] TriangleWeights()
    {
        var half = Segment / 2;
        var w = new float[Segment];
        var max = (double)Math.Max(half, Segment - half);
        for (var i = 0; i < half; i++) w[i] = (float)((i + 1) / max);
        for (var i = half; i < Segment; i++) w[i] = (float)((Segment - i) / max);
        return w;
    }
}
