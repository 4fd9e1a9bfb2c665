using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.TestKit;
using Traum.TestKit.Postgres;
using Xunit;

namespace Traum.Cli.Tests.Commands;

/// <summary>
/// Faults of <c>traum worker</c> processes on one PostgreSQL catalog and store: a worker killed with SIGKILL mid-ingest
/// and mid-separation (another worker finishes the job after the lease expires), PostgreSQL restarted during an ingest,
/// and a worker older than the catalog's schema. Jobs are queued through the catalog's job port with the parameters
/// the server's POST /api/ingest and /api/separate write. Checked against the database rows, the content hashes of
/// the files in the store and the job records.
/// </summary>
public sealed class PostgresWorkerFaultTests(PostgresCluster cluster) : IDisposable
{
    private const int Files = 40;

    private readonly TempDir _dir = new("pg-faults");
    private readonly List<Process> _workers = [];
    private readonly List<(PostgresCluster Cluster, string Url)> _databases = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        foreach (var p in _workers)
        {
            try
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                p.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
                // Never started or already reaped.
            }
            p.Dispose();
        }
        NpgsqlConnection.ClearAllPools();
        foreach (var (c, url) in _databases)
        {
            try
            {
                c.DropDatabase(url);
            }
            catch (NpgsqlException)
            {
                // The cluster is gone already.
            }
        }
        _dir.Dispose();
    }

    private string NewCatalog(PostgresCluster on)
    {
        var url = on.CreateCatalogDatabase();
        _databases.Add((on, url));
        return url;
    }

    /// <summary>A real <c>traum worker</c> process with short leases (3 s, heartbeat 0.5 s) and its own library folder.</summary>
    private Worker StartWorker(string url, string store, string name, string lanes, IReadOnlyDictionary<string, string>? env = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "traum.dll");
        Assert.True(File.Exists(dll), $"the CLI was not built next to the tests ({dll})");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "worker", "--lanes", lanes, "--concurrency", "1", "--catalog", url, "--store", store, "--library", _dir.File(name) }) psi.ArgumentList.Add(a);
        psi.Environment["TRAUM_jobs__lease"] = "00:00:03";
        psi.Environment["TRAUM_jobs__heartbeat"] = "00:00:00.5";
        psi.Environment["TRAUM_jobs__pollInterval"] = "00:00:00.5";
        psi.Environment["TRAUM_MODELS"] = _dir.File("models");
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        _workers.Add(p);
        var w = new Worker(name, p);
        p.OutputDataReceived += (_, e) => w.Append(e.Data);
        p.ErrorDataReceived += (_, e) => w.Append(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return w;
    }

    private sealed class Worker(string name, Process process)
    {
        private readonly StringBuilder _log = new();

        public Process Process { get; } = process;

        public void Append(string? line)
        {
            if (line is null) return;
            lock (_log) _log.AppendLine(line);
        }

        public string Log
        {
            get
            {
                lock (_log) return $"--- {name} ---\n{_log}";
            }
        }

        public bool Started => Log.Contains("running", StringComparison.Ordinal);
    }

    private static NpgsqlConnection Open(string url)
    {
        var u = new Uri(url);
        var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = u.Host, Port = u.Port, Username = "postgres", Password = PostgresCluster.Password, Database = u.AbsolutePath.Trim('/'), Pooling = false,
        }.ConnectionString);
        c.Open();
        return c;
    }

    private static T Scalar<T>(string url, string sql)
    {
        using var c = Open(url);
        using var cmd = new NpgsqlCommand(sql, c);
        return (T)Convert.ChangeType(cmd.ExecuteScalar()!, typeof(T), CultureInfo.InvariantCulture);
    }

    /// <summary>Scalar, or null while the server cannot be reached (it is restarting).</summary>
    private static long? TryCount(string url, string sql)
    {
        try
        {
            return Scalar<long>(url, sql);
        }
        catch (NpgsqlException)
        {
            return null;
        }
    }

    private static async Task Until(Func<bool> condition, TimeSpan wait, Func<string> why)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(sw.Elapsed < wait, why());
            await Task.Delay(100, Ct);
        }
    }

    private string WriteFolder(string name, int files, double seconds)
    {
        var src = _dir.File(name);
        Directory.CreateDirectory(src);
        for (var i = 0; i < files; i++)
        {
            AudioFile.Write(Path.Combine(src, $"loop{i:000}.wav"),
                new AudioBuffer([Signals.WhiteNoise(seconds, 44100, 0.3, seed: i + 1), Signals.Sine(50 + (7 * i), seconds, 44100)], 44100),
                new AudioWriteOptions(SampleFormat.Pcm16));
        }
        return src;
    }

    /// <summary>Queues a job as the server's POST endpoints do (detached, for any worker of its lane).</summary>
    private string Queue(string url, string kind, object parameters)
    {
        using var submitter = Library.Open(_dir.File("submitter-" + Guid.NewGuid().ToString("N")[..6]), url);
        return submitter.Catalog.CreateJob(kind, JsonSerializer.Serialize(parameters, new JsonSerializerOptions(JsonSerializerDefaults.Web)), detached: true, maxAttempts: 3).Id;
    }

    private static JobState State(string url, string id) => Enum.Parse<JobState>(Scalar<string>(url, $"SELECT state FROM jobs WHERE id = '{id}';"));

    /// <summary>No duplicate rows or files: one stem per content hash, and the store's stem files are exactly the rows' files, each decoding to its row's hash.</summary>
    private static void AssertStoreMatchesCatalog(string url, string store, int expectedStems)
    {
        Assert.Equal(expectedStems, Scalar<long>(url, "SELECT count(*) FROM stems;"));
        Assert.Equal(expectedStems, Scalar<long>(url, "SELECT count(DISTINCT content_hash) FROM stems;"));
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var c = Open(url))
        using (var cmd = new NpgsqlCommand("SELECT file_path, content_hash FROM stems;", c))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read()) rows.Add(r.GetString(0), r.GetString(1));
        }
        var stemsDir = Path.Combine(store, "stems");
        var files = Directory.EnumerateFiles(stemsDir, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(AtomicFile.TempSuffix, StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(store, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(rows.Keys.Order(StringComparer.Ordinal).ToList(), files);
        foreach (var (path, hash) in rows) Assert.Equal(hash, ContentHasher.Of(AudioFile.Read(Path.Combine(store, path))));
    }

    [Fact]
    public async Task WorkerKilledMidIngest_AnotherWorkerFinishesTheJobOnce_NoDuplicateStemsOrFiles()
    {
        var url = NewCatalog(cluster);
        var store = _dir.File("store");
        var src = WriteFolder("src", Files, seconds: 3);
        var a = StartWorker(url, store, "worker-a", "ingest");
        var job = Queue(url, "ingest", new { paths = new[] { src }, recursive = true });
        await Until(() => Scalar<long>(url, "SELECT count(*) FROM stems;") >= 3 || a.Process.HasExited, TimeSpan.FromMinutes(3), () => a.Log);
        Assert.False(a.Process.HasExited, a.Log);
        var b = StartWorker(url, store, "worker-b", "ingest");
        await Until(() => b.Started, TimeSpan.FromMinutes(1), () => b.Log);
        var before = Scalar<long>(url, "SELECT count(*) FROM stems;");
        Assert.True(before < Files, $"worker A finished ({before} stems) before it could be killed; make the folder bigger");

        a.Process.Kill(entireProcessTree: true); // SIGKILL, mid-file
        await a.Process.WaitForExitAsync(Ct);
        await Until(() => State(url, job) is not (JobState.Queued or JobState.Running), TimeSpan.FromMinutes(4), () => a.Log + b.Log);

        Assert.True(State(url, job) == JobState.Succeeded, a.Log + b.Log);
        Assert.Equal(2, Scalar<int>(url, $"SELECT attempts FROM jobs WHERE id = '{job}';")); // A's claim, then B's take-over
        Assert.Equal(1, Scalar<long>(url, "SELECT count(*) FROM jobs WHERE kind = 'ingest';"));
        using (var result = JsonDocument.Parse(Scalar<string>(url, $"SELECT result FROM jobs WHERE id = '{job}';")))
        {
            Assert.Equal(Files, result.RootElement.GetProperty("stemIds").GetArrayLength());
            Assert.Equal(0, result.RootElement.GetProperty("failed").GetArrayLength());
        }
        AssertStoreMatchesCatalog(url, store, Files);
        Assert.Equal(0, Scalar<long>(url, "SELECT count(*) FROM tracks;"));
    }

    [Fact]
    public async Task WorkerKilledMidSeparation_AnotherWorkerFinishesIt_OneTrackAndOneSetOfStems()
    {
        var url = NewCatalog(cluster);
        var store = _dir.File("store");
        var upload = _dir.File("upload");
        Directory.CreateDirectory(upload);
        var mix = Path.Combine(upload, "mix.wav");
        const double seconds = 240;
        AudioFile.Write(mix, new AudioBuffer([Signals.PinkNoise(seconds, 44100, 0.3, seed: 3), Signals.Sine(110, seconds, 44100, 0.3)], 44100),
            new AudioWriteOptions(SampleFormat.Pcm16));
        var env = new Dictionary<string, string> { ["TRAUM_models__demucs__path"] = Path.Combine(CliRoot(), "tests", "fixtures", "demucs", "time4") };
        var a = StartWorker(url, store, "worker-a", "separate", env);
        var job = Queue(url, "separate", new { path = mix, name = "mix" });
        // Killed while it separates: running, some progress, no stems yet.
        await Until(() => Scalar<double>(url, $"SELECT progress FROM jobs WHERE id = '{job}';") > 0 || a.Process.HasExited, TimeSpan.FromMinutes(3), () => a.Log);
        var b = StartWorker(url, store, "worker-b", "separate", env);
        await Until(() => b.Started, TimeSpan.FromMinutes(1), () => b.Log);
        Assert.True(State(url, job) == JobState.Running, $"worker A finished the separation before it could be killed\n{a.Log}");

        a.Process.Kill(entireProcessTree: true);
        await a.Process.WaitForExitAsync(Ct);
        await Until(() => State(url, job) is not (JobState.Queued or JobState.Running), TimeSpan.FromMinutes(5), () => a.Log + b.Log);

        Assert.True(State(url, job) == JobState.Succeeded, a.Log + b.Log);
        Assert.Equal(2, Scalar<int>(url, $"SELECT attempts FROM jobs WHERE id = '{job}';"));
        Assert.Equal(1, Scalar<long>(url, "SELECT count(*) FROM tracks;"));
        Assert.Equal(1, Directory.EnumerateFiles(Path.Combine(store, "tracks"), "*", SearchOption.AllDirectories).Count(f => !f.EndsWith(AtomicFile.TempSuffix, StringComparison.Ordinal)));
        // One set of stems (the fixture model's four sources), all of the one track.
        AssertStoreMatchesCatalog(url, store, 4);
        Assert.Equal(4, Scalar<long>(url, "SELECT count(*) FROM stems WHERE track_id = (SELECT id FROM tracks);"));
        Assert.Equal(4, Scalar<long>(url, "SELECT count(DISTINCT kind) FROM stems;"));
    }

    [Fact]
    public async Task PostgresRestartedDuringIngest_WorkersReconnectAndFinish_NoDuplicates()
    {
        // A cluster of this test's own: restarting the assembly's would break the tests running beside it.
        using var own = new PostgresCluster();
        var url = NewCatalog(own);
        var store = _dir.File("store");
        var src = WriteFolder("src", Files, seconds: 3);
        var a = StartWorker(url, store, "worker-a", "ingest");
        var b = StartWorker(url, store, "worker-b", "ingest");
        const string listening = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN traum_jobs%';";
        await Until(() => a.Started && b.Started && Scalar<long>(url, listening) >= 2, TimeSpan.FromMinutes(1), () => a.Log + b.Log);
        // Two jobs, so both workers are busy when the server goes away.
        var half = Files / 2;
        var first = _dir.File("first");
        var second = _dir.File("second");
        Directory.CreateDirectory(first);
        Directory.CreateDirectory(second);
        foreach (var f in Directory.GetFiles(src).Order(StringComparer.Ordinal).Select((f, i) => (f, i)))
        {
            File.Move(f.f, Path.Combine(f.i < half ? first : second, Path.GetFileName(f.f)));
        }
        var jobs = new[] { Queue(url, "ingest", new { paths = new[] { first } }), Queue(url, "ingest", new { paths = new[] { second } }) };
        await Until(() => Scalar<long>(url, "SELECT count(*) FROM stems;") >= 4, TimeSpan.FromMinutes(3), () => a.Log + b.Log);
        Assert.True(Scalar<long>(url, "SELECT count(*) FROM stems;") < Files, "the ingest finished before the restart; make the folder bigger");

        own.Stop();
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        own.Start();

        await Until(() => jobs.All(j => TryCount(url, $"SELECT count(*) FROM jobs WHERE id = '{j}' AND state NOT IN ('Queued', 'Running');") == 1),
            TimeSpan.FromMinutes(4), () => a.Log + b.Log);
        foreach (var j in jobs) Assert.True(State(url, j) == JobState.Succeeded, $"job {j}: {Scalar<string>(url, $"SELECT coalesce(error, '') || ' / ' || coalesce(message, '') FROM jobs WHERE id = '{j}';")}\n{a.Log}{b.Log}");
        Assert.Equal(2, Scalar<long>(url, "SELECT count(*) FROM jobs WHERE kind = 'ingest';"));
        foreach (var j in jobs)
        {
            using var result = JsonDocument.Parse(Scalar<string>(url, $"SELECT result FROM jobs WHERE id = '{j}';"));
            Assert.Equal(half, result.RootElement.GetProperty("stemIds").GetArrayLength());
            Assert.Equal(0, result.RootElement.GetProperty("failed").GetArrayLength());
        }
        AssertStoreMatchesCatalog(url, store, Files);
        // Both workers listen again after the restart.
        await Until(() => Scalar<long>(url, listening) >= 2, TimeSpan.FromMinutes(1), () => a.Log + b.Log);
        Assert.False(a.Process.HasExited || b.Process.HasExited, a.Log + b.Log);
    }

    [Fact]
    public async Task Worker_CatalogOfANewerSchema_RefusesToStartWithOneLine()
    {
        var url = NewCatalog(cluster);
        cluster.Admin("INSERT INTO traum_schema_version (version, applied_at) VALUES (99, now());", url[(url.LastIndexOf('/') + 1)..]);
        var w = StartWorker(url, _dir.File("store"), "old-worker", "ingest");
        await w.Process.WaitForExitAsync(Ct);
        Assert.Equal(1, w.Process.ExitCode);
        Assert.Contains("schema version 99", w.Log, StringComparison.Ordinal);
        Assert.Contains("update Traum on this machine", w.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("running", w.Log, StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresCluster.Password, w.Log, StringComparison.Ordinal);
    }

    private static string CliRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Traum.slnx"))) d = d.Parent;
        return d!.FullName;
    }
}
