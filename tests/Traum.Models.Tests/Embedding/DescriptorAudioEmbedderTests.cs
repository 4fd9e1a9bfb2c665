using System.Numerics.Tensors;
using Traum.Audio;
using Traum.Models.Embedding;
using Traum.TestKit;
using Xunit;

namespace Traum.Models.Tests.Embedding;

public sealed class DescriptorAudioEmbedderTests
{
    [Fact]
    public void EmbedAudio_Batch_OneUnitVectorPerItemInOrder()
    {
        IAudioEmbedder embedder = new DescriptorAudioEmbedder();
        var ct = TestContext.Current.CancellationToken;
        var sine = AudioBuffer.Mono(Signals.Sine(440, 1, 44_100), 44_100);
        var noise = AudioBuffer.Mono(Signals.WhiteNoise(1, 48_000), 48_000);
        var batch = embedder.EmbedAudio([sine, noise], ct);

        Assert.Equal("descriptors:v1", embedder.ModelId);
        Assert.Equal(2, batch.Count);
        Assert.All(batch, v =>
        {
            Assert.Equal(embedder.Dimension, v.Length);
            Assert.Equal(1.0, TensorPrimitives.Norm<float>(v), 5);
        });
        // Each item is embedded on its own: the same as embedding it alone.
        Assert.Equal(1.0, TensorPrimitives.CosineSimilarity(batch[1], embedder.EmbedAudio([noise], ct)[0]), 6);
        Assert.True(TensorPrimitives.CosineSimilarity(batch[0], batch[1]) < 0.9);
    }

    [Fact]
    public void EmbedAudio_Empty_Empty()
    {
        Assert.Empty(new DescriptorAudioEmbedder().EmbedAudio(Array.Empty<AudioBuffer>(), TestContext.Current.CancellationToken));
        Assert.Empty(new DescriptorAudioEmbedder().EmbedAudio(Array.Empty<DecodedAudio>(), TestContext.Current.CancellationToken));
    }
}
