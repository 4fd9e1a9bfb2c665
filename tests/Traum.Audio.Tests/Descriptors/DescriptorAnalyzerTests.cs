using Traum.Core;
using Traum.Audio.Descriptors;
using Xunit;
using Traum.TestKit;
using CoreDescriptors = Traum.Core.Descriptors;

namespace Traum.Audio.Tests.Descriptors;

public sealed class DescriptorAnalyzerTests
{
    private const int Rate = 22_050;
    private const double Bin = Rate / 2048.0;
    private static readonly DescriptorAnalyzer s_analyzer = new();

    private static CoreDescriptors Analyze(float[] samples, int rate = Rate)
        => s_analyzer.Analyze(AudioBuffer.Mono(samples, rate), TestContext.Current.CancellationToken);

    // ---- spectral shape -------------------------------------------------------------------------------------

    [Fact]
    public void Analyze_BinCentredSine_CentroidBandwidthRolloffFromHannSpectrum()
    {
        // A sine on bin k through a periodic Hann window has power only in bins k−1, k, k+1 in ratio 1/4 : 1 : 1/4.
        // Centroid = f; bandwidth = bin·sqrt((1/4 + 1/4) / 1.5) = bin/√3; cumulative power reaches 0.25/1.5, 1.25/1.5 = 0.833
        // and 1 at bins k−1, k, k+1, so the 85 % roll-off is bin k+1.
        const int k = 50;
        var f = k * Bin;
        var d = Analyze(Signals.Sine(f, 4, Rate));
        Assert.InRange(d.SpectralCentroid, f - (0.02 * Bin), f + (0.02 * Bin));
        Assert.InRange(d.SpectralBandwidth, Bin / Math.Sqrt(3) * 0.97, Bin / Math.Sqrt(3) * 1.1);
        Assert.InRange(d.SpectralRolloff, f + Bin - 1e-6, f + Bin + 1e-6);
    }

    [Theory]
    [InlineData(220.0)]
    [InlineData(1000.0)]
    [InlineData(3333.3)]
    public void Analyze_Sine_CentroidWithinOneBinOfFrequency(double f)
    {
        var d = Analyze(Signals.Sine(f, 3, Rate));
        Assert.InRange(d.SpectralCentroid, f - Bin, f + Bin);
        Assert.InRange(d.SpectralRolloff, f - Bin, f + (2 * Bin));
        Assert.InRange(d.SpectralBandwidth, 0, 1.5 * Bin);
    }

    [Fact]
    public void Analyze_BandLimitedNoise_MomentsOfUniformBand()
    {
        // Flat power between a and b: centroid (a+b)/2, bandwidth (b−a)/√12, 85 % roll-off a + 0.85(b−a).
        const double a = 2000, b = 6000;
        var d = Analyze(DescriptorSignals.BandLimitedNoise(a, b, 4, Rate));
        Assert.InRange(d.SpectralCentroid, ((a + b) / 2) - (2 * Bin), ((a + b) / 2) + (2 * Bin));
        Assert.InRange(d.SpectralBandwidth, (b - a) / Math.Sqrt(12) * 0.97, (b - a) / Math.Sqrt(12) * 1.03);
        Assert.InRange(d.SpectralRolloff, a + (0.85 * (b - a)) - (3 * Bin), a + (0.85 * (b - a)) + (3 * Bin));
    }

    [Fact]
    public void Analyze_WhiteNoise_FlatnessNearExpIfMinusEulerGamma()
    {
        // Per bin, the power of white noise over a frame is exponential (χ² with 2 degrees of freedom), for which
        // E[ln P] = ln E[P] − γ: the geometric/arithmetic mean ratio is e^−γ ≈ 0.5615.
        var d = Analyze(Signals.WhiteNoise(4, Rate));
        Assert.InRange(d.SpectralFlatness, Math.Exp(-0.5772156649) - 0.02, Math.Exp(-0.5772156649) + 0.02);
    }

    [Fact]
    public void Analyze_PinkNoise_FlatnessClearlyBelowWhite()
    {
        // A 1/f spectrum over 1024 bins has GM/AM = e/(ln 1024 + γ) ≈ 0.36 before the e^−γ factor: about 0.2.
        var white = Analyze(Signals.WhiteNoise(4, Rate)).SpectralFlatness;
        var pink = Analyze(Signals.PinkNoise(4, Rate)).SpectralFlatness;
        Assert.InRange(pink, 0.05, 0.35);
        Assert.True(white > 1.5 * pink, $"white {white}, pink {pink}");
    }

