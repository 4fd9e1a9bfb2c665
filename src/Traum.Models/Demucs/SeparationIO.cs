namespace Traum.Models.Demucs;

/// <summary>Stereo samples at the model's rate, read block by block.</summary>
public interface IStereoSource : IDisposable
{
    /// <summary>Reads up to <paramref name="count"/> frames into <c>destination[0]</c> (left) and <c>[1]</c> (right) from <paramref name="offset"/>; 0 at the end.</summary>
    int Read(float[][] destination, int offset, int count);
}

/// <summary>A track to separate: opened once to measure it and once to separate it, so it is never held whole.</summary>
public interface ISeparationInput
{
    /// <summary>Opens a fresh reader from the start of the track.</summary>
    IStereoSource Open();
}

/// <summary>Receives separated audio in order, block by block.</summary>
public interface IStemSink
{
    /// <summary>The next <paramref name="count"/> frames of every stem: <c>stems[s][c][0..count)</c>, s in the model's source order.</summary>
    void Write(float[][][] stems, int count);
}

/// <summary>A track held in memory (planar stereo at the model's rate).</summary>
public sealed class InMemoryInput(float[] left, float[] right) : ISeparationInput
{
    /// <inheritdoc/>
    public IStereoSource Open() => new Reader(left, right);

    private sealed class Reader(float[] left, float[] right) : IStereoSource
    {
        private int _pos;

        public int Read(float[][] destination, int offset, int count)
        {
            var n = Math.Min(count, left.Length - _pos);
            Array.Copy(left, _pos, destination[0], offset, n);
            Array.Copy(right, _pos, destination[1], offset, n);
            _pos += n;
            return n;
        }

        public void Dispose() { }
    }
}

/// <summary>Collects every stem in memory ([S][2][length]); for tests and short clips.</summary>
public sealed class InMemorySink(int sources) : IStemSink
{
    private readonly List<float>[][] _data = [.. Enumerable.Range(0, sources).Select(_ => new[] { new List<float>(), new List<float>() })];

    /// <inheritdoc/>
    public void Write(float[][][] stems, int count)
    {
        ArgumentNullException.ThrowIfNull(stems);
        for (var s = 0; s < _data.Length; s++)
        {
            for (var c = 0; c < 2; c++) _data[s][c].AddRange(stems[s][c].AsSpan(0, count));
        }
    }

    /// <summary>The stems so far: [S][2][length].</summary>
    public float[][][] Stems => [.. _data.Select(s => s.Select(c => c.ToArray()).ToArray())];
}

/// <summary>What one separation did.</summary>
/// <param name="Length">Track length, samples at the model rate.</param>
/// <param name="Mean">Mean of the reference (mean of the channels) subtracted before separation.</param>
/// <param name="Std">Unbiased standard deviation of the reference (divided by, plus 1e-8).</param>
/// <param name="Chunks">Chunks separated over all passes.</param>
/// <param name="ShiftOffsets">Offsets of the shift passes, samples (empty without shifts).</param>
/// <param name="Elapsed">Wall time.</param>
/// <param name="Provider">Execution provider that ran the graph.</param>
public sealed record SeparationResult(long Length, double Mean, double Std, long Chunks, IReadOnlyList<int> ShiftOffsets, TimeSpan Elapsed, string Provider);
