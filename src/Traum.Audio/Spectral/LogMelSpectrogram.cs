using static TorchSharp.torch;

namespace Traum.Audio.Spectral;

/// <summary>
/// Log-mel features: power STFT (PyTorch semantics, periodic Hann, reflect-centred), a mel filterbank
/// (<see cref="MelFilterBank"/>), then 10·log10(max(mel, 1e-10)) with reference 1 and no top_db clipping. With
/// the defaults of <see cref="Clap"/> this is the CLAP feature layout: rows are frames, <c>[frames, nMels]</c>.
/// Create once and reuse: the filterbank tensor is built in the constructor. Not thread-safe for disposal only.
/// </summary>
public sealed class LogMelSpectrogram : IDisposable
{
    private readonly Tensor _melT; // [bins, nMels]

    /// <summary>Creates the extractor.</summary>
    /// <param name="sampleRate">Hz.</param>
    /// <param name="options">STFT size and hop in samples.</param>
    /// <param name="nMels">Number of mel bands.</param>
    /// <param name="fMin">Lowest filter edge in Hz.</param>
    /// <param name="fMax">Highest filter edge in Hz (null: Nyquist).</param>
    public LogMelSpectrogram(int sampleRate, StftOptions options, int nMels, double fMin = 0, double? fMax = null,
        MelScale scale = MelScale.Slaney, MelNorm norm = MelNorm.Slaney)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        MelCount = nMels;
        var w = MelFilterBank.Create(sampleRate, options.NFft, nMels, fMin, fMax, scale, norm);
        using var scope = NewDisposeScope();
        _melT = tensor(w, [nMels, options.Bins]).t().contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>CLAP (laion/larger_clap_music_and_speech) settings: 48 kHz, n_fft 1024, hop 480, 64 Slaney mels 50–14 000 Hz.</summary>
    public static LogMelSpectrogram Clap() => new(48000, new StftOptions(1024, 480), 64, 50, 14000);

    public StftOptions Options { get; }

    public int MelCount { get; }

    /// <summary>Log-mel of a mono signal: row-major <c>[frames, nMels]</c> in dB.</summary>
    public float[] Compute(ReadOnlySpan<float> signal, out int frames)
    {
        using var scope = NewDisposeScope();
        var x = tensor(signal.ToArray());
        var spec = Stft.Forward(x, Options);                 // [bins, frames] complex
        var power = view_as_real(spec).pow_(2).sum(-1);      // |X|², [bins, frames]
        var mel = power.t().matmul(_melT);                   // [frames, nMels]
        var db = mel.clamp_min_(1e-10).log10_().mul_(10.0).contiguous();
        frames = (int)db.shape[0];
        return db.data<float>().ToArray();
    }

    public void Dispose() => _melT.Dispose();
}
