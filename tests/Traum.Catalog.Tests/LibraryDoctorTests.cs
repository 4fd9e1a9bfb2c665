using Traum.Core;
using Traum.TestKit;
using static Traum.Catalog.Tests.CatalogFixtures;

namespace Traum.Catalog.Tests;

public sealed class LibraryDoctorTests
{
    private static readonly DoctorOptions NoGrace = new(TimeSpan.Zero);

    [Fact]
    public void Run_HealthyLibrary_FindsNothing()
    {
        using var dir = new TempDir("doctor");
        using var lib = Library.Open(dir.File("lib"));
        File.WriteAllBytes(dir.File("a.wav"), [1, 2]);
        var stem = lib.Catalog.AddStem(Stem(1, file: lib.StoreStemFile(dir.File("a.wav"), Hash(1))));
        lib.Catalog.SetDescriptors(stem.Id, Descriptors()); // as ingest writes them
        var report = new LibraryDoctor(lib).Run(repair: false, NoGrace, TestContext.Current.CancellationToken);
        Assert.True(report.Healthy, string.Join(", ", report.OrphanFiles.Concat(report.TempFiles)));
    }

    [Fact]
    public void Run_CrashBetweenFileAndRow_ReportsAndRepairsOrphan()
    {
        using var dir = new TempDir("doctor");
        using var lib = Library.Open(dir.File("lib"));
        File.WriteAllBytes(dir.File("a.wav"), [1, 2]);
        File.WriteAllBytes(dir.File("b.wav"), [3, 4]);
        var kept = lib.StoreStemFile(dir.File("a.wav"), Hash(1));
        lib.Catalog.SetDescriptors(lib.Catalog.AddStem(Stem(1, file: kept)).Id, Descriptors());
        var orphan = lib.StoreStemFile(dir.File("b.wav"), Hash(2)); // the process "dies" before AddStem
        var temp = Path.Combine(lib.StemsPath, "ab", ".traum-x.wav.123.tmp"); // and a write that never finished
        Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
        File.WriteAllBytes(temp, [9]);

        var report = new LibraryDoctor(lib).Run(repair: false, NoGrace, TestContext.Current.CancellationToken);
        Assert.Equal(new[] { orphan }, report.OrphanFiles);
        Assert.Equal(new[] { "stems/ab/.traum-x.wav.123.tmp" }, report.TempFiles);
        Assert.True(File.Exists(lib.GetFullPath(orphan))); // report only

        var repaired = new LibraryDoctor(lib).Run(repair: true, NoGrace, TestContext.Current.CancellationToken);
        Assert.Equal(2, repaired.ProblemCount);
        Assert.False(File.Exists(lib.GetFullPath(orphan)));
        Assert.False(File.Exists(temp));
        Assert.True(File.Exists(lib.GetFullPath(kept)));
        Assert.True(new LibraryDoctor(lib).Run(repair: false, NoGrace, TestContext.Current.CancellationToken).Healthy);
    }

    [Fact]
    public void Run_RowWithoutFile_RepairDeletesRow()
    {
        using var dir = new TempDir("doctor");
        using var lib = Library.Open(dir.File("lib"));
        var ghost = lib.Catalog.AddStem(Stem(1));
        var report = new LibraryDoctor(lib).Run(repair: true, NoGrace, TestContext.Current.CancellationToken);
        Assert.Equal(new[] { ghost.Id }, report.MissingStemFiles.Select(s => s.Id));
        Assert.Null(lib.Catalog.GetStem(ghost.Id));
    }

    [Fact]
    public void Run_RecentOrphan_IsLeftAloneDuringGracePeriod()
    {
        using var dir = new TempDir("doctor");
        using var lib = Library.Open(dir.File("lib"));
        File.WriteAllBytes(dir.File("b.wav"), [3, 4]);
        var orphan = lib.StoreStemFile(dir.File("b.wav"), Hash(2));
        var report = new LibraryDoctor(lib).Run(repair: true, new DoctorOptions(TimeSpan.FromHours(1)), TestContext.Current.CancellationToken);
        Assert.Empty(report.OrphanFiles);
        Assert.True(File.Exists(lib.GetFullPath(orphan)));
    }

    [Fact]
    public void Run_JobOfDeadProcess_IsMarkedInterruptedOnRepair()
    {
        using var dir = new TempDir("doctor");
        using var lib = Library.Open(dir.File("lib"));
        var job = lib.Catalog.CreateJob("ingest");
        lib.Catalog.StartJob(job.Id);
        using (var c = lib.Store.Connect())
        {
            CatalogStore.Exec(c, null, "UPDATE jobs SET owner = 'gone' WHERE id = $id;", ("$id", job.Id));
        }
        var check = new LibraryDoctor(lib).Run(repair: false, NoGrace, TestContext.Current.CancellationToken);
        Assert.Equal(new[] { job.Id }, check.InterruptedJobs.Select(j => j.Id));
        Assert.Equal(JobState.Running, lib.Catalog.GetJob(job.Id)!.State);
        new LibraryDoctor(lib).Run(repair: true, NoGrace, TestContext.Current.CancellationToken);
        Assert.Equal(JobState.Interrupted, lib.Catalog.GetJob(job.Id)!.State);
    }
}

