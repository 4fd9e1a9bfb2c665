using Traum.Audio;

namespace Traum.Models.Embedding;

/// <summary>Maps audio to an L2-normalised vector. Implementations: CLAP (Models/Clap) and the offline descriptor embedding.</summary>
public interface IAudioEmbedder
{
    /// <summary>Identifies the vector space, e.g. "clap:Xenova/larger_clap_music_and_speech:fp32". Embeddings of different ids never mix.</summary>
    string ModelId { get; }

    /// <summary>Vector length.</summary>
    int Dimension { get; }

    /// <summary>Embeds each buffer (any rate, any channel count; resampled and mixed down as the model needs) → normalised vectors.</summary>
    IReadOnlyList<float[]> EmbedAudio(IReadOnlyList<AudioBuffer> audio, CancellationToken cancellationToken = default);

    /// <summary>
    /// Embeds decoded sounds, reading what is already kept on them (the mono mix at the model's rate, a shared analysis)
    /// instead of computing it again; the vectors equal those of <see cref="EmbedAudio(IReadOnlyList{AudioBuffer}, CancellationToken)"/>.
    /// </summary>
    IReadOnlyList<float[]> EmbedAudio(IReadOnlyList<DecodedAudio> audio, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audio);
        return EmbedAudio([.. audio.Select(a => a.Audio)], cancellationToken);
    }
}

/// <summary>Maps text into the same space as an <see cref="IAudioEmbedder"/> with the same <see cref="ModelId"/>.</summary>
public interface ITextEmbedder
{
    /// <summary>Identifies the vector space; audio and text vectors with the same id are comparable.</summary>
    string ModelId { get; }

    /// <summary>Length of the vectors.</summary>
    int Dimension { get; }

    /// <summary>Embeds each text → normalised vectors.</summary>
    IReadOnlyList<float[]> EmbedText(IReadOnlyList<string> texts, CancellationToken cancellationToken = default);
}
