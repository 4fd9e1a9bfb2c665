using Traum.Audio;
using Traum.Models.Embedding;

namespace Traum.Engine.Tests.Semantic;

/// <summary>A text embedder that returns fixed vectors per text (unnormalised on purpose) and counts calls.</summary>
internal sealed class FakeTextEmbedder(string modelId, IReadOnlyDictionary<string, float[]> vectors) : ITextEmbedder
{
    public string ModelId { get; } = modelId;

    public int Dimension { get; } = vectors.Values.First().Length;

    public int Calls { get; private set; }

    public List<string> Texts { get; } = [];

    public IReadOnlyList<float[]> EmbedText(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        Calls++;
        Texts.AddRange(texts);
        return texts.Select(t => vectors.TryGetValue(t, out var v) ? v : throw new KeyNotFoundException(t)).ToList();
    }
}

/// <summary>An audio embedder that maps a buffer to a vector by a function of its samples.</summary>
internal sealed class FakeAudioEmbedder(string modelId, int dimension, Func<AudioBuffer, float[]> embed) : IAudioEmbedder
{
    public string ModelId { get; } = modelId;

    public int Dimension { get; } = dimension;

    public int Calls { get; private set; }

    public IReadOnlyList<float[]> EmbedAudio(IReadOnlyList<AudioBuffer> audio, CancellationToken cancellationToken = default)
    {
        Calls++;
        return audio.Select(embed).ToList();
    }
}
