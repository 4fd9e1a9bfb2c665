using Traum.Audio.Fingerprint;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;

namespace Traum.Engine.Search;

public sealed partial class SearchService
{
    /// <summary>Groups of duplicate stems by the method <paramref name="request"/> names (fingerprints by default).</summary>
    /// <exception cref="InvalidInputException">A threshold is out of range.</exception>
    /// <exception cref="TraumException">Fingerprints are needed and libchromaprint is missing.</exception>
    public DuplicateReport FindDuplicates(DuplicateRequest request, IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Method == DuplicateMethod.Embedding
            ? FindDuplicates(request.Threshold, progress, cancellationToken)
            : FindRecordings(request.MaxBitErrorRate, progress, cancellationToken);
    }

    /// <summary>
    /// Groups of duplicate stems: pairs whose embedding cosine is at least <paramref name="threshold"/> (default
    /// <see cref="SearchOptions.DuplicateThreshold"/>) or whose decoded audio is identical (same content hash),
    /// joined into connected groups.
    /// </summary>
    public DuplicateReport FindDuplicates(double? threshold = null, IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        var t = threshold ?? _options.DuplicateThreshold;
        if (!(t is >= -1 and <= 1)) throw new InvalidInputException($"The duplicate threshold {t} must be a cosine between -1 and 1 (default {_options.DuplicateThreshold}).");
        var embedder = Models.ExampleEmbedder;
        var index = IndexFor(embedder.ModelId, embedder.Dimension);
        var pairs = new Dictionary<(long, long), DuplicatePair>();
        foreach (var (a, b, s) in index.FindPairs((float)t, progress, cancellationToken))
        {
            pairs[(a, b)] = new DuplicatePair(a, b, s, SameContent: false);
        }
        var stems = _library.Catalog.ListStems();
        AddSameContent(stems, pairs);
        var groups = Group(stems, pairs, p => p.SameContent ? 1.0 : p.Cosine ?? 1.0, embedder.ModelId);
        return new DuplicateReport(embedder.ModelId, t, groups, index.Count, Math.Max(0, stems.Count - index.Count));
    }

