using System.Buffers.Binary;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Traum.Core;

namespace Traum.Audio.IO;

/// <summary>
/// Decoding and encoding of formats other than WAV through the ffmpeg command-line tools: <c>ffprobe</c> reads the
/// header, <c>ffmpeg</c> decodes to 32-bit float little-endian PCM on its standard output, which is read in chunks
/// (so a long file never sits in memory), and encodes FLAC and MP3 from float PCM written to its standard input.
/// The tools are found on PATH, or through the <c>TRAUM_FFMPEG</c> environment variable (the ffmpeg executable;
/// ffprobe is looked for beside it). <see cref="AudioFile"/> decodes through <see cref="LibAvReader"/> (the same
/// libraries in process) instead unless <c>TRAUM_DECODER=cli</c> is set or the libraries cannot be used.
/// </summary>
internal static class Ffmpeg
{
    /// <summary>What the user is told when the tools are missing.</summary>
    public const string InstallHint =
        "ffmpeg is needed for formats other than WAV but was not found on PATH; install it (Debian/Ubuntu: `sudo apt-get install ffmpeg`, " +
        "or run `scripts/bootstrap.sh`; macOS: `brew install ffmpeg`), or point TRAUM_FFMPEG at the ffmpeg executable";

    public static IAudioReader OpenRead(string path) => OpenRead(path, CancellationToken.None);

    /// <summary>Probes <paramref name="path"/> and returns a reader that starts decoding on its first read.</summary>
    /// <exception cref="AudioFormatException">ffmpeg is missing, or the file is not audio ffmpeg can decode.</exception>
    public static IAudioReader OpenRead(string path, CancellationToken cancellationToken)
    {
        var info = Probe(path, cancellationToken);
        return new FfmpegReader(path, info, cancellationToken);
    }

    /// <summary>Starts an encoder writing <paramref name="path"/> (.flac or .mp3).</summary>
    public static IAudioWriter OpenWrite(string path, int sampleRate, int channels, AudioWriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new FfmpegWriter(path, sampleRate, channels, options);
    }

    /// <summary>Reads the header of <paramref name="path"/> with ffprobe.</summary>
    public static AudioFileInfo Probe(string path, CancellationToken cancellationToken = default)
    {
        var ffprobe = Locate("ffprobe", path);
        var (code, stdout, stderr) = RunToEnd(ffprobe, path,
            ["-v", "error", "-select_streams", "a:0", "-show_entries",
             "format=format_name,duration:stream=codec_name,sample_rate,channels,duration,bits_per_raw_sample,bits_per_sample",
             "-of", "json", path], cancellationToken);
        if (code != 0) throw new AudioFormatException(path, $"not a readable audio file ({FirstLine(stderr, path) ?? $"ffprobe exit code {code}"})");
        try
        {
            using var doc = JsonDocument.Parse(stdout);
            var root = doc.RootElement;
            if (!root.TryGetProperty("streams", out var streams) || streams.GetArrayLength() == 0)
            {
                throw new AudioFormatException(path, "no audio stream (not an audio file)");
            }
            var s = streams[0];
            var rate = ParseInt(s, "sample_rate");
            var channels = ParseInt(s, "channels");
            if (rate <= 0 || channels <= 0) throw new AudioFormatException(path, "not audio (no sample rate or channel count in the stream)");
            AudioLimits.Validate(path, rate, channels);
            var codec = s.TryGetProperty("codec_name", out var cn) ? cn.GetString() ?? "unknown" : "unknown";
            var bits = ParseInt(s, "bits_per_raw_sample");
            if (bits == 0) bits = ParseInt(s, "bits_per_sample");
            var format = "unknown";
            double? duration = ParseDouble(s, "duration");
            if (root.TryGetProperty("format", out var f))
            {
                format = NormaliseFormat(f.TryGetProperty("format_name", out var fn) ? fn.GetString() : null, path);
                duration ??= ParseDouble(f, "duration");
            }
            long? frames = duration is { } d && d > 0 ? (long)Math.Round(d * rate) : null;
            return new AudioFileInfo(path, format, codec, rate, channels, frames, bits);
        }
        catch (JsonException e)
        {
            throw new AudioFormatException(path, $"ffprobe gave an unreadable answer ({e.Message})", e);
        }
    }

