using System.Numerics.Tensors;

namespace Traum.Models.Demucs;

/// <summary>
/// One pass of demucs' split apply (steps 2 of DESIGN.md), streaming: stereo samples go in block by block, chunks of
/// <c>segment</c> samples at offsets 0, stride, 2·stride… are separated as soon as their samples are in, weighted
/// by the triangle, accumulated with the weights, and every sample no later chunk can touch leaves divided by its
/// summed weight. A chunk that runs past the end is centred in a full window filled with the real neighbouring
/// samples (zeros before the start and past the end) and trimmed back. Memory is a few segments, whatever the length.
/// </summary>
/// <remarks>
/// The pass sees a virtual signal of <c>prefix</c> zeros followed by the track (the shift trick: a shift of
/// <c>o</c> in [0, 22 050] starts the track after 22 050 − o zeros) and emits only the track's own samples.
/// </remarks>
internal sealed class OverlapAddPass
{
    private readonly IChunkModel _model;
    private readonly int _segment;
    private readonly int _stride;
    private readonly int _prefix;
    private readonly float[] _weights;
    private readonly int _sources;

    // Input: virtual samples [_inBase, _inBase + _inLen).
    private readonly float[][] _in;
    private long _inBase;
    private int _inLen;

    // Accumulators over virtual samples [_outBase, _outBase + _segment).
    private readonly float[][][] _acc;
    private readonly float[] _weightSum;
    private long _outBase;

    // Emitted (final) track samples not yet taken: [0, _readyLen) of _ready.
    private float[][][] _ready;
    private int _readyLen;

    private readonly float[][] _window;
    private readonly float[][][] _chunkOut;
    private long _nextOffset;
    private bool _complete;

    /// <param name="model">The per-chunk model.</param>
    /// <param name="stride">Chunk stride, samples.</param>
    /// <param name="weights">Overlap-add weights, one per chunk sample.</param>
    /// <param name="prefix">Zeros before the track (shift trick), samples.</param>
    public OverlapAddPass(IChunkModel model, int stride, float[] weights, int prefix = 0)
    {
        _model = model;
        _segment = model.Segment;
        _stride = stride;
        _weights = weights;
        _prefix = prefix;
        _sources = model.SourceCount;
        var inCap = (2 * _segment) + 65536;
        _in = [new float[inCap], new float[inCap]];
        _acc = NewStems(_sources, _segment);
        _weightSum = new float[_segment];
        _ready = NewStems(_sources, _segment);
        _window = [new float[_segment], new float[_segment]];
        _chunkOut = NewStems(_sources, _segment);
        if (prefix > 0) AppendZeros(prefix);
    }

    /// <summary>Chunks separated so far.</summary>
    public int ChunksDone { get; private set; }

    /// <summary>Track samples ready to <see cref="Take"/>.</summary>
    public int Ready => _readyLen;

    /// <summary>Called after every chunk.</summary>
    public Action? ChunkDone { get; init; }

    /// <summary>Chunks a track of <paramref name="length"/> samples needs in one pass with this stride and prefix.</summary>
    public static long ChunkCount(long length, int stride, int prefix) => ((length + prefix) + stride - 1) / stride;

    /// <summary>Appends <paramref name="count"/> track samples of both channels and separates every chunk that is complete.</summary>
    public void Push(float[][] block, int offset, int count)
    {
        if (_complete) throw new InvalidOperationException("The pass is complete.");
        while (count > 0)
        {
            MakeRoom();
            var n = Math.Min(count, _in[0].Length - _inLen);
            Array.Copy(block[0], offset, _in[0], _inLen, n);
            Array.Copy(block[1], offset, _in[1], _inLen, n);
            _inLen += n;
            offset += n;
            count -= n;
            while (_nextOffset + _segment <= _inBase + _inLen) ProcessChunk(_inBase + _inLen);
        }
    }

    /// <summary>Marks the end of the track and separates the remaining chunks.</summary>
    public void Complete()
    {
        if (_complete) return;
        _complete = true;
        var end = _inBase + _inLen;
        while (_nextOffset < end) ProcessChunk(end);
        if (end > _outBase) Emit(end);
    }

    /// <summary>Adds the first <paramref name="count"/> ready samples, times <paramref name="scale"/>, to <paramref name="destination"/> ([S][2][≥count]).</summary>
    public void AddTo(float[][][] destination, int count, float scale)
    {
        for (var s = 0; s < _sources; s++)
        {
            for (var c = 0; c < 2; c++)
            {
                var d = destination[s][c].AsSpan(0, count);
                TensorPrimitives.MultiplyAdd(_ready[s][c].AsSpan(0, count), scale, d, d);
            }
        }
    }

