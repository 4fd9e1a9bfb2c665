using System.Globalization;
using Microsoft.Extensions.Logging;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Ingest;
using Traum.Engine.Semantic;
using Traum.Models.Embedding;

namespace Traum.Engine.Search;

public sealed partial class SearchService
{
    /// <summary>
    /// Describes every stem that lacks descriptors (when <paramref name="descriptors"/> is given), embeds every stem
    /// that lacks an embedding of an available model (CLAP and the descriptor embedding), writes semantic profiles
    /// where the current prompt set has none (so editing prompts.json recomputes them), and refreshes the stored
    /// library percentiles. Work already done is kept when cancelled; a rerun continues.
    /// </summary>
    /// <param name="progress">Stems done of the stems to do.</param>
    /// <param name="descriptors">The descriptor analyser of ingest, to complete stems an interrupted ingest left without descriptors.</param>
    /// <param name="cancellationToken">Stops between stems.</param>
    public ReindexSummary Reindex(IProgress<ProgressInfo>? progress = null, IStemAnalyzer? descriptors = null, CancellationToken cancellationToken = default)
    {
        var catalog = _library.Catalog;
        var notes = new List<string>();
        var failures = new List<string>();
        var embedded = new Dictionary<string, int>(StringComparer.Ordinal);
        var described = descriptors is null ? 0 : Describe(descriptors, failures, notes, cancellationToken);
        if (described > 0) notes.Add(string.Create(CultureInfo.InvariantCulture, $"described {described} stem(s) that had no descriptors"));
        if (Models.ClapAudio is null)
        {
            notes.Add($"CLAP is not installed: no CLAP embeddings or semantic profiles. Install it with '{SearchModels.InstallClap}' and run 'traum reindex' again.");
        }
        var embedders = Models.AudioEmbedders;
        var todo = embedders.ToDictionary(e => e.ModelId, e => catalog.StemsWithoutEmbedding(e.ModelId).ToHashSet(), StringComparer.Ordinal);
        var semantic = Models.ClapAudio is not null ? Models.Semantic : null;
        var profiled = 0;
        var needProfile = new HashSet<long>();
        if (semantic is not null)
        {
            var have = catalog.GetProfiles(semantic.ProfileKey);
            foreach (var s in catalog.ListStems()) if (!have.ContainsKey(s.Id)) needProfile.Add(s.Id);
        }
        var stemIds = todo.Values.SelectMany(x => x).Concat(needProfile).Distinct().Order().ToList();
        var total = stemIds.Count;
        var done = 0;
        progress?.Report(new ProgressInfo(0, total, "stems", "embedding"));
        foreach (var batch in stemIds.Chunk(Math.Max(1, _options.ReindexBatch)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Decode only the stems that need a new embedding; profiles of embedded stems come from the stored vector.
            var audio = new Dictionary<long, AudioBuffer>();
            foreach (var id in batch)
            {
                if (!todo.Values.Any(t => t.Contains(id))) continue;
                var stem = catalog.GetStem(id);
                if (stem is null) continue;
                try
                {
                    var buffer = AudioFile.Read(_library.ResolveFile(stem.FilePath), cancellationToken);
                    CheckAudible(buffer, stem.Name);
                    audio[id] = buffer;
                }
                catch (TraumException e)
                {
                    failures.Add($"{id}: {e.Message}");
                    LogReindexFailed(_logger, id, e.Message);
                }
            }
            foreach (var embedder in embedders)
            {
                var ids = batch.Where(id => todo[embedder.ModelId].Contains(id) && audio.ContainsKey(id)).ToList();
                if (ids.Count == 0) continue;
                var vectors = EmbedBatch(embedder, ids, audio, failures, cancellationToken);
                foreach (var (id, vector) in vectors)
                {
                    catalog.SetEmbedding(id, new Embedding(embedder.ModelId, vector));
                    embedded[embedder.ModelId] = embedded.GetValueOrDefault(embedder.ModelId) + 1;
                }
            }
            if (semantic is not null)
            {
                foreach (var id in batch.Where(needProfile.Contains))
                {
                    if (catalog.GetEmbedding(id, semantic.ModelId) is not { } e) continue;
                    catalog.SetProfile(id, semantic.Analyze(e.Vector));
                    profiled++;
                }
            }
            done += batch.Length;
            progress?.Report(new ProgressInfo(done, total, "stems", "embedding"));
        }
        var refreshed = semantic is null ? 0 : RefreshPercentiles(semantic, cancellationToken);
        return new ReindexSummary(embedded, profiled, refreshed, failures, notes);
    }

    /// <summary>
    /// Runs <paramref name="descriptors"/> over each stem without descriptors; returns how many were described. Stems
    /// whose file is gone are not failures of the analysis (this runs after every ingest, and would warn about each of
    /// them every time): they are counted in one note that points to <c>traum doctor</c>.
    /// </summary>
    private int Describe(IStemAnalyzer descriptors, List<string> failures, List<string> notes, CancellationToken cancellationToken)
    {
        var catalog = _library.Catalog;
        var count = 0;
        var missing = 0;
        foreach (var id in catalog.StemsWithoutDescriptors())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (catalog.GetStem(id) is not { } stem) continue;
            var path = _library.ResolveFile(stem.FilePath);
            if (!File.Exists(path))
            {
                missing++;
                continue;
            }
            try
            {
                var buffer = AudioFile.Read(path, cancellationToken);
                catalog.SaveAnalysis(stem.Id, descriptors.Analyze(stem, new DecodedAudio(buffer), StoredAnalysis.None, cancellationToken));
                count++;
            }
            catch (TraumException e)
            {
                failures.Add($"{id}: descriptors: {e.Message}");
                LogReindexFailed(_logger, id, e.Message);
            }
        }
        if (missing > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"{missing} stem(s) without descriptors have no file in the library; 'traum doctor' lists them and 'traum doctor --relink DIR' finds moved files"));
        }
        return count;
    }

    /// <summary>
    /// Rewrites the stored semantic profiles whose library percentiles changed after stems were added (what the
    /// command line runs as a <c>reindex</c> job after an ingest, separation or generation, as the server queues one),
    /// so percentiles are never stale. Nothing to do without CLAP.
    /// </summary>
    /// <param name="cancellationToken">Stops between stems.</param>
    /// <returns>How many profiles were rewritten.</returns>
    public int RefreshPercentiles(CancellationToken cancellationToken = default) =>
        Models.ClapAudio is not null && Models.Semantic is { } semantic ? RefreshPercentiles(semantic, cancellationToken) : 0;

    /// <summary>
    /// How far, in percentile points (0–100), a stored percentile may lag the library's before its profile is rewritten.
    /// k stems added to N move the others' percentiles by at most 100·k/N points, so an exact refresh would rewrite the whole
    /// library after each ingest (100 000 rows for 400 new stems in a library of 100 000); half a point keeps every
    /// stored percentile within 0.5 of the exact one and rewrites only the profiles that drifted that far.
    /// </summary>
    internal const double PercentileTolerance = 0.5;

    /// <summary>Rewrites stored profiles whose library percentiles changed by more than <see cref="PercentileTolerance"/>; returns how many.</summary>
    internal int RefreshPercentiles(SemanticAnalyzer semantic, CancellationToken cancellationToken)
    {
        var catalog = _library.Catalog;
        var stored = catalog.GetProfiles(semantic.ProfileKey);
        var ranked = SemanticAnalyzer.Rank(stored);
        var updated = 0;
        foreach (var (id, profile) in ranked)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var before = stored[id];
            var changed = profile.Families.Any(f => f.Value.Zip(before.Families[f.Key]).Any(p => Math.Abs(p.First.Percentile - p.Second.Percentile) > PercentileTolerance));
            if (!changed) continue;
            catalog.SetProfile(id, profile);
            updated++;
        }
        return updated;
    }

    /// <summary>Embeds a batch; if the batch fails, each stem is tried alone so one bad stem does not sink the rest.</summary>
    private List<(long Id, float[] Vector)> EmbedBatch(IAudioEmbedder embedder, List<long> ids, Dictionary<long, AudioBuffer> audio, List<string> failures, CancellationToken cancellationToken)
    {
        try
        {
            var vectors = embedder.EmbedAudio(ids.Select(id => audio[id]).ToList(), cancellationToken);
            return ids.Zip(vectors).Select(p => (p.First, p.Second)).ToList();
        }
        catch (Exception e) when (e is TraumException or InvalidOperationException && ids.Count > 1)
        {
            var result = new List<(long, float[])>();
            foreach (var id in ids) result.AddRange(EmbedBatch(embedder, [id], audio, failures, cancellationToken));
            return result;
        }
        catch (Exception e) when (e is TraumException or InvalidOperationException)
        {
            failures.Add($"{ids[0]}: {embedder.ModelId}: {e.Message}");
            LogReindexFailed(_logger, ids[0], e.Message);
            return [];
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reindex: stem {StemId} skipped: {Reason}")]
    private static partial void LogReindexFailed(ILogger logger, long stemId, string reason);
}
