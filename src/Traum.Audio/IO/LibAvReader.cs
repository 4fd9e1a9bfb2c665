using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Traum.Core;

namespace Traum.Audio.IO;

/// <summary>
/// Decodes formats other than WAV in this process through the FFmpeg libraries (<see cref="LibAv"/>), to the same
/// float samples, frame count, header information and errors as the ffmpeg command-line path (<see cref="Ffmpeg"/>,
/// <see cref="FfmpegReader"/>) without starting two processes per file.
/// </summary>
/// <remarks>
/// <para>Samples are bit-identical to <c>ffmpeg -i F -map 0:a:0 -f f32le -ac C -ar R -</c>: the first audio stream is
/// decoded by the same decoder with libavcodec's own handling of encoder delay and padding, and sample formats are
/// converted as libswresample converts them to float (16-bit × 2⁻¹⁵, 32-bit × 2⁻³¹ in float, 8-bit (x − 128) × 2⁻⁷,
/// double rounded, planar interleaved). A stream whose decoded rate, channel count, channel layout or sample format
/// would make the command line resample or remix is handed to <see cref="FfmpegReader"/> at the frame reached.</para>
/// <para>The header (<see cref="AudioFileInfo"/>) is what <see cref="Ffmpeg.Probe"/> reads from ffprobe's report: the
/// container's first format name (mp4 family by extension), the codec descriptor's name, the stream's rate and
/// channels, bits_per_raw_sample or else the codec's bits per sample, and the length from the stream's duration
/// (else the container's) printed to microseconds as ffprobe prints it.</para>
/// <para>Errors libav logs while the file is open, a decode error, or a read error before the end are reported as
/// "is corrupt or truncated (…)", as the command line's error output is. Setting the environment variable
/// <c>TRAUM_DECODER=cli</c> makes <see cref="AudioFile.OpenRead(string, CancellationToken)"/> use the command-line
/// tools instead; when the libraries are missing or of an unsupported version the command line is used anyway.</para>
/// </remarks>
internal sealed unsafe class LibAvReader : IAudioReader
{
    /// <summary>The environment variable that chooses the decoder: <c>cli</c> for the command-line tools.</summary>
    public const string DecoderVariable = "TRAUM_DECODER";

    private static ReadOnlySpan<byte> FirstAudioStream => "a:0\0"u8;
    private static ReadOnlySpan<byte> PacketTimeBase => "pkt_timebase\0"u8;
    private static ReadOnlySpan<byte> Threads => "threads\0"u8;

    private readonly string _path;
    private readonly CancellationToken _cancellationToken;
    private readonly Handle _handle;
    private readonly List<string> _errors;
    private readonly int _streamIndex;
    private readonly int _codecId;
    private readonly LibAv.Rational _timeBase;
    private void* _frame;
    private int _frameFormat;
    private int _frameOffset;
    private int _frameLeft;
    private bool _draining;
    private long _frames;
    private bool _ended;
    private bool _disposed;
    private FfmpegReader? _cli;

    private LibAvReader(string path, AudioFileInfo info, Handle handle, List<string> errors, int streamIndex, int codecId,
        LibAv.Rational timeBase, CancellationToken cancellationToken)
    {
        _path = path;
        Info = info;
        _handle = handle;
        _errors = errors;
        _streamIndex = streamIndex;
        _codecId = codecId;
        _timeBase = timeBase;
        _cancellationToken = cancellationToken;
    }

    public AudioFileInfo Info { get; }

    /// <summary>Native decoder states not yet freed, in the whole process (for tests).</summary>
    internal static long LiveHandles => Interlocked.Read(ref Handle.Live);

    /// <summary>True once the rest of the stream is read through the command line (for tests).</summary>
    internal bool HandedOver => _cli is not null;

    /// <summary>True when the native state is freed (for tests).</summary>
    internal bool NativeFreed => _handle.IsClosed;

    /// <summary>
    /// Whether <see cref="AudioFile"/> decodes in process: not when <paramref name="decoderSetting"/> (the value of
    /// <c>TRAUM_DECODER</c>) is <c>cli</c>, nor when the libraries cannot be used.
    /// </summary>
    public static bool Enabled(string? decoderSetting) =>
        !string.Equals(decoderSetting?.Trim(), "cli", StringComparison.OrdinalIgnoreCase) && LibAv.IsAvailable;