    /// <summary>Drops the first <paramref name="count"/> ready samples.</summary>
    public void Take(int count)
    {
        var rest = _readyLen - count;
        for (var s = 0; s < _sources; s++)
        {
            for (var c = 0; c < 2; c++) Array.Copy(_ready[s][c], count, _ready[s][c], 0, rest);
        }
        _readyLen = rest;
    }

    private void AppendZeros(int count)
    {
        var zeros = new float[][] { new float[count], new float[count] };
        Push(zeros, 0, count);
    }

    /// <summary>Drops input no chunk can read again: everything before the next offset minus half a segment.</summary>
    private void MakeRoom()
    {
        if (_inLen < _in[0].Length) return;
        var keepFrom = Math.Max(_inBase, _nextOffset - (_segment / 2));
        var drop = (int)(keepFrom - _inBase);
        if (drop <= 0) throw new InvalidOperationException("Input buffer full without a complete chunk.");
        for (var c = 0; c < 2; c++) Array.Copy(_in[c], drop, _in[c], 0, _inLen - drop);
        _inLen -= drop;
        _inBase += drop;
    }

    private void ProcessChunk(long end)
    {
        var offset = _nextOffset;
        var n = (int)Math.Min(_segment, end - offset);
        var delta = _segment - n;
        var start = offset - (delta / 2);
        // The window: real samples where they exist, zeros before the start and past the end.
        for (var c = 0; c < 2; c++)
        {
            var w = _window[c];
            Array.Clear(w);
            var from = Math.Max(start, 0);
            var to = Math.Min(start + _segment, end);
            if (from < _inBase) throw new InvalidOperationException("Chunk window starts before the kept input.");
            if (to > from) Array.Copy(_in[c], (int)(from - _inBase), w, (int)(from - start), (int)(to - from));
        }
        _model.Run(_window, _chunkOut);

        // Accumulate chunk output [delta/2, delta/2 + n) at virtual samples [offset, offset + n) with weights[0..n).
        var at = (int)(offset - _outBase);
        var wts = _weights.AsSpan(0, n);
        for (var s = 0; s < _sources; s++)
        {
            for (var c = 0; c < 2; c++)
            {
                var src = _chunkOut[s][c].AsSpan(delta / 2, n);
                var acc = _acc[s][c].AsSpan(at, n);
                TensorPrimitives.MultiplyAdd(src, wts, acc, acc);
            }
        }
        var ws = _weightSum.AsSpan(at, n);
        TensorPrimitives.Add(ws, wts, ws);

        _nextOffset += _stride;
        ChunksDone++;
        Emit(Math.Min(_nextOffset, end));
        ChunkDone?.Invoke();
    }

    /// <summary>Moves the final samples [_outBase, upTo) to the ready queue (track samples only) and shifts the accumulators.</summary>
    private void Emit(long upTo)
    {
        var n = (int)(upTo - _outBase);
        if (n <= 0) return;
        var skip = (int)Math.Clamp(_prefix - _outBase, 0, n);
        var keep = n - skip;
        if (keep > 0)
        {
            EnsureReady(_readyLen + keep);
            var ws = _weightSum.AsSpan(skip, keep);
            for (var s = 0; s < _sources; s++)
            {
                for (var c = 0; c < 2; c++)
                {
                    TensorPrimitives.Divide(_acc[s][c].AsSpan(skip, keep), ws, _ready[s][c].AsSpan(_readyLen, keep));
                }
            }
            _readyLen += keep;
        }
        var rest = _segment - n;
        for (var s = 0; s < _sources; s++)
        {
            for (var c = 0; c < 2; c++)
            {
                Array.Copy(_acc[s][c], n, _acc[s][c], 0, rest);
                Array.Clear(_acc[s][c], rest, n);
            }
        }
        Array.Copy(_weightSum, n, _weightSum, 0, rest);
        Array.Clear(_weightSum, rest, n);
        _outBase = upTo;
    }

    private void EnsureReady(int length)
    {
        if (_ready[0][0].Length >= length) return;
        var cap = Math.Max(length, _ready[0][0].Length * 2);
        for (var s = 0; s < _sources; s++)
        {
            for (var c = 0; c < 2; c++) Array.Resize(ref _ready[s][c], cap);
        }
    }

    internal static float[][][] NewStems(int sources, int length)
    {
        var a = new float[sources][][];
        for (var s = 0; s < sources; s++) a[s] = [new float[length], new float[length]];
        return a;
    }
}
