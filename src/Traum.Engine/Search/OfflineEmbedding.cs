using Traum.Audio;
using Traum.Audio.Descriptors;
using Traum.Models.Embedding;

namespace Traum.Engine.Search;

/// <summary>
/// The descriptor embedding (<see cref="DescriptorEmbedder"/>, model id "descriptors:v1") as an
/// <see cref="IAudioEmbedder"/>, for query by example and duplicates without CLAP. Thread-safe.
/// </summary>
internal sealed class OfflineEmbedding : IAudioEmbedder
{
    private readonly DescriptorEmbedder _embedder = new();

    public string ModelId => DescriptorEmbedder.Id;

    public int Dimension => DescriptorEmbedder.VectorLength;

    public IReadOnlyList<float[]> EmbedAudio(IReadOnlyList<AudioBuffer> audio, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var result = new float[audio.Count][];
        for (var i = 0; i < audio.Count; i++) result[i] = _embedder.Embed(audio[i], cancellationToken);
        return result;
    }
}
