using Traum.Audio.IO;
using Traum.Core;
using Xunit;

namespace Traum.Audio.Tests.IO;

public sealed class ReadAllTests
{
    /// <summary>A stereo stream of <paramref name="actual"/> frames (sample i of channel c is c + i·1e-6) whose header claims <paramref name="claimed"/>.</summary>
    private sealed class Stream(int actual, long? claimed) : IAudioReader
    {
        private int _position;

        public AudioFileInfo Info { get; } = new("memory.wav", "wav", "pcm_f32le", 44100, 2, claimed, 32);

        public int Read(float[][] destination, int offset, int count)
        {
            var n = Math.Min(count, actual - _position);
            for (var i = 0; i < n; i++)
            {
                destination[0][offset + i] = (_position + i) * 1e-6f;
                destination[1][offset + i] = 1 + ((_position + i) * 1e-6f);
            }
            _position += n;
            return n;
        }

        public void Dispose()
        {
        }
    }

    [Theory]
    [InlineData(1_000_000, 1_000_000L)]  // the header is right: the common case
    [InlineData(1_000_000, 300_000L)]    // the header says less: buffers grow
    [InlineData(300_000, 1_000_000L)]    // the header says more than there is
    [InlineData(700_000, null)]          // no length in the header
    [InlineData(5, 5L)]
    public void ReadAll_AnyHeader_ReadsExactlyTheFramesThatAreThere(int actual, long? claimed)
    {
        var audio = AudioFile.ReadAll(new Stream(actual, claimed), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(actual, audio.Length);
        for (var i = 0; i < actual; i += 997)
        {
            Assert.Equal(i * 1e-6f, audio.Channels[0][i]);
            Assert.Equal(1 + (i * 1e-6f), audio.Channels[1][i]);
        }
        Assert.Equal(1 + ((actual - 1) * 1e-6f), audio.Channels[1][actual - 1]);
    }

    [Fact]
    public void ReadAll_RightHeader_AllocatesOneBufferOfTheExactSizePerChannel()
    {
        // 4 MB per channel: growing and trimming (the old way) allocated about three times that.
        const int Frames = 1_000_000;
        AudioFile.ReadAll(new Stream(1000, 1000), cancellationToken: TestContext.Current.CancellationToken); // warm up (JIT, statics)
        var before = GC.GetAllocatedBytesForCurrentThread();
        var audio = AudioFile.ReadAll(new Stream(Frames, Frames), cancellationToken: TestContext.Current.CancellationToken);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(Frames, audio.Length);
        var exact = 2L * Frames * sizeof(float);
        Assert.True(allocated < exact + (256 * 1024), $"allocated {allocated:N0} bytes for {exact:N0} bytes of samples");
    }

    [Fact]
    public void ReadAll_MoreThanTheLimit_IsRefusedAsTooLong()
    {
        Assert.Throws<AudioFormatException>(() => AudioFile.ReadAll(new Stream(10_000, 10_000), maxSamples: 2 * 9_999, TestContext.Current.CancellationToken));
        Assert.Throws<AudioFormatException>(() => AudioFile.ReadAll(new Stream(10_000, null), maxSamples: 2 * 9_999, TestContext.Current.CancellationToken));
        Assert.Equal(10_000, AudioFile.ReadAll(new Stream(10_000, 10_000), maxSamples: 2 * 10_000, TestContext.Current.CancellationToken).Length);
    }
}
