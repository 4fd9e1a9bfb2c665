using Traum.Audio.IO;
using Traum.Core;
using Traum.Engine.Export;

namespace Traum.Engine.Tests.Export;

public sealed class ExportFormatTests
{
    private static Descriptors D(string? key = null, string? mode = null, string? statedKey = null, string? statedMode = null) => new()
    {
        Duration = 1, PeakDb = 0, RmsDb = 0, Lufs = 0, SpectralCentroid = 0, SpectralBandwidth = 0, SpectralRolloff = 0, SpectralFlatness = 0,
        ZeroCrossingRate = 0, OnsetDensity = 0, IsOneShot = false, Key = key, Mode = mode, StatedKey = statedKey, StatedMode = statedMode,
    };

    private static AudioFileInfo Info(string codec, int bits, int rate = 44100) => new("x", "wav", codec, rate, 2, 100, bits);

    [Theory]
    [InlineData(null, null, null, "wav")]
    [InlineData(" FLAC ", 48000, 24, "flac")]
    [InlineData(".mp3", 44100, null, "mp3")]
    [InlineData("wav", 96000, 32, "wav")]
    public void Parse_GoodValues_AreNormalised(string? container, int? rate, int? bits, string expected)
    {
        var f = ExportFormat.Parse(container, rate, bits);
        Assert.Equal(new ExportFormat(expected, rate, bits), f);
    }

    [Theory]
    [InlineData("ogg", null, null, "wav, flac or mp3")]
    [InlineData("flac", null, 32, "16 or 24")]
    [InlineData("wav", null, 8, "16 or 24 bit")]
    [InlineData("mp3", null, 16, "no bit depth")]
    [InlineData("mp3", 96000, null, "48000")]
    [InlineData("wav", 4000, null, "8000 to 192000")]
    public void Parse_BadValues_SayWhatToUse(string container, int? rate, int? bits, string hint)
    {
        var e = Assert.Throws<InvalidInputException>(() => ExportFormat.Parse(container, rate, bits));
        Assert.Contains(hint, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SampleFormatFor_NoDepthGiven_FollowsTheSource()
    {
        var keep = new ExportFormat("flac");
        Assert.Equal(SampleFormat.Pcm16, keep.SampleFormatFor(Info("pcm_s16le", 16)));
        Assert.Equal(SampleFormat.Pcm24, keep.SampleFormatFor(Info("pcm_s24le", 24)));
        Assert.Equal(SampleFormat.Pcm24, keep.SampleFormatFor(Info("pcm_f32le", 32)));
        Assert.Equal(SampleFormat.Pcm16, new ExportFormat("wav", null, 16).SampleFormatFor(Info("pcm_f32le", 32)));
        Assert.Equal(SampleFormat.Float32, new ExportFormat("wav", null, 32).SampleFormatFor(Info("pcm_s16le", 16)));
    }

    [Fact]
    public void IsSatisfiedBy_SameContainerRateAndDepth_Only()
    {
        Assert.True(new ExportFormat("wav").IsSatisfiedBy("a.wav", Info("pcm_f32le", 32)));
        Assert.True(new ExportFormat("wav", 44100, 16).IsSatisfiedBy("a.WAV", Info("pcm_s16le", 16)));
        Assert.False(new ExportFormat("wav", 48000).IsSatisfiedBy("a.wav", Info("pcm_s16le", 16)));
        Assert.False(new ExportFormat("wav", null, 24).IsSatisfiedBy("a.wav", Info("pcm_s16le", 16)));
        Assert.False(new ExportFormat("wav", null, 32).IsSatisfiedBy("a.wav", Info("pcm_s32le", 32)));
        Assert.True(new ExportFormat("wav", null, 32).IsSatisfiedBy("a.wav", Info("pcm_f32le", 32)));
        Assert.False(new ExportFormat("flac").IsSatisfiedBy("a.wav", Info("pcm_s16le", 16)));
    }

    [Fact]
    public void Manifest_FieldsWithCommasQuotesOrBreaks_AreQuotedAsRfc4180Says()
    {
        var csv = StemPackExporter.Manifest([["a,b.wav", "1", "say \"hi\"", "drums", "kick", "", "Am", "0.500"], ["c.wav", "2", "two\nlines", "bass", "808", "124", "", "1.000"]]);
        Assert.Equal(
            "file,id,name,kind,category,bpm,key,duration\r\n"
            + "\"a,b.wav\",1,\"say \"\"hi\"\"\",drums,kick,,Am,0.500\r\n"
            + "c.wav,2,\"two\nlines\",bass,808,124,,1.000\r\n",
            csv);
    }

    [Fact]
    public void KeyText_StatedKeyFirst_ThenTheEstimate()
    {
        Assert.Equal("Am", StemPackExporter.KeyText(D("C", "major", "A", "minor")));
        Assert.Equal("F#", StemPackExporter.KeyText(D("F#", "major")));
        Assert.Equal("", StemPackExporter.KeyText(D()));
        Assert.Equal("", StemPackExporter.KeyText(null));
    }
}
