using Traum.Audio.Loudness;
using Traum.TestKit;
using Xunit;

namespace Traum.Audio.Tests.Loudness;

public sealed class LoudnessMeterTests
{
    // ITU-R BS.1770-4, Table 1 and Table 2: the K-weighting coefficients published for 48 kHz.
    private static readonly double[] PublishedShelfB = [1.53512485958697, -2.69169618940638, 1.19839281085285];
    private static readonly double[] PublishedShelfA = [1.0, -1.69065929318241, 0.73248077421585];
    private static readonly double[] PublishedHighPassB = [1.0, -2.0, 1.0];
    private static readonly double[] PublishedHighPassA = [1.0, -1.99004745483398, 0.99007225036621];

    private static float[] StereoLevels(int sampleRate, params (double Dbfs, double Seconds)[] parts)
    {
        var total = parts.Sum(p => (int)Math.Round(p.Seconds * sampleRate));
        var x = new float[total];
        var pos = 0;
        foreach (var (dbfs, seconds) in parts)
        {
            var n = (int)Math.Round(seconds * sampleRate);
            var a = Math.Pow(10, dbfs / 20);
            for (var i = 0; i < n; i++) x[pos + i] = (float)(a * Math.Sin(2 * Math.PI * 1000 * (pos + i) / sampleRate));
            pos += n;
        }
        return x;
    }

    private static AudioBuffer Stereo(float[] x, int sampleRate) => new([x, (float[])x.Clone()], sampleRate);

    [Fact]
    public void KWeighting_At48k_EqualsPublishedCoefficients()
    {
        var s = KWeighting.Shelf(48000);
        var h = KWeighting.HighPass(48000);
        double[] got = [s.B0, s.B1, s.B2, s.A1, s.A2, h.B0, h.B1, h.B2, h.A1, h.A2];
        double[] want = [.. PublishedShelfB, PublishedShelfA[1], PublishedShelfA[2], .. PublishedHighPassB, PublishedHighPassA[1], PublishedHighPassA[2]];
        for (var i = 0; i < want.Length; i++) Assert.Equal(want[i], got[i], 1e-8);
    }

    [Theory]
    [InlineData(20.0)]
    [InlineData(50.0)]
    [InlineData(100.0)]
    [InlineData(1000.0)]
    [InlineData(2000.0)]
    [InlineData(5000.0)]
    [InlineData(10000.0)]
    [InlineData(16000.0)]
    public void IntegratedLufs_MonoSineAt48k_FollowsPublishedKWeightingResponse(double frequency)
    {
        // Loudness of a mono sine of amplitude A is −0.691 + 10·log10(A²/2 · |H(f)|²), with H the published filter.
        const int Sr = 48000;
        const double A = 0.25;
        var gainDb = Response(PublishedShelfB, PublishedShelfA, frequency, Sr) + Response(PublishedHighPassB, PublishedHighPassA, frequency, Sr);
        var expected = -0.691 + (10 * Math.Log10(A * A / 2)) + gainDb;
        var x = Signals.Sine(frequency, 10, Sr, A);

        var lufs = LoudnessMeter.IntegratedLufs(AudioBuffer.Mono(x, Sr));

        Assert.Equal(expected, lufs, 0.02);
    }

    [Theory]
    [InlineData(48000, -23.0)]
    [InlineData(48000, -33.0)]
    [InlineData(44100, -23.0)]
    [InlineData(96000, -23.0)]
    public void IntegratedLufs_Ebu3341Cases1And2StereoSine_ReadsItsLevel(int sampleRate, double dbfs)
    {
        var x = StereoLevels(sampleRate, (dbfs, 20));

        var lufs = LoudnessMeter.IntegratedLufs(Stereo(x, sampleRate));

        Assert.Equal(dbfs, lufs, 0.1);
    }

    [Fact]
    public void IntegratedLufs_Ebu3341Case3_QuietPartsBelowRelativeGateIgnored()
    {
        var x = StereoLevels(48000, (-36, 10), (-23, 60), (-36, 10));
        Assert.Equal(-23.0, LoudnessMeter.IntegratedLufs(Stereo(x, 48000)), 0.1);
    }

