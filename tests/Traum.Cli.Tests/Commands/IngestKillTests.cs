using System.Diagnostics;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.TestKit;
using Xunit;

namespace Traum.Cli.Tests.Commands;

/// <summary>Kills a real <c>traum ingest</c> process with SIGKILL half-way and checks that a rerun finishes the job cleanly.</summary>
public sealed class IngestKillTests
{
    private const int Files = 240;

    [Fact]
    public async Task Ingest_KilledMidway_RerunFinishesAndCatalogMatchesFiles()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("kill");
        var src = dir.File("src");
        for (var i = 0; i < Files; i++)
        {
            var path = Path.Combine(src, $"loop{i:000}.wav");
            Directory.CreateDirectory(src);
            AudioFile.Write(path, new AudioBuffer([Signals.WhiteNoise(1.0, 44100, 0.3, seed: i + 1), Signals.Sine(50 + i, 1.0, 44100)], 44100),
                new AudioWriteOptions(SampleFormat.Pcm16));
        }
        var lib = dir.File("lib");

        using (var p = CliProcess.Start("ingest", src, "--jobs", "2", "--library", lib))
        {
            // Wait until some stems are in, then kill -9 while it is still writing.
            var db = Path.Combine(lib, Library.CatalogFileName);
            var sw = Stopwatch.StartNew();
            var seen = 0;
            while (!p.HasExited && sw.Elapsed < TimeSpan.FromMinutes(3))
            {
                await Task.Delay(50, ct);
                if (!File.Exists(db)) continue;
                try
                {
                    using var peek = CatalogStore.Open(db);
                    seen = peek.CountStems();
                }
                catch (Core.TraumException)
                {
                    continue; // created but not migrated yet
                }
                if (seen >= 10) break;
            }
            Assert.False(p.HasExited, $"ingest finished before it could be killed ({seen} stems); make the folder bigger");
            p.Kill(entireProcessTree: true); // SIGKILL
            await p.WaitForExitAsync(ct);
        }

        using (var library = Library.Open(lib))
        {
            var partial = library.Catalog.ListStems();
            Assert.InRange(partial.Count, 10, Files - 1);
            // Nothing half-written: every row's file is complete and decodes to the hash the row records.
            foreach (var s in partial)
            {
                var audio = AudioFile.Read(library.GetFullPath(s.FilePath), ct);
                Assert.Equal(s.ContentHash, ContentHasher.Of(audio));
            }
            // The killed run's job is left Running with no live owner: it counts as interrupted.
            Assert.Contains(library.Catalog.FindInterruptedJobs(), j => j.Kind == "ingest");
        }

        using (var p = CliProcess.Start("ingest", src, "--jobs", "2", "--library", lib))
        {
            var err = await p.StandardError.ReadToEndAsync(ct);
            var output = await p.StandardOutput.ReadToEndAsync(ct);
            await p.WaitForExitAsync(ct);
            Assert.True(p.ExitCode == 0, err + output);
            Assert.Contains("interrupted", err, StringComparison.Ordinal);
        }
        using (var p = CliProcess.Start("doctor", "--repair", "--grace", "0", "--library", lib))
        {
            await p.WaitForExitAsync(ct);
            Assert.Equal(0, p.ExitCode);
        }

        using var final = Library.Open(lib);
        var stems = final.Catalog.ListStems();
        Assert.Equal(Files, stems.Count);
        Assert.Equal(Files, stems.Select(s => s.ContentHash).Distinct().Count());
        var files = Directory.EnumerateFiles(final.StemsPath, "*", SearchOption.AllDirectories).Select(final.GetRelativePath).Order().ToList();
        Assert.Equal(stems.Select(s => s.FilePath).Order(), files);
        Assert.True(new LibraryDoctor(final).Run(false, new DoctorOptions(TimeSpan.Zero), ct).Healthy);
        Assert.Empty(final.Catalog.ListJobs(Core.JobState.Running));
    }
}
