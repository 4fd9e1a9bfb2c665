using Traum.Models.Demucs;
using Xunit;

namespace Traum.Models.Tests.Demucs;

/// <summary>Streaming by structure: how far the written output lags behind the read input does not depend on the track's length.</summary>
public sealed class DemucsStreamingTests
{
    private const int Segment = 343980;

    /// <summary>Stem s = (s+1)/10 of the chunk; cheap, so long tracks run quickly.</summary>
    private sealed class FractionModel : IChunkModel
    {
        public int Segment => DemucsStreamingTests.Segment;

        public int SourceCount => 4;

        public int Calls { get; private set; }

        public void Run(float[][] chunk, float[][][] output)
        {
            Calls++;
            for (var s = 0; s < 4; s++)
            {
                for (var c = 0; c < 2; c++)
                {
                    System.Numerics.Tensors.TensorPrimitives.Multiply(chunk[c], (s + 1) / 10f, output[s][c]);
                }
            }
        }

        public void Dispose() { }
    }

    /// <summary>A long synthetic track generated on the fly (never held whole); records how far it has been read.</summary>
    private sealed class GeneratedInput(long length) : ISeparationInput
    {
        public long Position { get; private set; }

        public long Length => length;

        public static float Sample(long i, int c) => (float)(0.5 * Math.Sin((i * (c == 0 ? 0.0123 : 0.0321)) + c));

        public IStereoSource Open()
        {
            Position = 0;
            return new Reader(this);
        }

        private sealed class Reader(GeneratedInput owner) : IStereoSource
        {
            public int Read(float[][] destination, int offset, int count)
            {
                var n = (int)Math.Min(count, owner.Length - owner.Position);
                for (var i = 0; i < n; i++)
                {
                    destination[0][offset + i] = Sample(owner.Position + i, 0);
                    destination[1][offset + i] = Sample(owner.Position + i, 1);
                }
                owner.Position += n;
                return n;
            }

            public void Dispose() { }
        }
    }

    /// <summary>Checks stem 0 sample by sample without storing anything, and records the read/write lag.</summary>
    private sealed class CheckingSink(GeneratedInput input, double mean) : IStemSink
    {
        public long Written { get; private set; }

        public long MaxLag { get; private set; }

        public double MaxError { get; private set; }

        public void Write(float[][][] stems, int count)
        {
            MaxLag = Math.Max(MaxLag, input.Position - Written);
            for (var i = 0; i < count; i += 97)
            {
                var x = GeneratedInput.Sample(Written + i, 0);
                var expected = (0.1 * (x - mean)) + (mean / 4);
                MaxError = Math.Max(MaxError, Math.Abs(stems[0][0][i] - expected));
            }
            Written += count;
        }
    }

    private static (long Lag, double Error, int Calls) Run(long length)
    {
        var model = new FractionModel();
        var manifest = new DemucsManifest("fake", ["drums", "bass", "other", "vocals"], 44100, Segment, [new DemucsGraphEntry("none")]);
        using var sep = new DemucsSeparator(model, manifest, new DemucsOptions());
        var input = new GeneratedInput(length);
        var (_, mean, _) = DemucsSeparator.Measure(input, TestContext.Current.CancellationToken);
        var sink = new CheckingSink(input, mean);
        sep.Separate(input, sink, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(length, sink.Written);
        return (sink.MaxLag, sink.MaxError, model.Calls);
    }

    [Fact]
    public void Separate_LongTrack_OutputLagIsBoundedAndIndependentOfLength()
    {
        var shortRun = Run(44100L * 60 * 2);
        var longRun = Run(44100L * 60 * 20);
        // Written output never trails the read input by more than the chunk pipeline holds (a segment, a stride and
        // one read block), whatever the length: nothing is accumulated over the whole track.
        Assert.True(longRun.Lag <= Segment + 257985 + 65536, $"lag {longRun.Lag}");
        Assert.InRange(longRun.Lag, shortRun.Lag - 65536, shortRun.Lag + 65536); // equal up to where a read block falls
        Assert.True(longRun.Error < 1e-4, $"error {longRun.Error}");
        Assert.Equal((int)((44100L * 60 * 20 + 257984) / 257985), longRun.Calls);
    }
}