    [Fact]
    public void IntegratedLufs_Ebu3341Case4_PartsBelowAbsoluteGateIgnored()
    {
        var x = StereoLevels(48000, (-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10));
        Assert.Equal(-23.0, LoudnessMeter.IntegratedLufs(Stereo(x, 48000)), 0.1);
    }

    [Fact]
    public void IntegratedLufs_Ebu3341Case5_AlternatingLevelsAveragePower()
    {
        var x = StereoLevels(48000, (-26, 20), (-20, 20.1), (-26, 20));
        Assert.Equal(-23.0, LoudnessMeter.IntegratedLufs(Stereo(x, 48000)), 0.1);
    }

    [Fact]
    public void ShortTermMax_Ebu3341Case9_AlternatingWithThreeSecondPeriod_IsMinus23()
    {
        // Tech 3341 case 9: 1.34 s at −20 dBFS then 1.66 s at −30 dBFS, five times. Every 3 s window holds one period:
        // 10·log10((1.34·10^−2 + 1.66·10^−3) / 3) = −22.99 LUFS.
        var parts = Enumerable.Range(0, 5).SelectMany(_ => new[] { (-20.0, 1.34), (-30.0, 1.66) }).ToArray();
        var m = LoudnessMeter.Measure(Stereo(StereoLevels(48000, parts), 48000));
        var expected = 10 * Math.Log10(((1.34 * 1e-2) + (1.66 * 1e-3)) / 3);
        Assert.Equal(expected, m.ShortTermMaxLufs, 0.1);
    }

    [Fact]
    public void MomentaryMax_Ebu3341Case12_AlternatingWith400MsPeriod_IsMinus23()
    {
        // Tech 3341 case 12: 0.18 s at −20 dBFS then 0.22 s at −30 dBFS, repeated: every 400 ms window holds one period,
        // 10·log10((0.18·10^−2 + 0.22·10^−3) / 0.4) = −22.97 LUFS.
        var parts = Enumerable.Range(0, 25).SelectMany(_ => new[] { (-20.0, 0.18), (-30.0, 0.22) }).ToArray();
        var m = LoudnessMeter.Measure(Stereo(StereoLevels(48000, parts), 48000));
        var expected = 10 * Math.Log10(((0.18 * 1e-2) + (0.22 * 1e-3)) / 0.4);
        Assert.Equal(expected, m.MomentaryMaxLufs, 0.1);
    }

    [Theory]
    [InlineData(48000, 1.0, 3.0, 0.0)]
    [InlineData(48000, 2.2345, 1.5, -1.0)]
    [InlineData(44100, 0.7, 0.3, 5.0)]
    public void ShortTermMax_Ebu3341Case10ToneBurst_IsBurstEnergyOverThreeSeconds(int sampleRate, double start, double seconds, double boostDb)
    {
        // Tech 3341 case 10: a burst of T ≤ 3 s in silence, at the level that makes its 3 s window read −23 LUFS:
        // L = −23 − 10·log10(T / 3).
        var level = -23 - (10 * Math.Log10(seconds / 3)) + boostDb;
        var x = StereoLevels(sampleRate, (-200, start), (level, seconds), (-200, 4));
        var m = LoudnessMeter.Measure(Stereo(x, sampleRate));
        Assert.Equal(-23 + boostDb, m.ShortTermMaxLufs, 0.1);
    }

    [Theory]
    [InlineData(48000, 1.0, 0.4)]
    [InlineData(48000, 1.2345, 0.2)]
    [InlineData(44100, 0.5, 0.05)]
    public void MomentaryMax_Ebu3341Case13ToneBurst_IsBurstEnergyOver400Ms(int sampleRate, double start, double seconds)
    {
        // Tech 3341 case 13: a burst of T ≤ 0.4 s in silence at L = −23 − 10·log10(T / 0.4): maximum momentary −23 LUFS.
        var level = -23 - (10 * Math.Log10(seconds / 0.4));
        var x = StereoLevels(sampleRate, (-200, start), (level, seconds), (-200, 1));
        var m = LoudnessMeter.Measure(Stereo(x, sampleRate));
        Assert.Equal(-23, m.MomentaryMaxLufs, 0.1);
    }

    [Fact]
    public void MomentaryAndShortTermMax_SteadyTone_ReadItsLevel()
    {
        var m = LoudnessMeter.Measure(Stereo(StereoLevels(48000, (-23, 10)), 48000));
        Assert.Equal(-23, m.MomentaryMaxLufs, 0.1);
        Assert.Equal(-23, m.ShortTermMaxLufs, 0.1);
        Assert.Equal(0, m.LoudnessRangeLu, 0.1);
    }

