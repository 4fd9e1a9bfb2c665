using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Traum.Audio.Dsp;
using Traum.TestKit;

namespace Traum.Audio.Tests.Dsp;

public sealed class ResamplerPropertyTests
{
    private static readonly int[] Rates = [8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 47993];

    [Property(MaxTest = 40)]
    public Property StreamingResampler_AnyRatesLengthAndChunking_EqualsOneShotWithRoundedLength()
    {
        var gen =
            from src in Gen.Elements(Rates)
            from dst in Gen.Elements(Rates)
            from n in Gen.Choose(0, 6000)
            from seed in Gen.Choose(1, 1000)
            select (src, dst, n, seed);
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (from, to, n, seed) = t;
            var x = Signals.WhiteNoise((double)n / from, from, 0.5, seed);
            var whole = Resampler.Resample(x, from, to);
            var expectedLength = (int)Math.Round((double)x.Length * to / from, MidpointRounding.AwayFromZero);
            if (whole.Length != expectedLength) return false;
            if (from == to) return whole.AsSpan().SequenceEqual(x);
            var s = new StreamingResampler(from, to);
            var got = new float[whole.Length];
            var written = 0;
            var rng = new Random(seed);
            for (var pos = 0; pos < x.Length;)
            {
                var k = Math.Min(rng.Next(0, 700), x.Length - pos);
                var tmp = new float[s.MaxOutput(k)];
                var m = s.Process(x.AsSpan(pos, k), tmp);
                tmp.AsSpan(0, m).CopyTo(got.AsSpan(written));
                written += m;
                pos += k;
            }
            written += s.Flush(got.AsSpan(written));
            return written == whole.Length && got.AsSpan().SequenceEqual(whole);
        });
    }
}