    /// <summary>Finds <paramref name="tool"/> (ffmpeg or ffprobe) or throws the install hint.</summary>
    public static string Locate(string tool, string path) =>
        Locate(tool, Environment.GetEnvironmentVariable("TRAUM_FFMPEG"), Environment.GetEnvironmentVariable("PATH"))
        ?? throw new AudioFormatException(path, InstallHint);

    /// <summary>Finds <paramref name="tool"/> beside <paramref name="ffmpegOverride"/> or on <paramref name="searchPath"/>; null if absent.</summary>
    internal static string? Locate(string tool, string? ffmpegOverride, string? searchPath)
    {
        var exe = OperatingSystem.IsWindows() ? tool + ".exe" : tool;
        if (!string.IsNullOrEmpty(ffmpegOverride))
        {
            var candidate = tool == "ffmpeg" ? ffmpegOverride : Path.Combine(Path.GetDirectoryName(ffmpegOverride) ?? ".", exe);
            if (File.Exists(candidate)) return candidate;
        }
        foreach (var dir in (searchPath ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, exe);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    internal static Process Start(string exe, string path, IEnumerable<string> args, bool redirectInput)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            CreateNoWindow = true,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            return Process.Start(psi) ?? throw new AudioFormatException(path, $"could not start {Path.GetFileName(exe)}");
        }
        catch (Win32Exception e)
        {
            throw new AudioFormatException(path, $"could not start {exe} ({e.Message}); {InstallHint}", e);
        }
    }

    internal static (int Code, string Stdout, string Stderr) RunToEnd(string exe, string path, IEnumerable<string> args, CancellationToken ct)
    {
        using var p = Start(exe, path, args, redirectInput: false);
        using var reg = ct.Register(() => KillQuietly(p));
        var stderr = new StringBuilder();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) stderr.AppendLine(e.Data);
        };
        p.BeginErrorReadLine();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        ct.ThrowIfCancellationRequested();
        lock (stderr) return (p.ExitCode, stdout, stderr.ToString());
    }

    internal static void KillQuietly(Process p)
    {
        try
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    /// <summary>The first meaningful line ffmpeg wrote, with the file path and the "[codec @ 0x…]" prefix removed.</summary>
    internal static string? FirstLine(string stderr, string path)
    {
        foreach (var raw in stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var line = raw;
            if (line.StartsWith('[') && line.IndexOf("] ", StringComparison.Ordinal) is var close and > 0) line = line[(close + 2)..];
            if (line.StartsWith(path + ": ", StringComparison.Ordinal)) line = line[(path.Length + 2)..];
            if (line.Length > 0) return line;
        }
        return null;
    }

    /// <summary>The container name as Traum reports it: the first of ffmpeg's names, the extension for the mp4 family.</summary>
    internal static string NormaliseFormat(string? formatName, string path)
    {
        if (string.IsNullOrEmpty(formatName)) return "unknown";
        if (formatName.Contains("mp4", StringComparison.Ordinal) || formatName.Contains("m4a", StringComparison.Ordinal))
        {
            var ext = Path.GetExtension(path).TrimStart('.').ToLowerInvariant();
            return ext is "m4a" or "mp4" or "aac" or "mov" ? ext : "mp4";
        }
        return formatName.Split(',')[0];
    }

    private static int ParseInt(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v)) return 0;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)) return i;
        return v.ValueKind == JsonValueKind.String && int.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out i) ? i : 0;
    }

    private static double? ParseDouble(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
        return v.ValueKind == JsonValueKind.String && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
    }
}

/// <summary>Streams float PCM from an ffmpeg decoder process.</summary>
internal sealed class FfmpegReader : IAudioReader
{
    private readonly string _path;
    private readonly CancellationToken _cancellationToken;
    private readonly StringBuilder _stderr = new();
    private Process? _process;
    private Stream? _stdout;
    private CancellationTokenRegistration _registration;
    private byte[] _scratch = [];
    private int _carry;           // bytes of an incomplete frame kept at the start of _scratch
    private long _frames;
    private bool _ended;
    private bool _disposed;

    public FfmpegReader(string path, AudioFileInfo info, CancellationToken cancellationToken)
    {
        _path = path;
        Info = info;
        _cancellationToken = cancellationToken;
    }

