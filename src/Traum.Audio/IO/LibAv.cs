using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Traum.Audio.IO;

/// <summary>
/// Hand-written bindings to the FFmpeg libraries (libavformat, libavcodec, libavutil) for in-process decoding.
/// The libraries are loaded by soname at first use and bound only when their major versions are ones whose struct
/// layouts were checked against that version's public headers: libavformat 59, libavcodec 59, libavutil 57
/// (FFmpeg 5.1). Any other version, or a missing library or export, leaves <see cref="IsAvailable"/> false and
/// decoding goes through the ffmpeg command-line tools instead.
/// </summary>
/// <remarks>
/// Few struct fields are read, at the offsets of FFmpeg 5.1 (x86-64 and every other LP64 platform share them):
/// AVFormatContext.iformat/nb_streams/streams/duration, AVInputFormat.name, AVStream.time_base/duration/codecpar,
/// AVCodecParameters.codec_id/bits_per_raw_sample/sample_rate/ch_layout.nb_channels, AVPacket.stream_index,
/// AVFrame.extended_data/nb_samples/format/sample_rate/ch_layout. Everything written goes through functions
/// (<c>av_opt_set_int</c>, <c>av_opt_set_q</c>).
/// </remarks>
internal static unsafe class LibAv
{
    public const int ErrorEof = -541478725;      // AVERROR_EOF, FFERRTAG('E','O','F',' ')
    public const int ErrorAgain = -11;           // AVERROR(EAGAIN) on Linux and macOS
    public const int LogError = 16;              // AV_LOG_ERROR
    public const long NoPts = long.MinValue;     // AV_NOPTS_VALUE
    public const int ChannelOrderUnspec = 0;     // AV_CHANNEL_ORDER_UNSPEC

    // Sample formats (enum AVSampleFormat).
    public const int SampleU8 = 0, SampleS16 = 1, SampleS32 = 2, SampleFlt = 3, SampleDbl = 4;
    public const int SampleU8P = 5, SampleS16P = 6, SampleS32P = 7, SampleFltP = 8, SampleDblP = 9;

    // Field offsets in FFmpeg 5.1 (libavformat 59, libavcodec 59, libavutil 57), from offsetof() against its headers.
    public const int FormatIFormat = 8, FormatNbStreams = 44, FormatStreams = 48, FormatDuration = 72;
    public const int StreamTimeBase = 16, StreamDuration = 32, StreamCodecPar = 208;
    public const int ParCodecId = 4, ParBitsPerRawSample = 44, ParSampleRate = 116, ParChLayout = 144;
    public const int PacketStreamIndex = 36;
    public const int FrameExtendedData = 96, FrameNbSamples = 112, FrameFormat = 116, FrameSampleRate = 208, FrameChLayout = 448;
    public const int ChLayoutOrder = 0, ChLayoutNbChannels = 4, ChLayoutSize = 24;

    /// <summary>Major versions whose layouts are the ones above.</summary>
    public const int FormatMajor = 59, CodecMajor = 59, UtilMajor = 57;

    private static readonly Lazy<string?> s_loadProblem = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    [ThreadStatic]
    private static List<string>? t_errors;

    // libavutil
    public static delegate* unmanaged[Cdecl]<void*> av_frame_alloc;
    public static delegate* unmanaged[Cdecl]<void**, void> av_frame_free;
    public static delegate* unmanaged[Cdecl]<void*, void> av_frame_unref;
    public static delegate* unmanaged[Cdecl]<int, byte*, nuint, int> av_strerror;
    public static delegate* unmanaged[Cdecl]<void*, byte*, long, int, int> av_opt_set_int;
    public static delegate* unmanaged[Cdecl]<void*, byte*, Rational, int, int> av_opt_set_q;
    public static delegate* unmanaged[Cdecl]<void*, int, void> av_channel_layout_default;
    public static delegate* unmanaged[Cdecl]<void*, void*, int> av_channel_layout_compare;
    public static delegate* unmanaged[Cdecl]<void*, void> av_channel_layout_uninit;
    private static delegate* unmanaged[Cdecl]<delegate* unmanaged[Cdecl]<void*, int, byte*, nint, void>, void> av_log_set_callback;
    private static delegate* unmanaged[Cdecl]<void*, int, byte*, nint, byte*, int, int*, int> av_log_format_line2;

