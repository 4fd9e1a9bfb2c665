using System.Numerics;
using Traum.Audio.IO;
using Traum.Core;

namespace Traum.Audio.Fingerprint;

/// <summary>
/// Chromaprint fingerprints (<see cref="Chromaprint"/>, algorithm 1: one 32-bit item per 0.124 s of audio resampled
/// to 11 025 Hz mono) and their comparison by bit error rate at the best alignment, which finds
/// re-encodes, gain changes, resamples and trims of the same recording.
/// </summary>
public static class AudioFingerprint
{
    /// <summary>Fingerprints whose bit error rate at the best alignment is at most this are the same recording.</summary>
    public const double DefaultMaxBitErrorRate = 0.1;

    /// <summary>Alignments compared: up to this many items (about 30 s) either way, so trimmed copies still match.</summary>
    public const int MaxOffset = 240;

    /// <summary>The raw Chromaprint items of the audio file <paramref name="path"/> (empty for audio too short to fingerprint).</summary>
    /// <exception cref="AudioFormatException">The file cannot be decoded.</exception>
    /// <exception cref="TraumException">libchromaprint is not installed.</exception>
    public static uint[] Compute(string path, CancellationToken cancellationToken = default) =>
        Chromaprint.Compute(AudioFile.Read(path, cancellationToken), cancellationToken);

    /// <summary>
    /// Smallest bit error rate (0…1) of <paramref name="a"/> against <paramref name="b"/> over the alignments within
    /// ±<see cref="MaxOffset"/> items whose overlap is at least half the shorter print (and 4 items); 1 when none fits.
    /// <paramref name="offset"/> is the best alignment (item i of a against i + offset of b).
    /// </summary>
    public static double BitErrorRate(ReadOnlySpan<uint> a, ReadOnlySpan<uint> b, out int offset)
    {
        offset = 0;
        var best = 1.0;
        var minOverlap = Math.Max(4, Math.Min(a.Length, b.Length) / 2);
        for (var off = -MaxOffset; off <= MaxOffset; off++)
        {
            var from = Math.Max(0, -off);
            var to = Math.Min(a.Length, b.Length - off);
            var overlap = to - from;
            if (overlap < minOverlap) continue;
            long errors = 0;
            for (var i = from; i < to; i++) errors += BitOperations.PopCount(a[i] ^ b[i + off]);
            var ber = errors / (32.0 * overlap);
            if (ber < best)
            {
                best = ber;
                offset = off;
            }
        }
        return best;
    }

    /// <summary>
    /// Groups of indices into <paramref name="prints"/> that are the same recording (connected by pairs at most
    /// <paramref name="maxBitErrorRate"/> apart); groups of two or more, each in index order, ordered by their first index.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<int>> Group(IReadOnlyList<uint[]> prints, double maxBitErrorRate = DefaultMaxBitErrorRate)
    {
        ArgumentNullException.ThrowIfNull(prints);
        var parent = Enumerable.Range(0, prints.Count).ToArray();
        int Find(int x)
        {
            while (parent[x] != x) x = parent[x] = parent[parent[x]];
            return x;
        }
        for (var i = 0; i < prints.Count; i++)
        {
            for (var j = i + 1; j < prints.Count; j++)
            {
                if (prints[i].Length == 0 || prints[j].Length == 0) continue;
                if (BitErrorRate(prints[i], prints[j], out _) <= maxBitErrorRate) parent[Find(j)] = Find(i);
            }
        }
        return Enumerable.Range(0, prints.Count).GroupBy(Find).Where(g => g.Count() > 1)
            .Select(g => (IReadOnlyList<int>)g.Order().ToList()).OrderBy(g => g[0]).ToList();
    }
}
