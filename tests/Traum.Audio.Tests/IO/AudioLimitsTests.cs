using System.Diagnostics;
using Traum.Audio.IO;
using Traum.Core;
using Traum.TestKit;
using Xunit;

namespace Traum.Audio.Tests.IO;

public sealed class AudioLimitsTests
{
    private static string Save(TempDir dir, byte[] bytes, string name = "bomb.wav")
    {
        var path = dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Read_HeaderClaims2147483647Hz_RefusedBeforeAllocating()
    {
        using var dir = new TempDir("limits");
        var path = Save(dir, new WavBytes().Fmt(1, 1, int.MaxValue, 16).Data(new byte[2000]).ToArray());
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<AudioFormatException>(() => AudioFile.Read(path, TestContext.Current.CancellationToken));
        Assert.Contains("2147483647 Hz", e.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
    }

    [Fact]
    public void Read_HeaderClaims65535Channels_RefusedBeforeAllocating()
    {
        using var dir = new TempDir("limits");
        var path = Save(dir, new WavBytes().Fmt(1, 65535, 44100, 16).Data(new byte[524_280]).ToArray());
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<AudioFormatException>(() => AudioFile.Read(path, TestContext.Current.CancellationToken));
        Assert.Contains("65535 channels", e.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
    }

    [Fact]
    public void Read_64ChannelsWithFourFrames_AllocatesForTheFramesPresent()
    {
        using var dir = new TempDir("limits");
        var path = Save(dir, new WavBytes().Fmt(1, 64, 44100, 16).Data(new byte[4 * 64 * 2]).ToArray());
        var before = GC.GetAllocatedBytesForCurrentThread();
        var a = AudioFile.Read(path, TestContext.Current.CancellationToken);
        Assert.Equal(64, a.ChannelCount);
        Assert.Equal(4, a.Length);
        // 64 channels of one growth block each are about 1 MiB; a header-sized buffer would be far more.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20);
    }

    [Fact]
    public void Read_DataSizeClaims4GiBInA2KBFile_TruncatedWithoutAllocatingThe4GiB()
    {
        using var dir = new TempDir("limits");
        var path = Save(dir, new WavBytes().Fmt(1, 1, 44100, 16).Data(new byte[2000], sizeOverride: 0xFFFF_FFF0).ToArray());
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<AudioFormatException>(() => AudioFile.Read(path, TestContext.Current.CancellationToken));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20);
    }

    [Theory]
    [InlineData(999)]
    [InlineData(768_001)]
    public void Validate_RateOutsideRange_Refused(int rate) =>
        Assert.Throws<AudioFormatException>(() => AudioLimits.Validate("x.wav", rate, 2));

    [Theory]
    [InlineData(1_000)]
    [InlineData(768_000)]
    public void Validate_RateAtTheEdges_Accepted(int rate) => AudioLimits.Validate("x.wav", rate, AudioLimits.MaxChannels);

    [Fact]
    public void ReadAll_MoreThanTheBudget_RefusedAsTooLong()
    {
        using var dir = new TempDir("limits");
        var path = dir.File("long.wav");
        AudioFile.Write(path, new AudioBuffer([Signals.Sine(440, 2, 8000)], 8000));
        using var r = AudioFile.OpenRead(path, TestContext.Current.CancellationToken);
        var e = Assert.Throws<AudioFormatException>(() => AudioFile.ReadAll(r, maxSamples: 8000, TestContext.Current.CancellationToken));
        Assert.Contains("longer than", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenRead_Fifo_RefusedWithoutBlocking()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "no FIFOs in the file system on Windows");
        using var dir = new TempDir("limits");
        var path = dir.File("pipe.wav");
        using (var p = Process.Start(new ProcessStartInfo("mkfifo", path) { UseShellExecute = false })!)
        {
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
        }
        // Opening a FIFO for reading blocks until a writer appears; the check must refuse it first.
        var read = Task.Run(() => Assert.Throws<AudioFormatException>(() => AudioFile.OpenRead(path, TestContext.Current.CancellationToken)));
        var done = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.True(done == read, "OpenRead blocked on a FIFO");
        Assert.Contains("pipe", (await read).Message, StringComparison.Ordinal);
    }
}