    // libavcodec
    public static delegate* unmanaged[Cdecl]<int, void*> avcodec_find_decoder;
    public static delegate* unmanaged[Cdecl]<void*, void*> avcodec_alloc_context3;
    public static delegate* unmanaged[Cdecl]<void**, void> avcodec_free_context;
    public static delegate* unmanaged[Cdecl]<void*, void*, int> avcodec_parameters_to_context;
    public static delegate* unmanaged[Cdecl]<void*, void*, void**, int> avcodec_open2;
    public static delegate* unmanaged[Cdecl]<void*, void*, int> avcodec_send_packet;
    public static delegate* unmanaged[Cdecl]<void*, void*, int> avcodec_receive_frame;
    public static delegate* unmanaged[Cdecl]<void*> av_packet_alloc;
    public static delegate* unmanaged[Cdecl]<void**, void> av_packet_free;
    public static delegate* unmanaged[Cdecl]<void*, void> av_packet_unref;
    public static delegate* unmanaged[Cdecl]<int, byte*> avcodec_get_name;
    public static delegate* unmanaged[Cdecl]<int, int> av_get_bits_per_sample;

    // libavformat
    public static delegate* unmanaged[Cdecl]<void**, byte*, void*, void**, int> avformat_open_input;
    public static delegate* unmanaged[Cdecl]<void*, void**, int> avformat_find_stream_info;
    public static delegate* unmanaged[Cdecl]<void**, void> avformat_close_input;
    public static delegate* unmanaged[Cdecl]<void*, void*, int> av_read_frame;
    public static delegate* unmanaged[Cdecl]<void*, void*, byte*, int> avformat_match_stream_specifier;

    /// <summary>True when the libraries are loaded, of a supported version, and bound.</summary>
    public static bool IsAvailable => s_loadProblem.Value is null;

    /// <summary>Why the libraries are not used (null when they are).</summary>
    public static string? LoadProblem => s_loadProblem.Value;

    /// <summary>A libav error code as text (av_strerror).</summary>
    public static string ErrorText(int code)
    {
        var buf = stackalloc byte[256];
        buf[0] = 0;
        if (av_strerror(code, buf, 256) < 0) return $"error {code}";
        return Marshal.PtrToStringUTF8((nint)buf) ?? $"error {code}";
    }

    /// <summary>
    /// Collects the messages libav logs at error level on this thread into <paramref name="errors"/> until the returned
    /// scope ends (what <c>ffmpeg -v error</c> would print on its standard error). Messages outside a scope are dropped.
    /// </summary>
    public static ErrorScope CollectErrors(List<string> errors)
    {
        var previous = t_errors;
        t_errors = errors;
        return new ErrorScope(previous);
    }

