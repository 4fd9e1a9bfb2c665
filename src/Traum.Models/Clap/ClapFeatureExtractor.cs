using Traum.Audio;
using Traum.Audio.Spectral;
using Traum.Core;

namespace Traum.Models.Clap;

/// <summary>
/// The audio input of CLAP (laion/larger_clap_music_and_speech), equal to Hugging Face's ClapFeatureExtractor for that
/// (non-fusion) checkpoint: 48 kHz mono in 10 s windows (shorter audio repeated whole then zero-padded; longer audio cut
/// into consecutive windows, the last ending at the end), reflect-padded by 512, 1001 frames of 1024 samples with hop 480
/// and a periodic Hann window, power spectrum, 64 Slaney-normalised Slaney-scale mel filters from 50 to 14 000 Hz,
/// 10·log10(max(mel, 1e-10)). One window's features are <c>[1001, 64]</c> (frames × mel bands), row-major.
/// </summary>
public sealed class ClapFeatureExtractor
{
    /// <summary>Sample rate of the model input in Hz.</summary>
    public const int SampleRate = 48_000;

    /// <summary>Samples per 10 s window.</summary>
    public const int WindowSamples = 480_000;

    /// <summary>FFT size and frame length in samples.</summary>
    public const int FftSize = 1024;

    /// <summary>Hop between frames in samples.</summary>
    public const int Hop = 480;

    /// <summary>Frames per window: 1 + 480 000 / 480.</summary>
    public const int Frames = 1 + (WindowSamples / Hop);

    /// <summary>Mel bands.</summary>
    public const int MelBins = 64;

    /// <summary>Lowest mel filter edge in Hz.</summary>
    public const double FMin = 50;

    /// <summary>Highest mel filter edge in Hz.</summary>
    public const double FMax = 14_000;

    /// <summary>Floor applied to mel power before the logarithm (−100 dB).</summary>
    public const float MelFloor = 1e-10f;

    /// <summary>Floats per window of features: 1001 × 64.</summary>
    public const int FeaturesPerWindow = Frames * MelBins;


    [ThreadStatic]
    private static ManagedLogMel? t_logMel;

    /// <summary>The shared instance (stateless apart from the filter bank).</summary>
    public static ClapFeatureExtractor Instance { get; } = new();

    private ClapFeatureExtractor()
    {
        MelFilters = MelFilterBank.Create(SampleRate, FftSize, MelBins, FMin, FMax, MelScale.Slaney, MelNorm.Slaney);
    }

    /// <summary>The mel filter bank, row-major <c>[64, 513]</c>.</summary>
    public float[] MelFilters { get; }

    /// <summary>Number of 10 s windows for <paramref name="length"/> samples at 48 kHz: 1 up to 10 s, else ⌈length / 480 000⌉.</summary>
    public static int WindowCount(long length)
    {
        if (length <= 0) throw new InvalidInputException("The audio is empty; CLAP needs at least one sample.");
        return length <= WindowSamples ? 1 : (int)((length + WindowSamples - 1) / WindowSamples);
    }

    /// <summary>First sample of window <paramref name="index"/>: consecutive windows, the last one ending at the end.</summary>
    public static long WindowStart(long length, int index)
    {
        var count = WindowCount(length);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
        if (count == 1) return 0;
        return index == count - 1 ? length - WindowSamples : (long)index * WindowSamples;
    }

    /// <summary>
    /// Writes window <paramref name="index"/> of <paramref name="mono"/> (48 kHz) into <paramref name="destination"/>
    /// (480 000 samples): a slice of long audio, or short audio repeated whole ⌊480 000 / L⌋ times then zero-padded.
    /// </summary>
    public static void FillWindow(ReadOnlySpan<float> mono, int index, Span<float> destination)
    {
        if (destination.Length != WindowSamples) throw new ArgumentException($"The destination must hold {WindowSamples} samples.", nameof(destination));
        var start = WindowStart(mono.Length, index);
        if (mono.Length >= WindowSamples)
        {
            mono.Slice((int)start, WindowSamples).CopyTo(destination);
            return;
        }
        var repeats = WindowSamples / mono.Length;
        for (var r = 0; r < repeats; r++) mono.CopyTo(destination[(r * mono.Length)..]);
        destination[(repeats * mono.Length)..].Clear();
    }

    /// <summary>
    /// Log-mel features of whole windows: <paramref name="windows"/> is <c>[count, 480 000]</c> samples, row-major;
    /// <paramref name="destination"/> receives <c>[count, 1001, 64]</c> dB values (which is also the model's
    /// <c>[count, 1, 1001, 64]</c>).
    /// </summary>
    public void Compute(ReadOnlySpan<float> windows, int count, Span<float> destination)
    {
        if (count <= 0 || windows.Length != count * WindowSamples) throw new ArgumentException("Expected count × 480 000 samples.", nameof(windows));
        if (destination.Length != count * FeaturesPerWindow) throw new ArgumentException("Expected count × 1001 × 64 floats.", nameof(destination));
        // Traum's own STFT (FFTW where installed): feature extraction never loads libtorch. Frames are split over the
        // processors; a busy machine runs them on the calling thread, and the values are the same either way. One
        // instance per calling thread (it serves one call at a time), so its FFTs and buffers are made once, not per window.
        var logMel = t_logMel ??= new ManagedLogMel(FftSize, Hop, MelFilters, MelFloor, threads: 0);
        for (var w = 0; w < count; w++)
        {
            logMel.Compute(windows.Slice(w * WindowSamples, WindowSamples), destination.Slice(w * FeaturesPerWindow, FeaturesPerWindow));
        }
    }

    /// <summary>Mono 48 kHz samples of any buffer: channels averaged, then resampled when the rate differs.</summary>
    /// <exception cref="InvalidInputException">The buffer is empty.</exception>
    public static float[] ToModelRate(AudioBuffer audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        if (audio.Length == 0) throw new InvalidInputException("The audio is empty; CLAP needs at least one sample.");
        return ToModelRate(new DecodedAudio(audio));
    }

    /// <summary>Mono 48 kHz samples of a decoded sound, kept on it for the next reader.</summary>
    /// <exception cref="InvalidInputException">The sound is empty.</exception>
    public static float[] ToModelRate(DecodedAudio audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        if (audio.Audio.Length == 0) throw new InvalidInputException("The audio is empty; CLAP needs at least one sample.");
        return audio.MonoAt(SampleRate);
    }

    /// <summary>Features of every window of 48 kHz mono audio → <c>[windows, 1, 1001, 64]</c> row-major.</summary>
    public float[] Extract(ReadOnlySpan<float> mono48k, out int windows)
    {
        windows = WindowCount(mono48k.Length);
        var result = new float[(long)windows * FeaturesPerWindow];
        var buffer = new float[WindowSamples];
        for (var w = 0; w < windows; w++)
        {
            FillWindow(mono48k, w, buffer);
            Compute(buffer, 1, result.AsSpan(w * FeaturesPerWindow, FeaturesPerWindow));
        }
        return result;
    }
}
