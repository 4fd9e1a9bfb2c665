using Traum.Audio;
using Traum.Audio.Fingerprint;
using Traum.Catalog;
using Traum.Core;

namespace Traum.Engine.Ingest;

/// <summary>
/// Stores each stem's Chromaprint fingerprint, made from the buffers ingest already decoded, for <c>traum duplicates</c>
/// (re-encodes, gain changes, resamples and trims of one recording). Unavailable where libchromaprint is missing; the
/// duplicate search then computes the missing prints itself or says what to install.
/// </summary>
public sealed class FingerprintStemAnalyzer : IStemAnalyzer
{
    /// <inheritdoc/>
    public string Name => "fingerprint";

    /// <inheritdoc/>
    public bool IsAvailable => Chromaprint.IsAvailable;

    /// <inheritdoc/>
    public bool NeedsAnalysis(Stem stem, StoredAnalysis stored)
    {
        ArgumentNullException.ThrowIfNull(stem);
        ArgumentNullException.ThrowIfNull(stored);
        return !stored.FingerprintAlgorithms.Contains(Chromaprint.AlgorithmName);
    }

    /// <inheritdoc/>
    public AnalysisResults Analyze(Stem stem, DecodedAudio audio, StoredAnalysis stored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stem);
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentNullException.ThrowIfNull(stored);
        return new AnalysisResults
        {
            Fingerprints = [new StemFingerprint(Chromaprint.AlgorithmName, audio.Audio.Duration, Chromaprint.Compute(audio.Audio, cancellationToken))],
        };
    }
}
