using TorchSharp;
using Traum.Audio.Spectral;
using static TorchSharp.torch;

namespace Traum.Generative.Spectral;

/// <summary>
/// Log-mel features: power STFT (PyTorch semantics, periodic Hann, reflect-centred), a mel filterbank
/// (<see cref="MelFilterBank"/>), then 10·log10(max(mel, 1e-10)) with reference 1 and no top_db clipping. With
/// the defaults of <see cref="Clap"/> this is the CLAP feature layout: rows are frames, <c>[frames, nMels]</c>.
/// Create once and reuse: the filterbank tensor is built in the constructor. Not thread-safe for disposal only.
/// </summary>
public sealed class LogMelSpectrogram : IDisposable
{
    private readonly Tensor _melT;   // [bins, nMels]
    private readonly Tensor _melT2;  // [2·bins, nMels]: each row twice, for interleaved (re², im²)
    private readonly Tensor _window; // [nfft], scaled as the options ask

    /// <summary>Creates the extractor.</summary>
    /// <param name="sampleRate">Hz.</param>
    /// <param name="options">STFT size and hop in samples.</param>
    /// <param name="nMels">Number of mel bands.</param>
    /// <param name="fMin">Lowest filter edge in Hz.</param>
    /// <param name="fMax">Highest filter edge in Hz (null: Nyquist).</param>
    /// <param name="scale">Mel scale used to place the filter edges (Slaney, librosa's default, or HTK).</param>
    /// <param name="norm">Filter normalisation: Slaney (constant energy per filter, librosa's default) or none (peak 1).</param>
    public LogMelSpectrogram(int sampleRate, StftOptions options, int nMels, double fMin = 0, double? fMax = null,
        MelScale scale = MelScale.Slaney, MelNorm norm = MelNorm.Slaney)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        MelCount = nMels;
        var w = MelFilterBank.Create(sampleRate, options.NFft, nMels, fMin, fMax, scale, norm);
        using var scope = NewDisposeScope();
        _melT = tensor(w, [nMels, options.Bins]).t().contiguous().MoveToOuterDisposeScope();
        _melT2 = _melT.repeat_interleave(2, 0).contiguous().MoveToOuterDisposeScope();
        var window = Stft.HannWindow(options.NFft);
        _window = (options.Normalized ? window / Math.Sqrt(options.NFft) : window).MoveToOuterDisposeScope();
    }

    /// <summary>CLAP (laion/larger_clap_music_and_speech) settings: 48 kHz, n_fft 1024, hop 480, 64 Slaney mels 50–14 000 Hz.</summary>
    public static LogMelSpectrogram Clap() => new(48000, new StftOptions(1024, 480), 64, 50, 14000);

    /// <summary>STFT size and hop in samples.</summary>
    public StftOptions Options { get; }

    /// <summary>Number of mel bands per frame.</summary>
    public int MelCount { get; }

    /// <summary>Log-mel of a mono signal: row-major <c>[frames, nMels]</c> in dB.</summary>
    public float[] Compute(ReadOnlySpan<float> signal, out int frames)
    {
        using var scope = NewDisposeScope();
        var x = tensor(signal.ToArray());
        // Frame-major STFT (contiguous [frames, bins]); equal to Stft.Forward transposed, in fewer operations.
        var spec = Options.Center ? StftKernel.ForwardFrames(x, Options, _window) : Stft.Forward(x, Options).t().contiguous();
        // Σ_k |X_k|²·w_k = Σ_k (re_k² + im_k²)·w_k: square the interleaved real view and multiply by the filterbank
        // with every row doubled (cheaper than |X| then squaring on CPU).
        var n = spec.shape[0];
        var parts = view_as_real(spec);
        var squares = parts.mul(parts).reshape(n, 2 * Options.Bins);          // [frames, 2·bins]
        var mel = squares.matmul(_melT2);                                       // [frames, nMels]
        // Scalars held for the whole call: a temporary one can be collected while libtorch still reads it.
        using var floor = 1e-10.ToScalar();
        using var ten = 10.0.ToScalar();
        var db = mel.clamp_min_(floor).log10_().mul_(ten).contiguous();
        frames = (int)db.shape[0];
        return db.data<float>().ToArray();
    }

    /// <summary>Releases the filterbank and window tensors.</summary>
    public void Dispose()
    {
        _melT.Dispose();
        _melT2.Dispose();
        _window.Dispose();
    }
}