    [Theory]
    [InlineData(100.0)]
    [InlineData(441.0)]
    [InlineData(2500.0)]
    public void Analyze_Sine_ZeroCrossingRateIsTwiceFrequencyOverRate(double f)
    {
        var d = Analyze(Signals.Sine(f, 3, Rate, phase: 0.3));
        Assert.InRange(d.ZeroCrossingRate, 2 * f / Rate * 0.99, 2 * f / Rate * 1.01);
    }

    // ---- rhythm ---------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(90.0)]
    [InlineData(120.0)]
    [InlineData(174.0)]
    public void Analyze_ClickTrack_TempoWithinOneBpm(double bpm)
    {
        var d = Analyze(Signals.ClickTrack(bpm, 12, Rate));
        Assert.NotNull(d.Bpm);
        Assert.InRange(d.Bpm!.Value, bpm - 1, bpm + 1);
        Assert.InRange(d.BpmConfidence, 0.5, 1);
        Assert.False(d.IsOneShot);
    }

    [Theory]
    [InlineData(90.0)]
    [InlineData(120.0)]
    [InlineData(174.0)]
    public void Analyze_KickSnareHatPattern_TempoWithinOneBpm(double bpm)
    {
        var bars = (int)Math.Ceiling(12 * bpm / 240);
        var d = Analyze(DescriptorSignals.DrumPattern(bpm, bars, Rate));
        Assert.NotNull(d.Bpm);
        Assert.InRange(d.Bpm!.Value, bpm - 1, bpm + 1);
        Assert.False(d.IsOneShot);
    }

    // The same two-step pattern (kick on 1 and 3&, snare on 2 and 4, eighth hats) is drum and bass at 174 and hip-hop
    // at 87: the snare's spacing in seconds (0.69 s against 1.38 s, two beats each time) tells them apart.
    [Theory]
    [InlineData(174.0, 2)]
    [InlineData(170.0, 2)]
    [InlineData(87.0, 1)]
    [InlineData(84.0, 1)]
    public void Analyze_TwoStepPattern_BackbeatPicksTheOctave(double bpm, int bars)
    {
        var x = DescriptorSignals.StepPattern(bpm, bars * 4, Rate, "K.........K.....", "....S.......S...", "h.h.h.h.h.h.h.h.");
        var d = Analyze(x);
        Assert.NotNull(d.Bpm);
        Assert.InRange(d.Bpm!.Value, bpm * 0.98, bpm * 1.02);
        Assert.Equal(bars * 4, d.LoopBars); // duration × BPM / 240
    }

    [Theory]
    [InlineData(140.0)]
    [InlineData(150.0)]
    public void Analyze_HalfTimeTrapPattern_ReadsFullTempo(double bpm)
    {
        // Kick on 1, snare on 3 (every two beats), sixteenth hats: felt at 70–75, written and filtered at 140–150.
        var x = DescriptorSignals.StepPattern(bpm, 6, Rate, "K.......K..K....", "........S.......", "hhhhhhhhhhhhhhhh");
        var d = Analyze(x);
        Assert.NotNull(d.Bpm);
        Assert.InRange(d.Bpm!.Value, bpm * 0.98, bpm * 1.02);
    }

    [Fact]
    public void Analyze_HeldChord_NoPulseNoTempo()
    {
        var d = Analyze(Signals.Chord([57, 60, 64], 6, Rate, 0.3));
        Assert.Null(d.Bpm);
    }

    [Fact]
    public void Analyze_HitsAtIrregularTimes_OnsetDensityIsHitsOverDuration()
    {
        double[] times = [0.1, 0.45, 1.2, 1.6, 2.5, 2.9, 3.6];
        const double seconds = 4.0;
        var x = new float[(int)(seconds * Rate)];
        var hit = Signals.DrumHit(0.25, Rate);
        foreach (var t in times) DescriptorSignals.Place(x, hit, (int)(t * Rate));
        var d = Analyze(x);
        Assert.Equal(times.Length / seconds, d.OnsetDensity, 6);
    }

    [Fact]
    public void Analyze_SingleHit_IsOneShotWithoutTempo()
    {
        var x = new float[Rate];
        DescriptorSignals.Place(x, Signals.DrumHit(0.8, Rate), 0);
        var d = Analyze(x);
        Assert.True(d.IsOneShot);
        Assert.Null(d.Bpm);
        Assert.Equal(1.0, d.OnsetDensity, 6);
    }

    [Fact]
    public void Analyze_OneBarLoop_IsNotOneShot()
    {
        var d = Analyze(DescriptorSignals.DrumPattern(120, 1, Rate));
        Assert.False(d.IsOneShot);
        Assert.Equal(8 / 2.0, d.OnsetDensity, 6);
    }

