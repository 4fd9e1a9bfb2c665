using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Ingest;
using Traum.Engine.Jobs;
using Traum.TestKit;
using static Traum.Engine.Tests.Ingest.IngestTestKit;

namespace Traum.Engine.Tests.Ingest;

public sealed class IngestServiceTests : IDisposable
{
    private readonly TempDir _dir = new("ingest-batch");
    private readonly Library _lib;

    public IngestServiceTests() => _lib = Library.Open(_dir.File("lib"));

    public void Dispose()
    {
        _lib.Dispose();
        _dir.Dispose();
    }

    private IngestService Service() => new(new StemIngester(_lib, [new DescriptorStemAnalyzer(FakeDescribe)]));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string MakeFolder(int n)
    {
        var root = _dir.File("samples");
        for (var i = 0; i < n; i++) WriteSound(Path.Combine(root, i % 2 == 0 ? "Kicks" : "Pads", $"s{i:000}.wav"), i);
        File.WriteAllText(Path.Combine(root, "readme.txt"), "not audio"); // ignored in folders: not an audio extension
        WriteSound(Path.Combine(root, "top.wav"), 1000);
        return root;
    }

    [Fact]
    public async Task RunAsync_FolderTwice_SecondRunAddsNothing()
    {
        var root = MakeFolder(12);
        var first = await Service().RunAsync(new IngestRequest([root]) { Recursive = true, Jobs = 3 }, null, Ct);
        Assert.Equal((13, 13, 0, 0), (first.Files, first.Added, first.Duplicates, first.Failed));
        Assert.Equal(13 * 0.25, first.AudioSeconds, 6);
        var second = await Service().RunAsync(new IngestRequest([root]) { Recursive = true, Jobs = 3 }, null, Ct);
        Assert.Equal((13, 0, 13, 0), (second.Files, second.Added, second.Duplicates, second.Failed));
        Assert.Equal(13, _lib.Catalog.CountStems());
        Assert.Equal(6, _lib.Catalog.CountStems(new StemQuery { Category = "kick" }) - 0); // s000, s002, … s010 are under Kicks/
        Assert.Equal(6, _lib.Catalog.CountStems(new StemQuery { Category = "pad" }));
    }

    [Fact]
    public async Task RunAsync_NotRecursive_TakesOnlyTopLevelFiles()
    {
        var root = MakeFolder(4);
        var s = await Service().RunAsync(new IngestRequest([root]) { Jobs = 2 }, null, Ct);
        Assert.Equal(1, s.Added);
        Assert.Equal("top", _lib.Catalog.ListStems().Single().Name);
    }

    [Fact]
    public async Task RunAsync_BadFilesAmongGood_ReportsEachAndIngestsTheRest()
    {
        var root = MakeFolder(3);
        File.WriteAllBytes(Path.Combine(root, "broken.wav"), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
        File.WriteAllBytes(Path.Combine(root, "zero.flac"), []);
        var missing = _dir.File("does-not-exist");
        var s = await Service().RunAsync(new IngestRequest([root, missing]) { Recursive = true, Jobs = 2 }, null, Ct);
        Assert.Equal(4, s.Added);
        Assert.Equal(3, s.Failed);
        Assert.Equal(
            new[] { missing, Path.Combine(root, "broken.wav"), Path.Combine(root, "zero.flac") }.Order(),
            s.Failures.Select(f => f.Path).Order());
        Assert.All(s.Failures, f => Assert.False(string.IsNullOrWhiteSpace(f.Reason)));
    }

    [Fact]
    public async Task RunAsync_Progress_CountsEveryFile()
    {
        var root = MakeFolder(6);
        var reports = new List<ProgressInfo>();
        var progress = new SyncProgress(reports);
        await Service().RunAsync(new IngestRequest([root]) { Recursive = true, Jobs = 2 }, progress, Ct);
        Assert.Equal(7, reports[^1].Done);
        Assert.Equal(7, reports[^1].Total);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (double)i), reports.Select(r => r.Done));
        Assert.Contains("s of audio", reports[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsJobAsync_Batch_RecordsSucceededJobWithSummary()
    {
        var root = MakeFolder(2);
        var runner = new JobRunner(_lib.Catalog) { ProgressInterval = TimeSpan.Zero };
        var s = await Service().RunAsJobAsync(runner, new IngestRequest([root]) { Recursive = true }, null, Ct);
        var job = _lib.Catalog.ListJobs(kind: "ingest").Single();
        Assert.Equal(JobState.Succeeded, job.State);
        Assert.Equal(1.0, job.Progress);
        Assert.Contains("\"added\":3", job.Result, StringComparison.Ordinal);
        Assert.Contains("samples", job.Parameters, StringComparison.Ordinal);
        Assert.Equal(3, s.Added);
    }

    [Fact]
    public async Task RunAsync_Cancelled_LeavesOnlyWholeStems()
    {
        var root = MakeFolder(30);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var progress = new SyncProgress([], p => { if (p.Done >= 5) cts.Cancel(); });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Service().RunAsync(new IngestRequest([root]) { Recursive = true, Jobs = 2 }, progress, cts.Token));
        var n = _lib.Catalog.CountStems();
        Assert.InRange(n, 5, 30);
        Assert.True(new LibraryDoctor(_lib).Run(repair: false, new DoctorOptions(TimeSpan.Zero), Ct).Healthy);
        var rest = await Service().RunAsync(new IngestRequest([root]) { Recursive = true, Jobs = 2 }, null, Ct);
        Assert.Equal(31 - n, rest.Added);
        Assert.Equal(31, _lib.Catalog.CountStems());
    }

    [Fact]
    public async Task RunAsync_LibraryCannotStoreFiles_StopsWithClearErrorAndAddsNoRows()
    {
        var root = MakeFolder(20);
        // The stems folder is replaced by a file: every store fails, as on a full or read-only disk.
        Directory.Delete(_lib.StemsPath, recursive: true);
        File.WriteAllText(_lib.StemsPath, "in the way");
        var e = await Assert.ThrowsAsync<TraumException>(() => Service().RunAsync(new IngestRequest([root]) { Recursive = true, Jobs = 2 }, null, Ct));
        Assert.Contains("cannot store the file", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, _lib.Catalog.CountStems());
    }

    private sealed class SyncProgress(List<ProgressInfo> sink, Action<ProgressInfo>? also = null) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value)
        {
            lock (sink) sink.Add(value);
            also?.Invoke(value);
        }
    }
}