    [Theory]
    [InlineData(-20.0, -30.0, 10.0)]
    [InlineData(-20.0, -15.0, 5.0)]
    [InlineData(-40.0, -20.0, 20.0)]
    public void LoudnessRange_Ebu3342Cases1To3TwoLevels_IsTheirDifference(double first, double second, double expected)
    {
        // Tech 3342 cases 1–3: 20 s of a stereo 1 kHz sine at one level, then 20 s at another; LRA within ±1 LU.
        var m = LoudnessMeter.Measure(Stereo(StereoLevels(48000, (first, 20), (second, 20)), 48000));
        Assert.Equal(expected, m.LoudnessRangeLu, 1.0);
    }

    [Fact]
    public void LoudnessRange_Ebu3342Case4FiveLevels_RelativeGateDropsTheQuietest()
    {
        // Tech 3342 case 4: −50, −35, −20, −35, −50 dBFS, 20 s each: the −50 parts fall under the −20 LU relative gate,
        // LRA = −20 − (−35) = 15 LU ± 1.
        var x = StereoLevels(48000, (-50, 20), (-35, 20), (-20, 20), (-35, 20), (-50, 20));
        Assert.Equal(15, LoudnessMeter.Measure(Stereo(x, 48000)).LoudnessRangeLu, 1.0);
    }

    [Fact]
    public void LoudnessRange_ShorterThanThreeSeconds_IsUndefined()
    {
        var m = LoudnessMeter.Measure(Stereo(StereoLevels(48000, (-20, 2.5)), 48000));
        Assert.True(double.IsNaN(m.LoudnessRangeLu));
        Assert.Equal(-20 + (10 * Math.Log10(2.5 / 3)), m.ShortTermMaxLufs, 0.1);
    }

    [Fact]
    public void IntegratedLufs_Silence_IsNegativeInfinity()
    {
        Assert.Equal(double.NegativeInfinity, LoudnessMeter.IntegratedLufs(new AudioBuffer(2, 48000, 48000)));
    }

    [Fact]
    public void IntegratedLufs_ToneBelowAbsoluteGate_IsNegativeInfinity()
    {
        var x = StereoLevels(48000, (-75, 5));
        Assert.Equal(double.NegativeInfinity, LoudnessMeter.IntegratedLufs(Stereo(x, 48000)));
    }

    [Fact]
    public void IntegratedLufs_SurroundChannels_WeightedBy141()
    {
        // The same sine in the left surround channel only reads 10·log10(1.41) dB louder than in the left channel only.
        const int Sr = 48000;
        var tone = Signals.Sine(1000, 5, Sr, 0.1);
        var front = new AudioBuffer(6, tone.Length, Sr);
        tone.CopyTo(front.Channels[0], 0);
        var surround = new AudioBuffer(6, tone.Length, Sr);
        tone.CopyTo(surround.Channels[4], 0);
        var lfe = new AudioBuffer(6, tone.Length, Sr);
        tone.CopyTo(lfe.Channels[3], 0);

        var diff = LoudnessMeter.IntegratedLufs(surround) - LoudnessMeter.IntegratedLufs(front);

        Assert.Equal(10 * Math.Log10(1.41), diff, 0.01);
        Assert.Equal(double.NegativeInfinity, LoudnessMeter.IntegratedLufs(lfe));
    }

    [Fact]
    public void Analyzer_FedInChunks_EqualsWholeBufferMeasurement()
    {
        var x = Signals.PinkNoise(3, 44100, 0.5, seed: 3);
        var y = Signals.PinkNoise(3, 44100, 0.3, seed: 4);
        var whole = LoudnessMeter.Measure(new AudioBuffer([x, y], 44100));
        var a = new LoudnessAnalyzer(44100, 2);
        var rng = new Random(5);
        for (var pos = 0; pos < x.Length;)
        {
            var n = Math.Min(rng.Next(1, 7000), x.Length - pos);
            a.Add([x, y], pos, n);
            pos += n;
        }

        var chunked = a.Result;

        Assert.Equal(whole.IntegratedLufs, chunked.IntegratedLufs, 1e-9);
        Assert.Equal(whole.SamplePeakDb, chunked.SamplePeakDb, 1e-9);
        Assert.Equal(whole.TruePeakDb, chunked.TruePeakDb, 1e-6);
        Assert.Equal(whole.RmsDb, chunked.RmsDb, 1e-5);
        Assert.Equal(whole.MomentaryMaxLufs, chunked.MomentaryMaxLufs, 1e-9);
        Assert.Equal(whole.ShortTermMaxLufs, chunked.ShortTermMaxLufs, 1e-9);
    }

