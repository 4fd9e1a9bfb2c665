using System.Runtime.InteropServices;
using Traum.Core;

namespace Traum.Audio.Fingerprint;

/// <summary>
/// Chromaprint (libchromaprint, the library behind AcoustID and ffmpeg's <c>chromaprint</c> muxer) fed with decoded
/// samples, so a stem is fingerprinted from the buffers ingest already holds instead of being decoded again by another
/// process. Algorithm 1 (Chromaprint's default, "test2"): one 32-bit item per 4096/3 samples at 11 025 Hz, about 0.124 s.
/// </summary>
public static partial class Chromaprint
{
    private const string Library = "libchromaprint.so.1";

    /// <summary>The algorithm used (Chromaprint's <c>CHROMAPRINT_ALGORITHM_TEST2</c>, its default and ffmpeg's).</summary>
    public const int Algorithm = 1;

    /// <summary>The catalog's name for prints of this algorithm.</summary>
    public const string AlgorithmName = "chromaprint1";

    private static readonly Lazy<string?> s_problem = new(Probe);

    /// <summary>True when libchromaprint can be loaded here.</summary>
    public static bool IsAvailable => s_problem.Value is null;

    /// <summary>Why fingerprints cannot be made here, or null when they can.</summary>
    public static string? Problem => s_problem.Value;

    /// <summary>
    /// The raw Chromaprint items of <paramref name="audio"/> (empty for audio too short to fingerprint, under about 3 s
    /// of items). Channels beyond two are mixed to mono first; one or two channels go in as they are, as ffmpeg feeds them.
    /// </summary>
    /// <exception cref="TraumException">libchromaprint is not installed.</exception>
    public static uint[] Compute(AudioBuffer audio, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audio);
        if (Problem is { } problem) throw new TraumException(problem);
        var channels = audio.ChannelCount <= 2 ? audio.Channels : [audio.ToMono()];
        var ctx = New(Algorithm);
        if (ctx == IntPtr.Zero) throw new InvalidOperationException("libchromaprint could not create a context.");
        try
        {
            if (Start(ctx, audio.SampleRate, channels.Length) != 1) throw new InvalidOperationException($"libchromaprint refused {audio.SampleRate} Hz, {channels.Length} channel(s).");
            const int block = 1 << 16; // frames per feed
            var pcm = new short[block * channels.Length];
            for (var start = 0; start < audio.Length; start += block)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var n = Math.Min(block, audio.Length - start);
                for (var i = 0; i < n; i++)
                {
                    for (var c = 0; c < channels.Length; c++) pcm[(i * channels.Length) + c] = ToInt16(channels[c][start + i]);
                }
                if (Feed(ctx, pcm, n * channels.Length) != 1) throw new InvalidOperationException("libchromaprint refused the audio.");
            }
            if (Finish(ctx) != 1) throw new InvalidOperationException("libchromaprint could not finish the fingerprint.");
            if (GetRawFingerprint(ctx, out var items, out var size) != 1) return [];
            try
            {
                var result = new uint[size];
                CopyItems(items, result);
                return result;
            }
            finally
            {
                Dealloc(items);
            }
        }
        finally
        {
            Free(ctx);
        }
    }

    private static unsafe void CopyItems(IntPtr source, uint[] destination) =>
        new ReadOnlySpan<uint>((void*)source, destination.Length).CopyTo(destination);

    /// <summary>float → int16 as ffmpeg converts (round to nearest, clipped).</summary>
    private static short ToInt16(float x)
    {
        var v = MathF.Round(x * 32768f);
        return v >= short.MaxValue ? short.MaxValue : v <= short.MinValue ? short.MinValue : (short)v;
    }

    private static string? Probe()
    {
        try
        {
            var ctx = New(Algorithm);
            if (ctx == IntPtr.Zero) return "libchromaprint could not create a context.";
            Free(ctx);
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return "libchromaprint is not installed (Debian: apt-get install libchromaprint1; scripts/bootstrap.sh installs it).";
        }
    }

    [LibraryImport(Library, EntryPoint = "chromaprint_new")]
    private static partial IntPtr New(int algorithm);

    [LibraryImport(Library, EntryPoint = "chromaprint_free")]
    private static partial void Free(IntPtr ctx);

    [LibraryImport(Library, EntryPoint = "chromaprint_start")]
    private static partial int Start(IntPtr ctx, int sampleRate, int channels);

    [LibraryImport(Library, EntryPoint = "chromaprint_feed")]
    private static partial int Feed(IntPtr ctx, [In] short[] data, int size);

    [LibraryImport(Library, EntryPoint = "chromaprint_finish")]
    private static partial int Finish(IntPtr ctx);

    [LibraryImport(Library, EntryPoint = "chromaprint_get_raw_fingerprint")]
    private static partial int GetRawFingerprint(IntPtr ctx, out IntPtr fingerprint, out int size);

    [LibraryImport(Library, EntryPoint = "chromaprint_dealloc")]
    private static partial void Dealloc(IntPtr ptr);
}