    /// <summary>Restores the previous error list of the thread.</summary>
    internal readonly struct ErrorScope(List<string>? previous) : IDisposable
    {
        public void Dispose() => t_errors = previous;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnLog(void* avcl, int level, byte* fmt, nint vl)
    {
        try
        {
            if (level > LogError) return;
            var errors = t_errors;
            if (errors is null) return;
            var line = stackalloc byte[1024];
            line[0] = 0;
            var printPrefix = 0;
            av_log_format_line2(avcl, level, fmt, vl, line, 1024, &printPrefix);
            var text = Marshal.PtrToStringUTF8((nint)line)?.Trim();
            if (!string.IsNullOrEmpty(text) && errors.Count < 64) errors.Add(text);
        }
#pragma warning disable CA1031 // An exception must not cross back into native code.
        catch (Exception)
#pragma warning restore CA1031
        {
            // Dropped: the message is lost, decoding goes on and is judged by its return codes.
        }
    }

    private static string? Load()
    {
        try
        {
            if (!TryLoad(["libavutil.so.57", "libavutil.57.dylib", "avutil-57.dll"], out var util)) return "libavutil 57 not found";
            if (!TryLoad(["libavcodec.so.59", "libavcodec.59.dylib", "avcodec-59.dll"], out var codec)) return "libavcodec 59 not found";
            if (!TryLoad(["libavformat.so.59", "libavformat.59.dylib", "avformat-59.dll"], out var format)) return "libavformat 59 not found";
            var utilVersion = ((delegate* unmanaged[Cdecl]<uint>)NativeLibrary.GetExport(util, "avutil_version"))();
            var codecVersion = ((delegate* unmanaged[Cdecl]<uint>)NativeLibrary.GetExport(codec, "avcodec_version"))();
            var formatVersion = ((delegate* unmanaged[Cdecl]<uint>)NativeLibrary.GetExport(format, "avformat_version"))();
            if (utilVersion >> 16 != UtilMajor || codecVersion >> 16 != CodecMajor || formatVersion >> 16 != FormatMajor)
            {
                return $"unsupported FFmpeg library versions (avutil {utilVersion >> 16}, avcodec {codecVersion >> 16}, avformat {formatVersion >> 16})";
            }

            av_frame_alloc = (delegate* unmanaged[Cdecl]<void*>)NativeLibrary.GetExport(util, "av_frame_alloc");
            av_frame_free = (delegate* unmanaged[Cdecl]<void**, void>)NativeLibrary.GetExport(util, "av_frame_free");
            av_frame_unref = (delegate* unmanaged[Cdecl]<void*, void>)NativeLibrary.GetExport(util, "av_frame_unref");
            av_strerror = (delegate* unmanaged[Cdecl]<int, byte*, nuint, int>)NativeLibrary.GetExport(util, "av_strerror");
            av_opt_set_int = (delegate* unmanaged[Cdecl]<void*, byte*, long, int, int>)NativeLibrary.GetExport(util, "av_opt_set_int");
            av_opt_set_q = (delegate* unmanaged[Cdecl]<void*, byte*, Rational, int, int>)NativeLibrary.GetExport(util, "av_opt_set_q");
            av_channel_layout_default = (delegate* unmanaged[Cdecl]<void*, int, void>)NativeLibrary.GetExport(util, "av_channel_layout_default");
            av_channel_layout_compare = (delegate* unmanaged[Cdecl]<void*, void*, int>)NativeLibrary.GetExport(util, "av_channel_layout_compare");
            av_channel_layout_uninit = (delegate* unmanaged[Cdecl]<void*, void>)NativeLibrary.GetExport(util, "av_channel_layout_uninit");
            av_log_set_callback = (delegate* unmanaged[Cdecl]<delegate* unmanaged[Cdecl]<void*, int, byte*, nint, void>, void>)NativeLibrary.GetExport(util, "av_log_set_callback");
            av_log_format_line2 = (delegate* unmanaged[Cdecl]<void*, int, byte*, nint, byte*, int, int*, int>)NativeLibrary.GetExport(util, "av_log_format_line2");

            avcodec_find_decoder = (delegate* unmanaged[Cdecl]<int, void*>)NativeLibrary.GetExport(codec, "avcodec_find_decoder");
            avcodec_alloc_context3 = (delegate* unmanaged[Cdecl]<void*, void*>)NativeLibrary.GetExport(codec, "avcodec_alloc_context3");
            avcodec_free_context = (delegate* unmanaged[Cdecl]<void**, void>)NativeLibrary.GetExport(codec, "avcodec_free_context");
            avcodec_parameters_to_context = (delegate* unmanaged[Cdecl]<void*, void*, int>)NativeLibrary.GetExport(codec, "avcodec_parameters_to_context");
            avcodec_open2 = (delegate* unmanaged[Cdecl]<void*, void*, void**, int>)NativeLibrary.GetExport(codec, "avcodec_open2");
            avcodec_send_packet = (delegate* unmanaged[Cdecl]<void*, void*, int>)NativeLibrary.GetExport(codec, "avcodec_send_packet");
            avcodec_receive_frame = (delegate* unmanaged[Cdecl]<void*, void*, int>)NativeLibrary.GetExport(codec, "avcodec_receive_frame");
            av_packet_alloc = (delegate* unmanaged[Cdecl]<void*>)NativeLibrary.GetExport(codec, "av_packet_alloc");
            av_packet_free = (delegate* unmanaged[Cdecl]<void**, void>)NativeLibrary.GetExport(codec, "av_packet_free");
            av_packet_unref = (delegate* unmanaged[Cdecl]<void*, void>)NativeLibrary.GetExport(codec, "av_packet_unref");
            avcodec_get_name = (delegate* unmanaged[Cdecl]<int, byte*>)NativeLibrary.GetExport(codec, "avcodec_get_name");
            av_get_bits_per_sample = (delegate* unmanaged[Cdecl]<int, int>)NativeLibrary.GetExport(codec, "av_get_bits_per_sample");

            avformat_open_input = (delegate* unmanaged[Cdecl]<void**, byte*, void*, void**, int>)NativeLibrary.GetExport(format, "avformat_open_input");
            avformat_find_stream_info = (delegate* unmanaged[Cdecl]<void*, void**, int>)NativeLibrary.GetExport(format, "avformat_find_stream_info");
            avformat_close_input = (delegate* unmanaged[Cdecl]<void**, void>)NativeLibrary.GetExport(format, "avformat_close_input");
            av_read_frame = (delegate* unmanaged[Cdecl]<void*, void*, int>)NativeLibrary.GetExport(format, "av_read_frame");
            avformat_match_stream_specifier = (delegate* unmanaged[Cdecl]<void*, void*, byte*, int>)NativeLibrary.GetExport(format, "avformat_match_stream_specifier");

            // Messages go to the reader that caused them (or nowhere), never to the process's standard error.
            av_log_set_callback(&OnLog);
            return null;
        }
        catch (EntryPointNotFoundException e)
        {
            return $"an FFmpeg function is missing ({e.Message})";
        }
    }

    private static bool TryLoad(string[] names, out nint handle)
    {
        foreach (var name in names)
        {
            if (NativeLibrary.TryLoad(name, out handle)) return true;
        }
        handle = 0;
        return false;
    }

    /// <summary>AVRational: a fraction of two ints.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal readonly struct Rational(int num, int den)
    {
        public readonly int Num = num;
        public readonly int Den = den;
    }
}