    [Fact]
    public void Analyze_Long808Note_IsOneShotWithoutTempo()
    {
        // 1.5 s of a saturated sine at A1 dying away over 0.6 s: one attack, decays — a one-shot however long.
        var x = new float[(int)(1.5 * Rate)];
        for (var i = 0; i < x.Length; i++)
        {
            var t = (double)i / Rate;
            x[i] = (float)(0.8 * Math.Tanh(2.5 * Math.Sin(2 * Math.PI * 55 * t) * Math.Exp(-t / 0.6)));
        }
        var d = Analyze(x);
        Assert.True(d.IsOneShot);
        Assert.Null(d.Bpm);
        Assert.Null(d.LoopBars);
        Assert.Equal("A", d.Key); // a root without a mode
        Assert.Null(d.Mode);
    }

    [Fact]
    public void Analyze_SustainedTwoSecondStab_IsOneShot()
    {
        // A held chord of 2 s (at most MaxSustainedOneShotSeconds) with one attack: a stab, not a loop.
        var d = Analyze(Signals.Fade(Signals.Chord([60, 64, 67], 2, Rate), Rate / 50));
        Assert.True(d.IsOneShot);
    }

    [Fact]
    public void Analyze_RepeatedHits_AreALoopNotAOneShot()
    {
        var d = Analyze(Signals.ClickTrack(100, 3, Rate));
        Assert.False(d.IsOneShot);
    }

    [Fact]
    public void Analyze_SustainedChord_IsNotOneShot()
    {
        var d = Analyze(Signals.Chord([60, 64, 67], 3, Rate));
        Assert.False(d.IsOneShot);
        Assert.Null(d.Bpm);
    }

    [Fact]
    public void Analyze_DecayingPluck_IsOneShot()
    {
        var x = Signals.Chord([57], 2, Rate);
        for (var i = 0; i < x.Length; i++) x[i] *= (float)Math.Exp(-i / (0.2 * Rate));
        Assert.True(Analyze(x).IsOneShot);
    }

    // ---- key ------------------------------------------------------------------------------------------------

    public static TheoryData<string, string, string> Progressions => new()
    {
        { "C-F-G-C", "C", "major" },
        { "Am-Dm-E-Am", "A", "minor" },
        { "F#-B-C#-F#", "F#", "major" },
        { "Ebm-Abm-Bb-Ebm", "Eb", "minor" },
        { "Dm-Gm-A-Dm", "D", "minor" },
        { "Bb-Eb-F-Bb", "Bb", "major" },
    };

    private static int[] Triad(string name)
    {
        var minor = name.EndsWith('m');
        var root = minor ? name[..^1] : name;
        var pc = Array.IndexOf(["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"], root switch
        {
            "Eb" => "D#", "Ab" => "G#", "Bb" => "A#", "Db" => "C#", "Gb" => "F#", _ => root,
        });
        var r = 57 + ((pc + 3) % 12); // roots from A3 (MIDI 57) to G#4 (MIDI 68)
        return [r, r + (minor ? 3 : 4), r + 7];
    }

    [Theory]
    [MemberData(nameof(Progressions))]
    public void Analyze_ChordProgression_KeyAndMode(string progression, string key, string mode)
    {
        var chords = progression.Split('-').Select(Triad).ToList();
        var x = Signals.Progression([.. chords, .. chords], 0.75, Rate);
        var d = Analyze(x);
        Assert.Equal(key, d.Key);
        Assert.Equal(mode, d.Mode);
        Assert.InRange(d.KeyConfidence, 0.5, 1);
    }

    [Theory]
    [InlineData(60, "C", "major", new[] { 0, 2, 4, 5, 7, 9, 11, 12 })]
    [InlineData(66, "F#", "major", new[] { 0, 2, 4, 5, 7, 9, 11, 12 })]
    [InlineData(57, "A", "minor", new[] { 0, 2, 3, 5, 7, 8, 11, 12 })]
    [InlineData(63, "Eb", "minor", new[] { 0, 2, 3, 5, 7, 8, 11, 12 })]
    public void Analyze_ScaleUpAndDown_KeyAndMode(int tonic, string key, string mode, int[] steps)
    {
        var up = steps.Select(s => tonic + s).ToList();
        var notes = up.Concat(Enumerable.Reverse(up).Skip(1)).ToList();
        var d = Analyze(DescriptorSignals.Melody(notes, 0.3, Rate));
        Assert.Equal(key, d.Key);
        Assert.Equal(mode, d.Mode);
    }

