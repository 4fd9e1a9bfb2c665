using Traum.Audio.IO;

namespace Traum.Audio.Dsp;

/// <summary>
/// An <see cref="IAudioReader"/> that converts another reader's stream to a target rate on the fly
/// (with <see cref="StreamingResampler"/>), so a long file can be decoded and resampled in bounded memory. The
/// samples equal <see cref="Resampler.Resample(AudioBuffer, int)"/> of the whole file. Owns the inner reader.
/// </summary>
public sealed class ResamplingReader : IAudioReader
{
    private const int Chunk = 16384;
    private readonly IAudioReader _inner;
    private readonly StreamingResampler? _resampler;
    private readonly float[][] _in;
    private float[][] _out;
    private int _outStart;
    private int _outLen;
    private bool _innerDone;

    /// <summary>Wraps <paramref name="inner"/>; when its rate already is <paramref name="targetRate"/> the samples pass through.</summary>
    public ResamplingReader(IAudioReader inner, int targetRate)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetRate);
        _inner = inner;
        var info = inner.Info;
        var channels = info.Channels;
        if (info.SampleRate != targetRate) _resampler = new StreamingResampler(info.SampleRate, targetRate, channels);
        Info = info with
        {
            SampleRate = targetRate,
            Frames = info.Frames is { } f ? StreamingResampler.OutputLength(f, info.SampleRate, targetRate) : null,
        };
        _in = new float[channels][];
        _out = new float[channels][];
        var outCap = _resampler?.MaxOutput(Chunk) ?? 0;
        for (var c = 0; c < channels; c++)
        {
            _in[c] = new float[Chunk];
            _out[c] = new float[outCap];
        }
    }

    /// <inheritdoc/>
    public AudioFileInfo Info { get; }

    /// <inheritdoc/>
    public int Read(float[][] destination, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (_resampler is null) return _inner.Read(destination, offset, count);
        while (_outLen == 0 && !_innerDone) Fill();
        var n = Math.Min(count, _outLen);
        if (n <= 0) return 0;
        for (var c = 0; c < _out.Length; c++) _out[c].AsSpan(_outStart, n).CopyTo(destination[c].AsSpan(offset, n));
        _outStart += n;
        _outLen -= n;
        return n;
    }

    private void Fill()
    {
        var r = _resampler!;
        _outStart = 0;
        var got = _inner.Read(_in, 0, Chunk);
        if (got > 0)
        {
            _outLen = r.Process(_in, 0, got, _out, 0);
            return;
        }
        _innerDone = true;
        var pending = (int)r.PendingFlushOutput;
        if (_out[0].Length < pending)
        {
            for (var c = 0; c < _out.Length; c++) _out[c] = new float[pending];
        }
        _outLen = r.Flush(_out, 0);
    }

    /// <summary>Disposes the inner reader.</summary>
    public void Dispose() => _inner.Dispose();
}
