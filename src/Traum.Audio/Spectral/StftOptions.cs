namespace Traum.Audio.Spectral;

/// <summary>
/// STFT parameters with PyTorch semantics (<c>torch.stft</c>/<c>torch.istft</c>): periodic Hann window of
/// length <see cref="NFft"/>, <see cref="Center"/> pads <c>NFft/2</c> each side with reflection,
/// <see cref="Normalized"/> multiplies the forward transform by <c>1/sqrt(NFft)</c>.
/// </summary>
/// <param name="NFft">FFT size in samples (also the window length).</param>
/// <param name="Hop">Hop in samples.</param>
/// <param name="Center">Pad the signal by NFft/2 on each side (reflect) so frame t is centred on sample t·hop.</param>
/// <param name="Normalized">Scale by 1/sqrt(NFft) (as torch's normalized=True).</param>
public sealed record StftOptions(int NFft, int Hop, bool Center = true, bool Normalized = false)
{
    /// <summary>Frequency bins of the one-sided spectrum: NFft/2 + 1.</summary>
    public int Bins => (NFft / 2) + 1;

    /// <summary>Number of frames for a signal of <paramref name="length"/> samples.</summary>
    public int FrameCount(long length) => Center ? (int)(length / Hop) + 1 : (int)((length - NFft) / Hop) + 1;
}