public sealed class LibraryDoctorGraceTests
{
    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
    }

    [Fact]
    public void Run_StoredCopyOfAnOldSource_LeftAloneForTheGracePeriod()
    {
        using var dir = new TempDir("doctor");
        using var lib = Library.Open(dir.File("lib"));
        var source = dir.File("old.wav");
        File.WriteAllBytes(source, [1, 2, 3]);
        File.SetLastWriteTimeUtc(source, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc)); // a sample from years ago
        var stored = lib.StoreStemFile(source, Hash(1)); // an ingest stored it and is analysing before adding the row

        var during = new LibraryDoctor(lib).Run(repair: true, new DoctorOptions(), TestContext.Current.CancellationToken);
        Assert.Empty(during.OrphanFiles);
        Assert.True(File.Exists(lib.GetFullPath(stored)));

        // Past the grace period a file without a row is an orphan again.
        var later = new LibraryDoctor(lib, new ShiftedTime(TimeSpan.FromHours(1))).Run(repair: true, new DoctorOptions(), TestContext.Current.CancellationToken);
        Assert.Equal(new[] { stored }, later.OrphanFiles);
        Assert.False(File.Exists(lib.GetFullPath(stored)));
    }

    [Fact]
    public void Run_ReusedStoredFile_TouchedSoNotAnOrphan()
    {
        using var dir = new TempDir("doctor");
        using var lib = Library.Open(dir.File("lib"));
        var source = dir.File("a.wav");
        File.WriteAllBytes(source, [1, 2, 3]);
        var stored = lib.StoreStemFile(source, Hash(1));
        var full = lib.GetFullPath(stored);
        File.SetLastWriteTimeUtc(full, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc)); // an orphan from a crash long ago
        Assert.Equal(stored, lib.StoreStemFile(source, Hash(1))); // a new ingest of the same sound reuses it

        var report = new LibraryDoctor(lib).Run(repair: true, new DoctorOptions(), TestContext.Current.CancellationToken);
        Assert.Empty(report.OrphanFiles);
        Assert.True(File.Exists(full));
    }

    [Fact]
    public void CopyContent_FromAnOldSource_TheCopyHasItsOwnWriteTime()
    {
        // The store's temporary copy must not take its source's write time: by that time a copy in progress from a
        // sample of 2020 would look like a crash's leftover, and the doctor would remove it under the writer.
        using var dir = new TempDir("doctor");
        var source = dir.File("old.wav");
        File.WriteAllBytes(source, [1, 2, 3, 4]);
        File.SetLastWriteTimeUtc(source, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var before = DateTime.UtcNow.AddSeconds(-5);

        var copy = dir.File(".traum-x.wav.1.tmp");
        AtomicFile.CopyContent(source, copy);

        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(copy));
        Assert.True(File.GetLastWriteTimeUtc(copy) >= before, $"the copy's write time is {File.GetLastWriteTimeUtc(copy):O}");
    }
}

public sealed class LibraryDoctorLeftoverTests
{
    private static readonly DoctorOptions NoGrace = new(TimeSpan.Zero);

    [Fact]
    public void Run_LeftoversOfKilledUploadsAndGenerations_ReportedAndRemovedButWaitingUploadsKept()
    {
        using var dir = new TempDir("doctor");
        using var lib = Library.Open(dir.File("lib"));
        Directory.CreateDirectory(lib.UploadsPath);
        var killed = Path.Combine(lib.UploadsPath, "0123456789abcdef0123456789abcdef.upload");       // the server died mid-upload
        File.WriteAllBytes(killed, new byte[1000]);
        var refused = Path.Combine(lib.UploadsPath, "fedcba9876543210fedcba9876543210");             // an empty folder of a refused upload
        Directory.CreateDirectory(refused);
        var waiting = Path.Combine(lib.UploadsPath, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "Song.flac"); // a queued job still needs it
        Directory.CreateDirectory(Path.GetDirectoryName(waiting)!);
        File.WriteAllBytes(waiting, [1, 2, 3]);
        lib.Catalog.CreateJob("separate", $"{{\"path\":\"{waiting.Replace("\\", "\\\\", StringComparison.Ordinal)}\"}}", detached: true);
        var generated = Path.Combine(lib.GeneratedPath, "bass", "bass-v1-random-1-01-g7.wav");     // generated but never ingested
        Directory.CreateDirectory(Path.GetDirectoryName(generated)!);
        File.WriteAllBytes(generated, [4, 5]);

        var report = new LibraryDoctor(lib).Run(repair: false, NoGrace, TestContext.Current.CancellationToken);
        Assert.Equal(
            new[] { "generated/bass/bass-v1-random-1-01-g7.wav", "uploads/0123456789abcdef0123456789abcdef.upload", "uploads/fedcba9876543210fedcba9876543210/" },
            report.LeftoverFiles.Order());
        Assert.False(report.Healthy);

        var repaired = new LibraryDoctor(lib).Run(repair: true, NoGrace, TestContext.Current.CancellationToken);
        Assert.Equal(3, repaired.LeftoverFiles.Count);
        Assert.False(File.Exists(killed));
        Assert.False(Directory.Exists(refused));
        Assert.False(File.Exists(generated));
        Assert.True(File.Exists(waiting));
        Assert.True(new LibraryDoctor(lib).Run(repair: false, NoGrace, TestContext.Current.CancellationToken).Healthy);
    }

    [Fact]
    public void Run_StemWithoutDescriptors_Reported()
    {
        using var dir = new TempDir("doctor");
        using var lib = Library.Open(dir.File("lib"));
        File.WriteAllBytes(dir.File("a.wav"), [1, 2]);
        var stem = lib.Catalog.AddStem(Stem(1, file: lib.StoreStemFile(dir.File("a.wav"), Hash(1))));
        var report = new LibraryDoctor(lib).Run(repair: false, NoGrace, TestContext.Current.CancellationToken);
        Assert.Equal(new[] { stem.Id }, report.StemsWithoutDescriptors);
        lib.Catalog.SetDescriptors(stem.Id, Descriptors());
        Assert.True(new LibraryDoctor(lib).Run(repair: false, NoGrace, TestContext.Current.CancellationToken).Healthy);
    }
}