    [Fact]
    public void Analyze_TemperleyProfiles_ProgressionKeyAndMode()
    {
        var analyzer = new DescriptorAnalyzer(new DescriptorOptions { KeyProfile = KeyProfile.Temperley });
        var ct = TestContext.Current.CancellationToken;
        var major = analyzer.Analyze(AudioBuffer.Mono(Signals.Progression([Triad("C"), Triad("F"), Triad("G"), Triad("C")], 0.75, Rate), Rate), ct);
        var minor = analyzer.Analyze(AudioBuffer.Mono(Signals.Progression([Triad("Am"), Triad("Dm"), Triad("E"), Triad("Am")], 0.75, Rate), Rate), ct);
        Assert.Equal(("C", "major"), (major.Key, major.Mode));
        Assert.Equal(("A", "minor"), (minor.Key, minor.Mode));
    }

    /// <summary>A piano-like note: 12 partials with strong 2nd and 3rd harmonics (1, 0.9, 0.6, 0.35, then 0.5/h), decaying.</summary>
    private static void AddRichNote(float[] x, int midi, double start, double seconds)
    {
        var f0 = Signals.MidiToHz(midi);
        var from = (int)(start * Rate);
        var len = Math.Min(x.Length - from, (int)(seconds * Rate));
        for (var h = 1; h <= 12; h++)
        {
            var a = h switch { 1 => 1.0, 2 => 0.9, 3 => 0.6, 4 => 0.35, _ => 0.5 / h } * 0.1;
            if (h * f0 > 10000) break;
            for (var i = 0; i < len; i++)
            {
                var t = (double)i / Rate;
                x[from + i] += (float)(a * Math.Exp(-(1 + (0.4 * h)) * t) * Math.Min(1, (seconds - t) / 0.01) * Math.Sin(2 * Math.PI * h * f0 * t));
            }
        }
    }

    // Overtones put the fifth and the major third of every note into a plain chroma: a minor cadence with rich notes
    // used to read as its parallel major. Harmonic grouping gives each note's overtones back to it.
    [Theory]
    [InlineData(9, "A")]
    [InlineData(0, "C")]
    [InlineData(4, "E")]
    public void Analyze_MinorCadenceWithRichOvertones_MinorKey(int tonic, string name)
    {
        int[][] chords = [[0, 3, 7], [5, 8, 12], [7, 11, 14], [0, 3, 7]]; // i iv V i
        var x = new float[(int)(8.5 * Rate)];
        var root = 48 + tonic;
        for (var c = 0; c < chords.Length; c++)
        {
            foreach (var iv in chords[c]) AddRichNote(x, root + 12 + iv, c * 2.0, 1.9);
            AddRichNote(x, root + chords[c][0] - (chords[c][0] >= 7 ? 12 : 0), c * 2.0, 1.9);
        }
        var d = Analyze(x);
        Assert.Equal((name, "minor"), (d.Key, d.Mode));
        Assert.Equal(KeyNames.Camelot(tonic, minor: true), d.Camelot);
    }

    [Theory]
    [InlineData(60, "C")]
    [InlineData(70, "Bb")]
    [InlineData(39, "Eb")]
    public void Analyze_SingleRichNote_RootWithoutMode(int midi, string root)
    {
        var x = new float[2 * Rate];
        AddRichNote(x, midi, 0, 1.5);
        var d = Analyze(x);
        Assert.Equal(root, d.Key);
        Assert.Null(d.Mode);
        Assert.Null(d.Camelot);
    }