    public AudioFileInfo Info { get; }

    /// <summary>The decoder process id, once started (for diagnostics and tests).</summary>
    internal int? ProcessId => _process?.Id;

    /// <summary>True when no decoder process is running.</summary>
    internal bool ProcessExited => _process is null || _process.HasExited;

    public int Read(float[][] destination, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var channels = Info.Channels;
        if (destination.Length < channels) throw new ArgumentException($"Need {channels} channel arrays.", nameof(destination));
        if (count <= 0 || _ended) return 0;
        _cancellationToken.ThrowIfCancellationRequested();
        var stdout = EnsureStarted();
        var block = channels * 4;
        var want = count * block;
        if (_scratch.Length < want) Array.Resize(ref _scratch, want);
        var got = _carry;
        try
        {
            while (got < block)
            {
                var n = stdout.Read(_scratch, got, want - got);
                if (n == 0) break;
                got += n;
            }
        }
        catch (IOException e)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            throw new AudioFormatException(_path, $"reading from ffmpeg failed ({e.Message})", e);
        }
        _cancellationToken.ThrowIfCancellationRequested();
        var frames = got / block;
        _carry = got - (frames * block);
        if (frames == 0)
        {
            Finish();
            return 0;
        }
        var src = _scratch.AsSpan(0, frames * block);
        for (var c = 0; c < channels; c++)
        {
            var d = destination[c].AsSpan(offset, frames);
            var p = c * 4;
            for (var i = 0; i < frames; i++, p += block) d[i] = BinaryPrimitives.ReadSingleLittleEndian(src[p..]);
        }
        if (_carry > 0) _scratch.AsSpan(frames * block, _carry).CopyTo(_scratch);
        _frames += frames;
        return frames;
    }

    private Stream EnsureStarted()
    {
        if (_stdout is not null) return _stdout;
        var exe = Ffmpeg.Locate("ffmpeg", _path);
        _process = Ffmpeg.Start(exe, _path,
            ["-nostdin", "-hide_banner", "-v", "error", "-i", _path, "-map", "0:a:0", "-vn", "-f", "f32le", "-acodec", "pcm_f32le",
             "-ac", Info.Channels.ToString(CultureInfo.InvariantCulture), "-ar", Info.SampleRate.ToString(CultureInfo.InvariantCulture), "-"],
            redirectInput: false);
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderr)
            {
                if (_stderr.Length < 16384) _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
        _registration = _cancellationToken.Register(() => Ffmpeg.KillQuietly(_process));
        _stdout = _process.StandardOutput.BaseStream;
        return _stdout;
    }

    /// <summary>At the end of the stream: checks how ffmpeg ended and whether all the audio came out.</summary>
    private void Finish()
    {
        _ended = true;
        var p = _process!;
        p.WaitForExit();
        _cancellationToken.ThrowIfCancellationRequested();
        string err;
        lock (_stderr) err = _stderr.ToString();
        var first = Ffmpeg.FirstLine(err, _path);
        if (p.ExitCode != 0)
        {
            throw new AudioFormatException(_path, $"cannot be decoded ({first ?? $"ffmpeg exit code {p.ExitCode}"})");
        }
        CheckEnd(_path, first, _frames, Info.Frames);
    }

    /// <summary>
    /// The checks at the end of a decoded stream, the same for every decoder: an error the decoder reported, no samples
    /// at all, or clearly fewer frames than the header promised (2 % and one block of slack for encoder padding).
    /// </summary>
    internal static void CheckEnd(string path, string? firstError, long frames, long? expected)
    {
        if (firstError is not null) throw new AudioFormatException(path, $"is corrupt or truncated ({firstError})");
        if (frames == 0) throw new AudioFormatException(path, "the file holds no audio samples");
        if (expected is { } promised && frames < (promised * 0.98) - 8192)
        {
            throw new AudioFormatException(path, $"is truncated: its header promises {promised} frames, only {frames} could be decoded");
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _registration.Dispose();
        if (_process is null) return;
        Ffmpeg.KillQuietly(_process);
        try
        {
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Not started or already reaped.
        }
        _process.Dispose();
    }
}

