using Traum.Audio.Dsp;
using Traum.Audio.IO;
using Traum.Core;

namespace Traum.Models.Demucs;

/// <summary>
/// An audio file as the model needs it, read in blocks: decoded (any format AudioFile reads), mono duplicated to both
/// channels, more than two channels reduced to the first two, and resampled to the model's rate when it differs.
/// </summary>
public sealed class AudioFileInput : ISeparationInput
{
    /// <param name="path">The file.</param>
    /// <param name="sampleRate">The model's rate, Hz.</param>
    /// <exception cref="AudioFormatException">The file cannot be read or holds no audio channels.</exception>
    public AudioFileInput(string path, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = path;
        SampleRate = sampleRate;
        Info = AudioFile.Probe(path);
        if (Info.Channels < 1) throw new AudioFormatException(path, "has no audio channels");
        if (Info.SampleRate <= 0) throw new AudioFormatException(path, "has no valid sample rate");
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>What its header says.</summary>
    public AudioFileInfo Info { get; }

    /// <summary>Rate of the samples handed out, Hz.</summary>
    public int SampleRate { get; }

    public IStereoSource Open()
    {
        var reader = AudioFile.OpenRead(Path);
        IStereoSource source = new StereoReader(reader);
        if (reader.Info.SampleRate != SampleRate) source = new BlockResampler(source, reader.Info.SampleRate, SampleRate);
        return source;
    }

    /// <summary>Reads planar blocks and maps the channels to stereo.</summary>
    private sealed class StereoReader(IAudioReader reader) : IStereoSource
    {
        private float[][] _buf = [];

        public int Read(float[][] destination, int offset, int count)
        {
            var ch = reader.Info.Channels;
            if (ch == 2) return reader.Read(destination, offset, count);
            if (_buf.Length != ch || _buf[0].Length < count)
            {
                _buf = new float[ch][];
                for (var c = 0; c < ch; c++) _buf[c] = new float[count];
            }
            var n = reader.Read(_buf, 0, count);
            Array.Copy(_buf[0], 0, destination[0], offset, n);
            Array.Copy(_buf[ch == 1 ? 0 : 1], 0, destination[1], offset, n);
            return n;
        }

        public void Dispose() => reader.Dispose();
    }
}

/// <summary>
/// Streams <see cref="Resampler"/> over a source in overlapping segments. Segments start at multiples of p input
/// samples (p = source rate / gcd), where input and output sample times coincide exactly; each is resampled with a
/// margin of input on both sides and only its middle kept, so the result equals resampling the whole signal at once
/// wherever the resampler's kernel is shorter than the margin.
/// </summary>
internal sealed class BlockResampler : IStereoSource
{
    private const int TargetBlock = 1 << 17;
    private const int TargetMargin = 1 << 14;

    private readonly IStereoSource _source;
    private readonly int _from;
    private readonly int _to;
    private readonly long _p;
    private readonly long _q;
    private readonly int _block;
    private readonly int _margin;

    // Input samples [_inBase, _inBase + _inLen).
    private readonly float[][] _in;
    private long _inBase;
    private int _inLen;
    private bool _eof;
    // Next input position whose output has not been produced yet (multiple of p).
    private long _pos;

    // Produced output not yet handed out.
    private float[][] _out = [[], []];
    private int _outStart;
    private int _outLen;

    public BlockResampler(IStereoSource source, int from, int to)
    {
        _source = source;
        _from = from;
        _to = to;
        var g = Gcd(from, to);
        _p = from / g;
        _q = to / g;
        _block = (int)(_p * Math.Max(1, TargetBlock / _p));
        _margin = (int)(_p * Math.Max(1, (TargetMargin + _p - 1) / _p));
        var cap = _block + (2 * _margin) + 1;
        _in = [new float[cap], new float[cap]];
    }

    public int Read(float[][] destination, int offset, int count)
    {
        while (_outLen == 0)
        {
            if (!Produce()) return 0;
        }
        var n = Math.Min(count, _outLen);
        Array.Copy(_out[0], _outStart, destination[0], offset, n);
        Array.Copy(_out[1], _outStart, destination[1], offset, n);
        _outStart += n;
        _outLen -= n;
        return n;
    }

    /// <summary>Resamples the next segment; false at the end.</summary>
    private bool Produce()
    {
        // Need input [_pos - margin, _pos + block + margin) or the end of the stream.
        var need = _pos + _block + _margin;
        while (!_eof && _inBase + _inLen < need)
        {
            var got = _source.Read(_in, _inLen, _in[0].Length - _inLen);
            if (got == 0) _eof = true;
            _inLen += got;
        }
        var end = _inBase + _inLen;
        if (_pos >= end) return false;
        var segStart = Math.Max(_inBase, _pos - _margin);
        var segEnd = Math.Min(end, need);
        var last = _eof && segEnd == end && _pos + _block >= end;
        var from = (int)(segStart - _inBase);
        var len = (int)(segEnd - segStart);
        var left = Resampler.Resample(_in[0].AsSpan(from, len), _from, _to);
        var right = Resampler.Resample(_in[1].AsSpan(from, len), _from, _to);
        // Output index of input position x (a multiple of p) is x·q/p.
        var skip = (int)((_pos - segStart) * _q / _p);
        var take = last ? left.Length - skip : (int)(Math.Min(_block, end - _pos) * _q / _p);
        take = Math.Max(0, Math.Min(take, left.Length - skip));
        _out = [left, right];
        _outStart = skip;
        _outLen = take;
        _pos = last ? end : _pos + _block;
        // Keep input from _pos - margin on.
        var keepFrom = Math.Max(_inBase, _pos - _margin);
        var drop = (int)(keepFrom - _inBase);
        if (drop > 0)
        {
            for (var c = 0; c < 2; c++) Array.Copy(_in[c], drop, _in[c], 0, _inLen - drop);
            _inBase += drop;
            _inLen -= drop;
        }
        return true;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    public void Dispose() => _source.Dispose();
}