    [Fact]
    public void Analyze_DecayingSineDrum_NoKey()
    {
        // A conga-like hit: one decaying sine with a small pitch drop, plus a noise slap. Pitched but not a note: no key.
        var x = new float[Rate / 2];
        var rng = new Random(4);
        double phase = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var t = (double)i / Rate;
            phase += 2 * Math.PI * 260 * (1 + (0.15 * Math.Exp(-t / 0.02))) / Rate;
            x[i] = (float)((0.6 * Math.Sin(phase) * Math.Exp(-t / 0.08)) + (0.2 * (rng.NextDouble() - 0.5) * Math.Exp(-t / 0.01)));
        }
        var d = Analyze(x);
        Assert.Null(d.Key);
        Assert.Null(d.Mode);
    }

    [Fact]
    public void Analyze_SingleSine_PitchClassWithoutMode()
    {
        var d = Analyze(Signals.Sine(Signals.MidiToHz(66), 2, Rate));
        Assert.Equal("F#", d.Key);
        Assert.Null(d.Mode);
    }

    [Fact]
    public void Analyze_WhiteNoise_NoKeyNoTempo()
    {
        var d = Analyze(Signals.WhiteNoise(4, Rate));
        Assert.Null(d.Key);
        Assert.Null(d.Mode);
        Assert.Null(d.Bpm);
    }

    // ---- edge cases -----------------------------------------------------------------------------------------

    private static void AssertAllFinite(CoreDescriptors d)
    {
        double[] values = [d.Duration, d.PeakDb, d.RmsDb, d.Lufs, d.SpectralCentroid, d.SpectralBandwidth, d.SpectralRolloff,
            d.SpectralFlatness, d.ZeroCrossingRate, d.OnsetDensity, d.BpmConfidence, d.KeyConfidence];
        Assert.All(values, v => Assert.True(double.IsFinite(v), $"{v} is not finite in {d}"));
    }

    [Fact]
    public void Analyze_Silence_FiniteZeroesNoKeyNoTempo()
    {
        var d = Analyze(new float[2 * Rate]);
        AssertAllFinite(d);
        Assert.Equal(2.0, d.Duration, 9);
        Assert.Equal(s_analyzer.Options.LevelFloorDb, d.PeakDb);
        Assert.Equal(s_analyzer.Options.LevelFloorDb, d.RmsDb);
        Assert.Equal(s_analyzer.Options.LevelFloorDb, d.Lufs);
        Assert.Equal(0, d.SpectralCentroid);
        Assert.Equal(0, d.SpectralFlatness);
        Assert.Equal(0, d.OnsetDensity);
        Assert.Null(d.Bpm);
        Assert.Null(d.Key);
        Assert.Null(d.Mode);
        Assert.True(d.IsOneShot);
    }

    [Fact]
    public void Analyze_Empty_FiniteAndZeroDuration()
    {
        var d = Analyze([]);
        AssertAllFinite(d);
        Assert.Equal(0, d.Duration);
        Assert.Null(d.Bpm);
        Assert.True(d.IsOneShot);
    }

    [Theory]
    [InlineData(22_050)]
    [InlineData(44_100)]
    public void Analyze_TenMilliseconds_FiniteOneShot(int rate)
    {
        var d = Analyze(Signals.Sine(1000, 0.01, rate), rate);
        AssertAllFinite(d);
        Assert.Equal(0.01, d.Duration, 3);
        Assert.True(d.IsOneShot);
        Assert.Null(d.Bpm);
        Assert.InRange(d.SpectralCentroid, 500, 2000);
    }

    [Fact]
    public void Analyze_Cancelled_Throws()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => s_analyzer.Analyze(AudioBuffer.Mono(Signals.WhiteNoise(1, Rate), Rate), cts.Token));
    }

    [Fact]
    public void Constructor_BadFftSize_Throws()
    {
        Assert.Throws<ArgumentException>(() => new DescriptorAnalyzer(new DescriptorOptions { FftSize = 1000 }));
    }

    // ---- levels and rates -----------------------------------------------------------------------------------

    [Fact]
    public void Analyze_Sine_PeakIsAmplitudeAndRmsIsAmplitudeOverRoot2InDb()
    {
        const double amplitude = 0.5;
        var d = Analyze(Signals.Sine(997, 2, 48_000, amplitude, phase: 0.1), 48_000);
        Assert.InRange(d.PeakDb, (20 * Math.Log10(amplitude)) - 0.01, (20 * Math.Log10(amplitude)) + 0.01);
        Assert.InRange(d.RmsDb, (20 * Math.Log10(amplitude / Math.Sqrt(2))) - 0.01, (20 * Math.Log10(amplitude / Math.Sqrt(2))) + 0.01);
        Assert.True(d.Lufs < d.PeakDb && d.Lufs > d.PeakDb - 10, $"LUFS {d.Lufs}");
    }

    [Fact]
    public void Analyze_StereoAt44100_AnalysedAtAnalysisRate()
    {
        const double f = 1500;
        var left = Signals.Sine(f, 3, 44_100, 0.5);
        var right = Signals.Sine(f, 3, 44_100, 0.3);
        var d = s_analyzer.Analyze(new AudioBuffer([left, right], 44_100), TestContext.Current.CancellationToken);
        Assert.Equal(3.0, d.Duration, 6);
        Assert.InRange(d.SpectralCentroid, f - Bin, f + Bin);
        // Zero crossings per sample at the 22 050 Hz analysis rate.
        Assert.InRange(d.ZeroCrossingRate, 2 * f / Rate * 0.99, 2 * f / Rate * 1.01);
    }
}