    /// <summary>Opens <paramref name="path"/> and reads its header; decoding starts on the first read.</summary>
    /// <exception cref="AudioFormatException">The libraries cannot be used, not a file libav can read, or no audio stream in it.</exception>
    public static LibAvReader Open(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!LibAv.IsAvailable) throw new AudioFormatException(path, $"cannot be decoded in process ({LibAv.LoadProblem}); {Ffmpeg.InstallHint}");
        cancellationToken.ThrowIfCancellationRequested();
        var errors = new List<string>();
        using var scope = LibAv.CollectErrors(errors);
        void* fmt = null;
        var url = Encoding.UTF8.GetBytes("file:" + Path.GetFullPath(path) + "\0");
        int ret;
        fixed (byte* u = url) ret = LibAv.avformat_open_input(&fmt, u, null, null);
        if (ret < 0) throw new AudioFormatException(path, $"not a readable audio file ({FirstError(errors, ret)})");
        Handle? handle = new Handle(fmt);
        try
        {
            ret = LibAv.avformat_find_stream_info(fmt, null);
            if (ret < 0) throw new AudioFormatException(path, $"not a readable audio file ({FirstError(errors, ret)})");
            var f = (byte*)fmt;
            var count = *(uint*)(f + LibAv.FormatNbStreams);
            var streams = *(byte***)(f + LibAv.FormatStreams);
            byte* stream = null;
            var index = -1;
            fixed (byte* spec = FirstAudioStream)
            {
                for (var i = 0; i < count; i++)
                {
                    if (LibAv.avformat_match_stream_specifier(fmt, streams[i], spec) > 0)
                    {
                        stream = streams[i];
                        index = i;
                        break;
                    }
                }
            }
            if (stream is null) throw new AudioFormatException(path, "no audio stream (not an audio file)");
            var par = *(byte**)(stream + LibAv.StreamCodecPar);
            var codecId = *(int*)(par + LibAv.ParCodecId);
            var rate = *(int*)(par + LibAv.ParSampleRate);
            var channels = *(int*)(par + LibAv.ParChLayout + LibAv.ChLayoutNbChannels);
            if (rate <= 0 || channels <= 0) throw new AudioFormatException(path, "not audio (no sample rate or channel count in the stream)");
            AudioLimits.Validate(path, rate, channels);
            var codec = Marshal.PtrToStringUTF8((nint)LibAv.avcodec_get_name(codecId)) ?? "unknown";
            var bits = *(int*)(par + LibAv.ParBitsPerRawSample);
            if (bits <= 0) bits = LibAv.av_get_bits_per_sample(codecId);
            var iformat = *(byte**)(f + LibAv.FormatIFormat);
            var formatName = iformat is null ? null : Marshal.PtrToStringUTF8((nint)(*(byte**)iformat));
            var format = Ffmpeg.NormaliseFormat(formatName, path);
            var timeBase = *(LibAv.Rational*)(stream + LibAv.StreamTimeBase);
            var duration = Seconds(*(long*)(stream + LibAv.StreamDuration), timeBase)
                ?? Seconds(*(long*)(f + LibAv.FormatDuration), new LibAv.Rational(1, 1_000_000));
            long? frames = duration is { } d && d > 0 ? (long)Math.Round(d * rate) : null;
            var info = new AudioFileInfo(path, format, codec, rate, channels, frames, bits);
            var reader = new LibAvReader(path, info, handle, errors, index, codecId, timeBase, cancellationToken);
            handle = null;
            return reader;
        }
        finally
        {
            handle?.Dispose();
        }
    }

    /// <summary>A timestamp in seconds as ffprobe prints it (<c>%f</c>, microseconds) and Probe parses it back; null when unset.</summary>
    private static double? Seconds(long ts, LibAv.Rational timeBase)
    {
        if (ts == LibAv.NoPts || timeBase.Den == 0) return null;
        var d = ts * (timeBase.Num / (double)timeBase.Den);
        return double.Parse(d.ToString("F6", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static string FirstError(List<string> errors, int code) => errors.Count > 0 ? errors[0] : LibAv.ErrorText(code);

    public int Read(float[][] destination, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var channels = Info.Channels;
        if (destination.Length < channels) throw new ArgumentException($"Need {channels} channel arrays.", nameof(destination));
        if (count <= 0 || _ended) return 0;
        if (_cli is not null) return _cli.Read(destination, offset, count);
        _cancellationToken.ThrowIfCancellationRequested();
        using var scope = LibAv.CollectErrors(_errors);
        EnsureDecoder();
        var done = 0;
        var handOver = false;
        while (done < count)
        {
            if (_frameLeft > 0)
            {
                done += Copy(destination, offset + done, count - done);
                continue;
            }
            _cancellationToken.ThrowIfCancellationRequested();
            var next = NextFrame();
            if (next == FrameResult.End) break;
            if (next == FrameResult.HandOver)
            {
                handOver = true;
                break;
            }
        }
        _frames += done;
        if (handOver)
        {
            HandOver();
            if (done > 0) return done;
            return _cli!.Read(destination, offset, count);
        }
        if (done == 0) Finish();
        return done;
    }

    private void EnsureDecoder()
    {
        if (_frame is not null) return;
        // A decoder that cannot be opened ends the stream: the refusal is thrown once, later reads return 0.
        _ended = true;
        var fmt = (byte*)_handle.DangerousGetHandle();
        var streams = *(byte***)(fmt + LibAv.FormatStreams);
        var par = *(byte**)(streams[_streamIndex] + LibAv.StreamCodecPar);
        var decoder = LibAv.avcodec_find_decoder(_codecId);
        if (decoder is null) throw new AudioFormatException(_path, $"cannot be decoded (no decoder for {Info.Codec})");
        var ctx = LibAv.avcodec_alloc_context3(decoder);
        if (ctx is null) throw new AudioFormatException(_path, "cannot be decoded (libavcodec could not allocate a decoder)");
        _handle.Codec = ctx;
        var ret = LibAv.avcodec_parameters_to_context(ctx, par);
        if (ret < 0) throw new AudioFormatException(_path, $"cannot be decoded ({FirstError(_errors, ret)})");
        // As the command line: the stream's time base for the decoder's sample skipping. One thread: the samples are
        // the same with any number, and a short file decodes faster without starting threads.
        fixed (byte* name = PacketTimeBase) ret = LibAv.av_opt_set_q(ctx, name, _timeBase, 0);
        if (ret < 0) throw new AudioFormatException(_path, $"cannot be decoded (pkt_timebase: {LibAv.ErrorText(ret)})");
        fixed (byte* name = Threads) ret = LibAv.av_opt_set_int(ctx, name, 1, 0);
        if (ret < 0) throw new AudioFormatException(_path, $"cannot be decoded (threads: {LibAv.ErrorText(ret)})");
        ret = LibAv.avcodec_open2(ctx, decoder, null);
        if (ret < 0) throw new AudioFormatException(_path, $"cannot be decoded ({FirstError(_errors, ret)})");
        _handle.Packet = LibAv.av_packet_alloc();
        _handle.Frame = LibAv.av_frame_alloc();
        if (_handle.Packet is null || _handle.Frame is null) throw new AudioFormatException(_path, "cannot be decoded (libav could not allocate a packet or frame)");
        _frame = _handle.Frame;
        _ended = false;
    }

    private enum FrameResult { Frame, End, HandOver }

    /// <summary>Decodes the next frame of the stream into <see cref="_frame"/>.</summary>
    private FrameResult NextFrame()
    {
        var fmt = (void*)_handle.DangerousGetHandle();
        var ctx = _handle.Codec;
        var pkt = _handle.Packet;
        while (true)
        {
            var ret = LibAv.avcodec_receive_frame(ctx, _frame);
            if (ret == 0)
            {
                var f = (byte*)_frame;
                var samples = *(int*)(f + LibAv.FrameNbSamples);
                if (samples <= 0) continue;
                if (!SameAsCommandLineOutput(f)) return FrameResult.HandOver;
                _frameFormat = *(int*)(f + LibAv.FrameFormat);
                _frameOffset = 0;
                _frameLeft = samples;
                return FrameResult.Frame;
            }
            if (ret == LibAv.ErrorEof) return FrameResult.End;
            if (ret != LibAv.ErrorAgain) throw Corrupt(ret);
            if (_draining) return FrameResult.End;
            _cancellationToken.ThrowIfCancellationRequested();
            ret = LibAv.av_read_frame(fmt, pkt);
            if (ret == LibAv.ErrorAgain) continue;
            if (ret == LibAv.ErrorEof)
            {
                _draining = true;
                ret = LibAv.avcodec_send_packet(ctx, null);
                if (ret < 0 && ret != LibAv.ErrorEof) throw Corrupt(ret);
                continue;
            }
            if (ret < 0) throw Corrupt(ret);
            if (*(int*)((byte*)pkt + LibAv.PacketStreamIndex) != _streamIndex)
            {
                LibAv.av_packet_unref(pkt);
                continue;
            }
            ret = LibAv.avcodec_send_packet(ctx, pkt);
            LibAv.av_packet_unref(pkt);
            if (ret < 0 && ret != LibAv.ErrorAgain) throw Corrupt(ret);
        }
    }

    /// <summary>
    /// True when the command line would pass this frame through as it is: the header's rate and channel count, the
    /// default layout for that count (or none), and a sample format converted here as libswresample converts it.
    /// </summary>
    private bool SameAsCommandLineOutput(byte* f)
    {
        if (*(int*)(f + LibAv.FrameSampleRate) != Info.SampleRate) return false;
        var layout = f + LibAv.FrameChLayout;
        var channels = *(int*)(layout + LibAv.ChLayoutNbChannels);
        if (channels != Info.Channels) return false;
        var format = *(int*)(f + LibAv.FrameFormat);
        if (format is < LibAv.SampleU8 or > LibAv.SampleDblP) return false;
        if (*(int*)(layout + LibAv.ChLayoutOrder) == LibAv.ChannelOrderUnspec) return true;
        var standard = stackalloc byte[LibAv.ChLayoutSize];
        new Span<byte>(standard, LibAv.ChLayoutSize).Clear();
        LibAv.av_channel_layout_default(standard, channels);
        var same = LibAv.av_channel_layout_compare(layout, standard) == 0;
        LibAv.av_channel_layout_uninit(standard);
        return same;
    }

    /// <summary>Copies up to <paramref name="count"/> frames of the current decoded frame, converted to float.</summary>
    private int Copy(float[][] destination, int offset, int count)
    {
        var n = Math.Min(count, _frameLeft);
        var planes = *(byte***)((byte*)_frame + LibAv.FrameExtendedData);
        var chans = Info.Channels;
        var s = _frameOffset;
        switch (_frameFormat)
        {
            case LibAv.SampleFltP:
                for (var c = 0; c < chans; c++) new ReadOnlySpan<float>((float*)planes[c] + s, n).CopyTo(destination[c].AsSpan(offset, n));
                break;
            case LibAv.SampleFlt:
                {
                    var p = (float*)planes[0] + ((long)s * chans);
                    for (var c = 0; c < chans; c++)
                    {
                        var d = destination[c].AsSpan(offset, n);
                        for (var i = 0; i < n; i++) d[i] = p[((long)i * chans) + c];
                    }
                    break;
                }
            case LibAv.SampleS16P:
                for (var c = 0; c < chans; c++)
                {
                    var p = (short*)planes[c] + s;
                    var d = destination[c].AsSpan(offset, n);
                    for (var i = 0; i < n; i++) d[i] = p[i] * (1f / 32768f);
                }
                break;
            case LibAv.SampleS16:
                {
                    var p = (short*)planes[0] + ((long)s * chans);
                    for (var c = 0; c < chans; c++)
                    {
                        var d = destination[c].AsSpan(offset, n);
                        for (var i = 0; i < n; i++) d[i] = p[((long)i * chans) + c] * (1f / 32768f);
                    }
                    break;
                }
            case LibAv.SampleS32P:
                for (var c = 0; c < chans; c++)
                {
                    var p = (int*)planes[c] + s;
                    var d = destination[c].AsSpan(offset, n);
                    for (var i = 0; i < n; i++) d[i] = (float)p[i] * (1f / 2147483648f);
                }
                break;
            case LibAv.SampleS32:
                {
                    var p = (int*)planes[0] + ((long)s * chans);
                    for (var c = 0; c < chans; c++)
                    {
                        var d = destination[c].AsSpan(offset, n);
                        for (var i = 0; i < n; i++) d[i] = (float)p[((long)i * chans) + c] * (1f / 2147483648f);
                    }
                    break;
                }
            case LibAv.SampleU8P:
                for (var c = 0; c < chans; c++)
                {
                    var p = planes[c] + s;
                    var d = destination[c].AsSpan(offset, n);
                    for (var i = 0; i < n; i++) d[i] = (p[i] - 0x80) * (1f / 128f);
                }
                break;
            case LibAv.SampleU8:
                {
                    var p = planes[0] + ((long)s * chans);
                    for (var c = 0; c < chans; c++)
                    {
                        var d = destination[c].AsSpan(offset, n);
                        for (var i = 0; i < n; i++) d[i] = (p[((long)i * chans) + c] - 0x80) * (1f / 128f);
                    }
                    break;
                }
            case LibAv.SampleDblP:
                for (var c = 0; c < chans; c++)
                {
                    var p = (double*)planes[c] + s;
                    var d = destination[c].AsSpan(offset, n);
                    for (var i = 0; i < n; i++) d[i] = (float)p[i];
                }
                break;
            default: // LibAv.SampleDbl; other formats were handed over before reaching here.
                {
                    var p = (double*)planes[0] + ((long)s * chans);
                    for (var c = 0; c < chans; c++)
                    {
                        var d = destination[c].AsSpan(offset, n);
                        for (var i = 0; i < n; i++) d[i] = (float)p[((long)i * chans) + c];
                    }
                    break;
                }
        }
        _frameOffset += n;
        _frameLeft -= n;
        return n;
    }

    /// <summary>Continues through the command line from the frame reached, and frees the native state.</summary>
    private void HandOver()
    {
        var cli = new FfmpegReader(_path, Info, _cancellationToken);
        var skip = _frames;
        var scratch = new float[Info.Channels][];
        for (var c = 0; c < scratch.Length; c++) scratch[c] = new float[4096];
        while (skip > 0)
        {
            var n = cli.Read(scratch, 0, (int)Math.Min(skip, 4096));
            if (n == 0) break;
            skip -= n;
        }
        _cli = cli;
        _frame = null;
        _handle.Dispose();
    }

    private AudioFormatException Corrupt(int code)
    {
        _ended = true;
        return new AudioFormatException(_path, $"is corrupt or truncated ({FirstError(_errors, code)})");
    }

    /// <summary>At the end of the stream: the checks <see cref="FfmpegReader"/> makes when ffmpeg ends.</summary>
    private void Finish()
    {
        _ended = true;
        _cancellationToken.ThrowIfCancellationRequested();
        FfmpegReader.CheckEnd(_path, _errors.Count > 0 ? _errors[0] : null, _frames, Info.Frames);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _frame = null;
        _handle.Dispose();
        _cli?.Dispose();
    }

    /// <summary>The demuxer, decoder, packet and frame of one file, freed together (also by the finalizer).</summary>
    private sealed class Handle : SafeHandle
    {
        internal static long Live;

        public Handle(void* formatContext)
            : base(0, ownsHandle: true)
        {
            SetHandle((nint)formatContext);
            Interlocked.Increment(ref Live);
        }

        public void* Codec { get; set; }

        public void* Packet { get; set; }

        public void* Frame { get; set; }

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle()
        {
            var frame = Frame;
            if (frame is not null) LibAv.av_frame_free(&frame);
            var packet = Packet;
            if (packet is not null) LibAv.av_packet_free(&packet);
            var codec = Codec;
            if (codec is not null) LibAv.avcodec_free_context(&codec);
            var fmt = (void*)handle;
            LibAv.avformat_close_input(&fmt);
            Frame = Packet = Codec = null;
            Interlocked.Decrement(ref Live);
            return true;
        }
    }
}
