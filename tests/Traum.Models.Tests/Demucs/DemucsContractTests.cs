using Traum.Core;
using Traum.Models.Demucs;
using Traum.TestKit;
using Xunit;
using static Traum.Models.Tests.Demucs.DemucsFixtures;

namespace Traum.Models.Tests.Demucs;

/// <summary>
/// Both graph contracts of the public htdemucs exports, on fixture graphs with exactly their input and output names,
/// shapes and dtypes, through the whole pipeline (normalisation, chunks, triangle weights, centred last chunk,
/// shifts), against tools/demucs/reference.py.
/// </summary>
public sealed class DemucsContractTests
{
    private static void AssertMatches(float[][][] actual, float[][][] expected, double tolerance = 1e-4)
    {
        var diff = MaxAbsDiff(actual, expected);
        Assert.True(diff < tolerance, $"max |diff| = {diff}");
    }

    [Fact]
    public void Load_GhildaNames_DetectsTheSplitContract()
    {
        using var sep = Load("ghilda-split");
        var g = Assert.Single(sep.Graphs);
        Assert.Equal(DemucsContract.Split, g.Contract);
        Assert.False(g.HalfTensors);
        Assert.Contains("mix [1,2,343980] float32", g.Description, StringComparison.Ordinal);
        Assert.Contains("mag [1,4,2048,336] float32", g.Description, StringComparison.Ordinal);
        Assert.Contains("freq [1,4,4,2048,336] float32", g.Description, StringComparison.Ordinal);
        Assert.Contains("time [1,4,2,343980] float32", g.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Separate_GhildaSplitGraph_MatchesNumpyReference()
    {
        // Rotations and L/R swaps of the spectrum plus cross-channel waveform terms: any packing error shows.
        var (l, r) = Music(600_000, seed: 21);
        using var sep = Load("ghilda-split");
        AssertMatches(Separate(sep, l, r), Reference("ghilda-split", l, r));
    }

    [Fact]
    public void Separate_Fp16WeightSplitSpecialists_MatchNumpyReference()
    {
        // monteslu/htdemucs-ft-webgpu: mix + mag -> x + xt, fp16 weights inside, float32 inputs and outputs.
        var (l, r) = Music(400_000, seed: 22);
        using var sep = Load("monteslu-ft-fp16");
        Assert.Equal(4, sep.Graphs.Count);
        Assert.All(sep.Graphs, g =>
        {
            Assert.Equal(DemucsContract.Split, g.Contract);
            Assert.False(g.HalfTensors);
            Assert.Contains("x [1,4,4,2048,336] float32", g.Description, StringComparison.Ordinal);
            Assert.Contains("xt [1,4,2,343980] float32", g.Description, StringComparison.Ordinal);
        });
        AssertMatches(Separate(sep, l, r), Reference("monteslu-ft-fp16", l, r));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(Stride + 1)]
    [InlineData(Segment + 1)]
    [InlineData(700_001)]
    public void Separate_FullGraphSpecialists_MatchNumpyReference(int length)
    {
        // StemSplitio/htdemucs-ft-onnx: mix -> stems, one graph per stem. The gain depends on the position inside the
        // chunk, so a chunk at the wrong offset, wrong weights or a wrongly centred last chunk changes the result.
        var (l, r) = Music(length, seed: length % 13);
        using var sep = Load("stemsplit-ft-full");
        Assert.All(sep.Graphs, g => Assert.Equal(DemucsContract.Full, g.Contract));
        Assert.Contains("stems [1,4,2,343980] float32", sep.Graphs[0].Description, StringComparison.Ordinal);
        AssertMatches(Separate(sep, l, r), Reference("stemsplit-ft-full", l, r));
    }

    [Fact]
    public void Separate_FullGraphWithShifts_MatchesNumpyReferenceAtTheSameOffsets()
    {
        var (l, r) = Music(450_000, seed: 23);
        var options = new DemucsOptions { Shifts = 2, Seed = 5, IntraOpThreads = 1 };
        using var sep = Load("stemsplit-ft-full", options);
        var offsets = DemucsSeparator.ShiftOffsets(2, 5, 22050);
        AssertMatches(Separate(sep, l, r), Reference("stemsplit-ft-full", l, r, offsets));
    }

    [Fact]
    public void Separate_FullGraphSpecialists_StemsSumToTheInput()
    {
        // Closed form: the four right stems' fractions add to 1, their cross terms and position gains cancel, and
        // the mean is spread evenly over the stems, so the stems add up to the track exactly wherever it is cut.
        var (l, r) = Music(800_000, seed: 24);
        using var sep = Load("stemsplit-ft-full");
        var stems = Separate(sep, l, r);
        double max = 0;
        for (var i = 0; i < l.Length; i++)
        {
            max = Math.Max(max, Math.Abs(stems.Sum(s => (double)s[0][i]) - l[i]));
            max = Math.Max(max, Math.Abs(stems.Sum(s => (double)s[1][i]) - r[i]));
        }
        Assert.True(max < 1e-4, $"max |sum − input| = {max}");
    }

    [Fact]
    public void Separate_SixSourceFullGraph_MatchesNumpyReference()
    {
        var (l, r) = Music(520_000, seed: 25);
        using var sep = Load("stemsplit6-full");
        Assert.Equal(6, sep.Manifest.Sources.Count);
        Assert.Equal(DemucsContract.Full, Assert.Single(sep.Graphs).Contract);
        AssertMatches(Separate(sep, l, r), Reference("stemsplit6-full", l, r));
    }

    [Fact]
    public void Separate_Float16InputsAndOutputs_MatchesReferenceWithinHalfPrecision()
    {
        var (l, r) = Music(500_000, seed: 26);
        using var sep = Load("full-fp16io");
        var g = Assert.Single(sep.Graphs);
        Assert.True(g.HalfTensors);
        Assert.Contains("mix [1,2,343980] float16", g.Description, StringComparison.Ordinal);
        Assert.Contains("stems [1,4,2,343980] float16", g.Description, StringComparison.Ordinal);
        var actual = Separate(sep, l, r);
        var expected = Reference("full-fp16io", l, r);
        // float16 keeps 11 significant bits: rounding at the boundary may land one unit (2^-11 relative, times the
        // track's scale) either way of the reference's rounding. A wrong conversion (bits read as float32, or the
        // float32 buffer never filled) is off by the whole signal.
        var peak = expected.SelectMany(s => s).SelectMany(c => c).Max(v => Math.Abs((double)v));
        AssertMatches(actual, expected, 4.0 / 2048 * peak);
        Assert.True(MaxAbsDiff(actual, expected) < 0.01 * peak);
    }

    [Fact]
    public void Load_OtherLayout_IsRefusedWithWhatItHasAndWhatIsNeeded()
    {
        var e = Assert.Throws<ModelNotFoundException>(() => Load("other-layout"));
        Assert.Contains("fits neither Demucs graph contract", e.Message, StringComparison.Ordinal);
        Assert.Contains("spec [1,336,4,2048] float32", e.Message, StringComparison.Ordinal);
        Assert.Contains("out_wave [1,2,343980] float32", e.Message, StringComparison.Ordinal);
        Assert.Contains("split graph (STFT outside)", e.Message, StringComparison.Ordinal);
        Assert.Contains("full graph (STFT inside)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ManifestNamesTheOtherContract_IsRefusedSayingWhichItIs()
    {
        using var tmp = new TempDir("demucs");
        File.Copy(Path.Combine(Dir("stemsplit6-full"), "htdemucs_6s.onnx"), tmp.File("htdemucs_6s.onnx"));
        new DemucsManifest("x", ["drums", "bass", "other", "vocals", "guitar", "piano"], 44100, 343980, [new DemucsGraphEntry("htdemucs_6s.onnx")])
        {
            Contract = "split",
        }.Save(tmp.Path);
        var e = Assert.Throws<ModelNotFoundException>(() => DemucsSeparator.Load(tmp.Path));
        Assert.Contains("model.json says contract 'split'", e.Message, StringComparison.Ordinal);
        Assert.Contains("\"contract\": \"full\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownContractName_IsRefused()
    {
        using var tmp = new TempDir("demucs");
        File.Copy(Path.Combine(Dir("time4"), "model.onnx"), tmp.File("model.onnx"));
        File.WriteAllText(tmp.File("model.json"),
            """{"name":"x","sources":["drums","bass","other","vocals"],"sampleRate":44100,"segment":343980,"contract":"stft","graphs":[{"file":"model.onnx"}]}""");
        var e = Assert.Throws<ModelNotFoundException>(() => DemucsSeparator.Load(tmp.Path));
        Assert.Contains("'contract' is 'stft'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SeparateChunk_FullGraph_EqualsTheClosedForm()
    {
        // One chunk, no normalisation or overlap-add: stem s = (M_s · chunk) · (1 + A_s · sin(ω n)), from fixture.json's numbers.
        using var sep = Load("stemsplit6-full");
        var chunk = new[] { new float[Segment], new float[Segment] };
        for (var i = 0; i < Segment; i++)
        {
            chunk[0][i] = (float)Math.Sin(i * 0.01);
            chunk[1][i] = (float)Math.Cos(i * 0.003);
        }
        var stems = sep.SeparateChunk(chunk);
        double[] f = [0.1, 0.1, 0.2, 0.2, 0.25, 0.15];
        double[] a = [0.5, -0.5, 0.25, -0.25, 0.2, -1.0 / 3.0];
        var omega = 2 * Math.PI * 3 / Segment;
        double max = 0;
        for (var s = 0; s < 6; s++)
        {
            for (var c = 0; c < 2; c++)
            {
                for (var i = 0; i < Segment; i += 7)
                {
                    var want = f[s] * chunk[c][i] * (1 + (a[s] * Math.Sin(omega * i)));
                    max = Math.Max(max, Math.Abs(stems[s][c][i] - want));
                }
            }
        }
        Assert.True(max < 1e-5, $"max |diff| = {max}");
    }
}
