using System.Collections.Concurrent;
using System.Text.Json;
using Traum.Audio.IO;

namespace Traum.Server.Services;

/// <summary>
/// Min/max envelope of a file for drawing: the frames are split into N (<paramref name="Buckets"/>) equal spans
/// (bucket b covers frames ⌊b·L/N⌋ … ⌊(b+1)·L/N⌋ − 1) and each holds the lowest and highest sample of any channel.
/// </summary>
/// <param name="Buckets">How many spans the file is split into (1 to 4096, <c>Waveforms.MaxBuckets</c>); the length of <paramref name="Min"/> and <paramref name="Max"/>.</param>
/// <param name="SampleRate">The file's sample rate in Hz.</param>
/// <param name="Frames">Length in sample frames.</param>
/// <param name="Min">Lowest sample of each bucket over all channels, full scale −1…1.</param>
/// <param name="Max">Highest sample of each bucket over all channels, full scale −1…1.</param>
internal sealed record Peaks(int Buckets, int SampleRate, long Frames, float[] Min, float[] Max);

/// <summary>Computes peaks once per (content hash, bucket count) and keeps them in memory and under <c>LIBRARY/cache/peaks</c>.</summary>
internal sealed class Waveforms(Traum.Engine.TraumContext context)
{
    /// <summary>Largest bucket count a client may ask for.</summary>
    public const int MaxBuckets = 4096;

    private readonly ConcurrentDictionary<string, Lazy<Task<Peaks>>> _memory = new(StringComparer.Ordinal);

    public Task<Peaks> GetAsync(string path, string contentHash, int buckets, CancellationToken cancellationToken)
    {
        var key = $"{contentHash}-{buckets}";
        var lazy = _memory.GetOrAdd(key, k => new Lazy<Task<Peaks>>(() => LoadOrComputeAsync(path, k, buckets)));
        return lazy.Value.WaitAsync(cancellationToken);
    }

    private async Task<Peaks> LoadOrComputeAsync(string path, string key, int buckets)
    {
        var folder = Path.Combine(context.LibraryPath, "cache", "peaks");
        var file = Path.Combine(folder, key + ".json");
        if (key.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && File.Exists(file))
        {
            try
            {
                var cached = JsonSerializer.Deserialize<Peaks>(await File.ReadAllBytesAsync(file).ConfigureAwait(false));
                if (cached is { } p && p.Buckets == buckets && p.Min.Length == buckets) return p;
            }
            catch (JsonException)
            {
                // Recompute below.
            }
        }
        var peaks = await Task.Run(() => Compute(path, buckets)).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(folder);
            var tmp = file + $".{Environment.ProcessId}.tmp";
            await File.WriteAllBytesAsync(tmp, JsonSerializer.SerializeToUtf8Bytes(peaks)).ConfigureAwait(false);
            File.Move(tmp, file, overwrite: true);
        }
        catch (IOException)
        {
            // The cache is an optimisation only.
        }
        return peaks;
    }

    /// <summary>Reads the file in blocks and computes the envelope.</summary>
    /// <exception cref="Traum.Core.AudioFormatException">The file cannot be decoded.</exception>
    internal static Peaks Compute(string path, int buckets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        var all = ReadFrames(path, out var rate, out var channels);
        var frames = all[0].Length;
        var min = new float[buckets];
        var max = new float[buckets];
        for (var b = 0; b < buckets; b++)
        {
            var start = (int)((long)b * frames / buckets);
            var end = (int)((long)(b + 1) * frames / buckets);
            if (end <= start)
            {
                continue;
            }
            float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
            for (var c = 0; c < channels; c++)
            {
                var span = all[c].AsSpan(start, end - start);
                lo = Math.Min(lo, System.Numerics.Tensors.TensorPrimitives.Min(span));
                hi = Math.Max(hi, System.Numerics.Tensors.TensorPrimitives.Max(span));
            }
            min[b] = lo;
            max[b] = hi;
        }
        return new Peaks(buckets, rate, frames, min, max);
    }

    private static float[][] ReadFrames(string path, out int rate, out int channels)
    {
        var buffer = AudioFile.Read(path);
        rate = buffer.SampleRate;
        channels = buffer.Channels.Length;
        return buffer.Channels;
    }
}
