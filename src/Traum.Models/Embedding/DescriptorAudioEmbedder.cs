using Traum.Audio;
using Traum.Audio.Descriptors;

namespace Traum.Models.Embedding;

/// <summary>
/// The offline audio embedding: <see cref="DescriptorEmbedder"/> (MFCC, spectral and rhythm statistics, standardised and
/// L2-normalised; docs/descriptors.md) behind <see cref="IAudioEmbedder"/>, so query by example and duplicate detection
/// work without a CLAP model. Model id "descriptors:v1"; it has no text encoder. Thread-safe.
/// </summary>
public sealed class DescriptorAudioEmbedder : IAudioEmbedder
{
    private readonly DescriptorEmbedder _embedder = new();

    /// <inheritdoc />
    public string ModelId => DescriptorEmbedder.Id;

    /// <inheritdoc />
    public int Dimension => DescriptorEmbedder.VectorLength;

    /// <inheritdoc />
    public IReadOnlyList<float[]> EmbedAudio(IReadOnlyList<AudioBuffer> audio, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audio);
        return EmbedAudio([.. audio.Select((a, i) => new DecodedAudio(a ?? throw new ArgumentException($"Audio item {i} is null.", nameof(audio))))], cancellationToken);
    }

    /// <inheritdoc />
    public IReadOnlyList<float[]> EmbedAudio(IReadOnlyList<DecodedAudio> audio, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var result = new float[audio.Count][];
        for (var i = 0; i < audio.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            result[i] = _embedder.Embed(audio[i] ?? throw new ArgumentException($"Audio item {i} is null.", nameof(audio)), cancellationToken);
        }
        return result;
    }
}