/// <summary>Streams float PCM into an ffmpeg encoder process writing FLAC or MP3 to a temporary file, renamed on completion.</summary>
internal sealed class FfmpegWriter : IAudioWriter
{
    private readonly string _path;
    private readonly string _partial;
    private readonly int _channels;
    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly StringBuilder _stderr = new();
    private byte[] _scratch = [];
    private bool _completed;
    private bool _failed;
    private bool _disposed;

    public FfmpegWriter(string path, int sampleRate, int channels, AudioWriteOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        _path = path;
        _channels = channels;
        var ext = Path.GetExtension(path).ToUpperInvariant();
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir)) throw new AudioFormatException(path, "the folder does not exist");
        _partial = path + ".partial";
        var inv = CultureInfo.InvariantCulture;
        var args = new List<string>
        {
            "-nostdin", "-hide_banner", "-v", "error", "-y",
            "-f", "f32le", "-ar", sampleRate.ToString(inv), "-ac", channels.ToString(inv), "-i", "-",
        };
        if (ext == ".FLAC")
        {
            switch (options.Format)
            {
                case SampleFormat.Pcm16:
                    if (options.Dither) args.AddRange(["-af", "aresample=dither_method=triangular"]);
                    args.AddRange(["-c:a", "flac", "-sample_fmt", "s16"]);
                    break;
                case SampleFormat.Pcm24:
                    args.AddRange(["-c:a", "flac", "-sample_fmt", "s32", "-bits_per_raw_sample", "24"]);
                    break;
                default:
                    throw new AudioFormatException(path, "FLAC stores 16 or 24-bit integers, not 32-bit float; choose 16 or 24 bits, or write WAV");
            }
            args.AddRange(["-f", "flac"]);
        }
        else if (ext == ".MP3")
        {
            if (options.Mp3BitrateKbps is < 8 or > 320) throw new AudioFormatException(path, $"MP3 bitrate {options.Mp3BitrateKbps} kbit/s is outside 8–320");
            args.AddRange(["-c:a", "libmp3lame", "-b:a", $"{options.Mp3BitrateKbps}k", "-f", "mp3"]);
        }
        else
        {
            throw new AudioFormatException(path, $"cannot encode '{ext}' through ffmpeg; use .flac or .mp3");
        }
        args.Add(_partial);
        var exe = Ffmpeg.Locate("ffmpeg", path);
        _process = Ffmpeg.Start(exe, path, args, redirectInput: true);
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderr)
            {
                if (_stderr.Length < 16384) _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
        _process.StandardOutput.Close();
        _stdin = _process.StandardInput.BaseStream;
    }

    public void Write(float[][] source, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (_completed) throw new InvalidOperationException("The writer is complete.");
        if (count <= 0) return;
        var block = _channels * 4;
        var n = count * block;
        if (_scratch.Length < n) _scratch = new byte[n];
        var dst = _scratch.AsSpan(0, n);
        for (var c = 0; c < _channels; c++)
        {
            var src = source[c].AsSpan(offset, count);
            var p = c * 4;
            for (var i = 0; i < count; i++, p += block) BinaryPrimitives.WriteSingleLittleEndian(dst[p..], src[i]);
        }
        try
        {
            _stdin.Write(dst);
        }
        catch (IOException e)
        {
            _failed = true;
            _process.WaitForExit(5000);
            throw new AudioFormatException(_path, $"the encoder stopped ({StderrLine() ?? e.Message})", e);
        }
    }

    public void Complete()
    {
        if (_completed) return;
        _completed = true;
        try
        {
            _stdin.Close();
        }
        catch (IOException)
        {
            // The exit code below tells what happened.
        }
        _process.WaitForExit();
        if (_process.ExitCode != 0)
        {
            TryDelete(_partial);
            throw new AudioFormatException(_path, $"encoding failed ({StderrLine() ?? $"ffmpeg exit code {_process.ExitCode}"})");
        }
        try
        {
            File.Move(_partial, _path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(_partial);
            throw new AudioFormatException(_path, $"cannot write the file ({e.Message})", e);
        }
    }

    private string? StderrLine()
    {
        lock (_stderr) return Ffmpeg.FirstLine(_stderr.ToString(), _partial);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort.
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (!_failed) Complete();
        }
        finally
        {
            Ffmpeg.KillQuietly(_process);
            _process.Dispose();
            if (!_completed || _failed) TryDelete(_partial);
        }
    }
}
