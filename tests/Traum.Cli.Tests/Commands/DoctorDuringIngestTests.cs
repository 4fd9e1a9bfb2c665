using System.Diagnostics;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.TestKit;
using Xunit;

namespace Traum.Cli.Tests.Commands;

/// <summary><c>traum doctor --repair</c> run while a real <c>traum ingest</c> process stores old samples loses nothing.</summary>
public sealed class DoctorDuringIngestTests
{
    private const int Files = 160;

    [Fact]
    public async Task DoctorRepair_DuringIngestOfOldFiles_DeletesNothingIngestWrites()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("doctor-race");
        var src = dir.File("src");
        Directory.CreateDirectory(src);
        for (var i = 0; i < Files; i++)
        {
            var path = Path.Combine(src, $"hit{i:000}.wav");
            AudioFile.Write(path, new AudioBuffer([Signals.WhiteNoise(0.6, 44100, 0.3, seed: i + 1), Signals.Sine(60 + i, 0.6, 44100)], 44100),
                new AudioWriteOptions(SampleFormat.Pcm16));
            // Samples from years ago: a copy keeps this time, which used to make fresh stems look like orphans.
            File.SetLastWriteTimeUtc(path, new DateTime(2019, 5, 1, 0, 0, 0, DateTimeKind.Utc));
        }
        var lib = dir.File("lib");
        var db = Path.Combine(lib, Library.CatalogFileName);

        using var ingest = CliProcess.Start("ingest", src, "--jobs", "2", "--library", lib);
        var doctorRuns = 0;
        var sw = Stopwatch.StartNew();
        while (!ingest.HasExited && sw.Elapsed < TimeSpan.FromMinutes(4))
        {
            await Task.Delay(100, ct);
            if (!File.Exists(db)) continue;
            using var doctor = CliProcess.Start("doctor", "--repair", "--library", lib); // the default grace period
            await doctor.StandardOutput.ReadToEndAsync(ct);
            await doctor.WaitForExitAsync(ct);
            doctorRuns++;
        }
        var ingestOut = await ingest.StandardOutput.ReadToEndAsync(ct);
        var ingestErr = await ingest.StandardError.ReadToEndAsync(ct);
        await ingest.WaitForExitAsync(ct);
        Assert.True(ingest.ExitCode == 0, ingestErr + ingestOut);
        Assert.True(doctorRuns > 0, "ingest finished before the doctor could run");

        using var final = Library.Open(lib);
        var stems = final.Catalog.ListStems();
        Assert.Equal(Files, stems.Count);
        Assert.All(stems, s => Assert.True(File.Exists(final.GetFullPath(s.FilePath)), $"stem {s.Id} lost its file {s.FilePath}"));
        Assert.True(new LibraryDoctor(final).Run(false, new DoctorOptions(TimeSpan.Zero), ct).Healthy);
    }
}