    [Theory]
    [InlineData(48000)]
    [InlineData(44100)]
    [InlineData(96000)]
    public void TruePeakDb_QuarterRateSineAt45Degrees_Is3DbAboveSamplePeak(int sampleRate)
    {
        // x[n] = sin(πn/2 + π/4): every sample is ±0.7071 (−3.01 dBFS), the continuous signal peaks at 1 (0 dBTP).
        var x = Signals.Fade(Signals.Sine(sampleRate / 4.0, 1, sampleRate, 1.0, Math.PI / 4), sampleRate / 10);
        var audio = AudioBuffer.Mono(x, sampleRate);

        Assert.Equal(20 * Math.Log10(Math.Sqrt(0.5)), LoudnessMeter.SamplePeakDb(audio), 0.01);
        Assert.Equal(0.0, LoudnessMeter.TruePeakDb(audio), 0.1);
    }

    [Theory]
    [InlineData(997.0, 0.5)]
    [InlineData(5001.0, 0.9)]
    public void TruePeakDb_SineWithoutInterSamplePeak_EqualsAmplitude(double frequency, double amplitude)
    {
        var x = Signals.Fade(Signals.Sine(frequency, 1, 44100, amplitude), 4410);
        Assert.Equal(20 * Math.Log10(amplitude), LoudnessMeter.TruePeakDb(AudioBuffer.Mono(x, 44100)), 0.05);
    }

    [Theory]
    [InlineData(48000, -0.5)]
    [InlineData(48000, 0.5)]
    [InlineData(44100, -0.25)]
    public void TruePeakDb_SingleImpulse_IsItsMagnitude(int sampleRate, double value)
    {
        // A lone sample of value v: the band-limited interpolation never exceeds |v| (the sinc peaks at the sample),
        // so the true peak is 20·log10|v| whatever the sign (−0.5 → −6.02 dBTP).
        var x = new float[sampleRate / 10];
        x[x.Length / 2] = (float)value;
        var audio = AudioBuffer.Mono(x, sampleRate);

        Assert.Equal(20 * Math.Log10(Math.Abs(value)), LoudnessMeter.TruePeakDb(audio), 0.01);
        Assert.Equal(20 * Math.Log10(Math.Abs(value)), LoudnessMeter.Measure(audio).TruePeakDb, 0.01);
    }

    [Fact]
    public void RmsDb_SineOfAmplitudeA_IsAOverRoot2()
    {
        var x = Signals.Sine(1000, 1, 48000, 0.5);
        Assert.Equal(20 * Math.Log10(0.5 / Math.Sqrt(2)), LoudnessMeter.RmsDb(new AudioBuffer([x, x], 48000)), 0.001);
    }

    [Fact]
    public void SamplePeakDb_KnownMaximum_InDbfs()
    {
        var x = new float[1000];
        x[321] = -0.25f;
        Assert.Equal(20 * Math.Log10(0.25), LoudnessMeter.SamplePeakDb(AudioBuffer.Mono(x, 8000)), 1e-9);
        Assert.Equal(double.NegativeInfinity, LoudnessMeter.SamplePeakDb(new AudioBuffer(1, 100, 8000)));
        Assert.Equal(double.NegativeInfinity, LoudnessMeter.RmsDb(new AudioBuffer(1, 100, 8000)));
    }

    private static double Response(double[] b, double[] a, double f, int sr)
    {
        var w = 2 * Math.PI * f / sr;
        var z1 = System.Numerics.Complex.FromPolarCoordinates(1, -w);
        var z2 = z1 * z1;
        var h = (b[0] + (b[1] * z1) + (b[2] * z2)) / (a[0] + (a[1] * z1) + (a[2] * z2));
        return 20 * Math.Log10(h.Magnitude);
    }
}
