using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;

namespace Traum.Engine.Ingest;

/// <summary>
/// One analysis step that ingest runs over every stem after it is stored (descriptors, CLAP embedding, semantic
/// profile…). Analysers return their results and write nothing: ingest saves one stem's results from every analyser
/// in one transaction (<see cref="IAnalysisStore.SaveAnalysis"/>). Ingest calls them on worker threads, several
/// stems at once, so an analyser must be thread-safe (or lock inside). An analyser that throws fails only its own
/// step for that stem: the stem stays, the others' results are saved, the error is reported, and a rerun of ingest
/// retries the step.
/// </summary>
public interface IStemAnalyzer
{
    /// <summary>Short name shown in reports ("descriptors", "clap", "profile").</summary>
    string Name { get; }

    /// <summary>False when the analyser cannot run here (e.g. its model is not installed); ingest then skips it.</summary>
    bool IsAvailable { get; }

    /// <summary>True when <paramref name="stem"/> still lacks this analyser's result (so a rerun fills gaps left by a crash).</summary>
    /// <param name="stem">The stem.</param>
    /// <param name="stored">What the catalog already has for it (<see cref="IAnalysisStore.GetStoredAnalysis"/>).</param>
    bool NeedsAnalysis(Stem stem, StoredAnalysis stored);

    /// <summary>Analyses the decoded audio of <paramref name="stem"/> and returns what is missing from <paramref name="stored"/>.</summary>
    /// <param name="stem">The stem as stored in the catalog.</param>
    /// <param name="audio">Its decoded audio (at its own sample rate and channel count), the same instance for every
    /// analyser of the stem, so that the mono mixes and the analysis kept on it are computed once.</param>
    /// <param name="stored">What the catalog already has for the stem (<see cref="StoredAnalysis.None"/> for a new one).</param>
    /// <param name="cancellationToken">Cancels long analysis.</param>
    AnalysisResults Analyze(Stem stem, DecodedAudio audio, StoredAnalysis stored, CancellationToken cancellationToken);
}

/// <summary>Returns <see cref="Descriptors"/> for each stem, computed by the function it is given.</summary>
public sealed class DescriptorStemAnalyzer : IStemAnalyzer
{
    private readonly Func<DecodedAudio, CancellationToken, Descriptors> _describe;
    private readonly Func<Stem, string>? _storedFile;

    /// <param name="describe">Computes the descriptors of decoded audio; must be thread-safe.</param>
    /// <param name="storedFile">The stored file of a stem, whose tags (tempo, key) are read as stated values; without
    /// it the tags of the stem's source file are read when it still exists.</param>
    public DescriptorStemAnalyzer(Func<DecodedAudio, CancellationToken, Descriptors> describe, Func<Stem, string>? storedFile = null)
    {
        _describe = describe ?? throw new ArgumentNullException(nameof(describe));
        _storedFile = storedFile;
    }

    /// <param name="describe">Computes the descriptors of decoded audio; must be thread-safe.</param>
    public DescriptorStemAnalyzer(Func<AudioBuffer, Descriptors> describe)
    {
        ArgumentNullException.ThrowIfNull(describe);
        _describe = (audio, _) => describe(audio.Audio);
    }

    /// <inheritdoc/>
    public string Name => "descriptors";

    private EmbeddedTags TagsOf(Stem stem)
    {
        var stored = _storedFile?.Invoke(stem);
        if (stored is not null && File.Exists(stored)) return AudioTags.Read(stored);
        return stem.SourcePath is { } source && File.Exists(source) ? AudioTags.Read(source) : EmbeddedTags.None;
    }

    /// <inheritdoc/>
    public bool IsAvailable => true;

    /// <inheritdoc/>
    public bool NeedsAnalysis(Stem stem, StoredAnalysis stored)
    {
        ArgumentNullException.ThrowIfNull(stem);
        ArgumentNullException.ThrowIfNull(stored);
        return !stored.HasDescriptors;
    }

    /// <inheritdoc/>
    public AnalysisResults Analyze(Stem stem, DecodedAudio audio, StoredAnalysis stored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stem);
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentNullException.ThrowIfNull(stored);
        cancellationToken.ThrowIfCancellationRequested();
        // What the file's tags or its file or folder name state is kept beside the estimate (filters read it first).
        var stated = StatedMetadata.Parse(stem.SourcePath ?? stem.Name, TagsOf(stem));
        return new AnalysisResults
        {
            Descriptors = _describe(audio, cancellationToken) with
            {
                StatedBpm = stated.Bpm,
                StatedKey = stated.Tonic,
                StatedMode = stated.Mode,
            },
        };
    }
}