    /// <summary>
    /// Groups of stems that are one recording: Chromaprint fingerprints at most <paramref name="maxBitErrorRate"/> apart
    /// at their best alignment (re-encodes, gain changes, resamples, trims), or identical decoded audio. With CLAP
    /// installed, prints up to <see cref="SearchOptions.BorderlineBitErrorRate"/> apart also count when their CLAP
    /// cosine reaches <see cref="SearchOptions.ClapConfirmCosine"/>. Stems without a stored fingerprint (ingested before
    /// fingerprints, or where libchromaprint was missing) are fingerprinted from their stored files and kept.
    /// </summary>
    public DuplicateReport FindRecordings(double? maxBitErrorRate = null, IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        var max = maxBitErrorRate ?? _options.MaxBitErrorRate;
        if (!(max is >= 0 and <= 1)) throw new InvalidInputException($"The bit error rate {max} must be between 0 and 1 (default {_options.MaxBitErrorRate}).");
        var stems = _library.Catalog.ListStems();
        var known = _library.Catalog.GetFingerprints(Chromaprint.AlgorithmName);
        var missing = stems.Where(s => !known.ContainsKey(s.Id)).ToList();
        if (missing.Count > 0 && Chromaprint.Problem is { } problem) throw new TraumException($"{missing.Count} stem(s) have no fingerprint yet and none can be made here: {problem}");
        var done = 0;
        foreach (var s in missing)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(new ProgressInfo(done++, missing.Count, "stems", "fingerprinting"));
            var audio = AudioFile.Read(_library.ResolveFile(s.FilePath), cancellationToken);
            var items = Chromaprint.Compute(audio, cancellationToken);
            _library.Catalog.SetFingerprint(s.Id, Chromaprint.AlgorithmName, audio.Duration, items);
            known = new Dictionary<long, uint[]>(known) { [s.Id] = items };
        }
        var printed = stems.Where(s => known[s.Id].Length > 0).ToList();
        var clap = Models.ClapAudio;
        Dictionary<long, float[]> vectors = clap is null ? [] : _library.Catalog.GetEmbeddings(clap.ModelId).ToDictionary(v => v.StemId, v => v.Vector);
        var upper = clap is null ? max : Math.Max(max, _options.BorderlineBitErrorRate);
        var found = new List<DuplicatePair>[printed.Count];
        var compared = 0;
        Parallel.For(0, printed.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var a = printed[i];
            for (var j = i + 1; j < printed.Count; j++)
            {
                var b = printed[j];
                var ber = AudioFingerprint.BitErrorRate(known[a.Id], known[b.Id], out _);
                if (ber > upper) continue;
                double? cosine = vectors.TryGetValue(a.Id, out var va) && vectors.TryGetValue(b.Id, out var vb) ? Cosine(va, vb) : null;
                if (ber > max && !(cosine >= _options.ClapConfirmCosine)) continue;
                (found[i] ??= []).Add(new DuplicatePair(Math.Min(a.Id, b.Id), Math.Max(a.Id, b.Id), cosine, a.ContentHash == b.ContentHash, ber));
            }
            var n = Interlocked.Increment(ref compared);
            if (n % 64 == 0) progress?.Report(new ProgressInfo(n, printed.Count, "stems", "comparing"));
        });
        var pairs = found.Where(l => l is not null).SelectMany(l => l).ToDictionary(p => (p.A, p.B));
        AddSameContent(stems, pairs);
        var groups = Group(stems, pairs, p => p.SameContent ? 1.0 : 1.0 - (p.BitErrorRate ?? 0), clap?.ModelId ?? "fingerprint");
        return new DuplicateReport(clap?.ModelId ?? "", _options.ClapConfirmCosine, groups, printed.Count, stems.Count - printed.Count,
            DuplicateMethod.Fingerprint, max);
    }

    private static double Cosine(float[] a, float[] b) => System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, b);

    /// <summary>Adds a pair for every two stems of identical decoded audio (same content hash).</summary>
    private static void AddSameContent(IReadOnlyList<Stem> stems, Dictionary<(long, long), DuplicatePair> pairs)
    {
        foreach (var group in stems.GroupBy(s => s.ContentHash, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var ids = group.Select(s => s.Id).Order().ToList();
            for (var i = 0; i < ids.Count; i++)
            {
                for (var j = i + 1; j < ids.Count; j++)
                {
                    pairs.TryGetValue((ids[i], ids[j]), out var known);
                    pairs[(ids[i], ids[j])] = (known ?? new DuplicatePair(ids[i], ids[j], null, true)) with { SameContent = true };
                }
            }
        }
    }

    /// <summary>Connected groups of the pairs (union–find), largest first; a member's score is its best likeness to another.</summary>
    private List<DuplicateGroup> Group(IReadOnlyList<Stem> stems, Dictionary<(long, long), DuplicatePair> pairs, Func<DuplicatePair, double> likeness, string modelId)
    {
        var parent = new Dictionary<long, long>();
        long Find(long x)
        {
            while (parent.TryGetValue(x, out var p) && p != x) x = parent[x] = parent.GetValueOrDefault(p, p);
            return x;
        }
        foreach (var (a, b) in pairs.Keys)
        {
            parent.TryAdd(a, a);
            parent.TryAdd(b, b);
            var ra = Find(a);
            var rb = Find(b);
            if (ra != rb) parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
        }
        var byId = stems.ToDictionary(s => s.Id);
        var descriptors = _library.Catalog.GetDescriptors(pairs.Keys.SelectMany(k => new[] { k.Item1, k.Item2 }).Distinct().ToList());
        return pairs.Values
            .GroupBy(p => Find(p.A))
            .Select(g =>
            {
                var members = g.SelectMany(p => new[] { p.A, p.B }).Distinct().Order().ToList();
                var hits = members.Where(byId.ContainsKey)
                    .Select(id => ToHit(byId[id], descriptors.GetValueOrDefault(id), g.Where(p => p.A == id || p.B == id).Max(likeness), modelId))
                    .ToList();
                return new DuplicateGroup(hits, g.OrderBy(p => p.A).ThenBy(p => p.B).ToList());
            })
            .Where(g => g.Stems.Count > 1)
            .OrderByDescending(g => g.Stems.Count).ThenBy(g => g.Stems[0].StemId)
            .ToList();
    }
}
