using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using Traum.Catalog;
using Traum.TestKit.Postgres;

namespace Traum.Benchmarks.Ingest;

/// <summary>
/// <c>e2e pg-workers [--n 200] [--jobs 10] [--workers 1,2] [--concurrency 1] [--loops 0.3]</c>: ingest throughput of
/// real <c>traum worker</c> processes on one PostgreSQL catalog. Writes N short synthetic stems (as <c>e2e ingest</c>)
/// split into --jobs folders, then for each worker count starts that many workers (lane ingest, --concurrency jobs
/// at once each) on a fresh database and store, queues one ingest job per folder (the parameters POST /api/ingest
/// writes) and times from the first job queued to the last one finished. Prints files/s, seconds of audio per second
/// (× real time) and the ratio of each count to one worker, beside the target (2 workers ≥ 1.7× one). Starts its
/// own PostgreSQL 17 cluster in a temporary folder (as the tests do); models come from an empty folder (no CLAP). The
/// workers' CPU time is printed too: when the machine has no idle core (load average ≥ cores), files per CPU-second
/// shows whether the work divides between the workers even where the wall time cannot.
/// </summary>
public static class PgWorkersEndToEnd
{
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var n = BenchArgs.Int(args, "--n", 200);
        var jobs = BenchArgs.Int(args, "--jobs", 10);
        var concurrency = BenchArgs.Int(args, "--concurrency", 1);
        var loopShare = double.Parse(BenchArgs.String(args, "--loops") ?? "0.3", CultureInfo.InvariantCulture);
        var counts = (BenchArgs.String(args, "--workers") ?? "1,2").Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        var dll = BenchArgs.CliDll();
        var root = Path.Combine(Path.GetTempPath(), $"traum-bench-pgworkers-{Guid.NewGuid():N}");
        PostgresCluster? cluster = null;
        var workers = new List<Process>();
        try
        {
            var src = Path.Combine(root, "src");
            var audioSeconds = IngestEndToEnd.Generate(src, n, loopShare);
            var parts = new List<string>();
            var files = Directory.GetFiles(src).Order(StringComparer.Ordinal).ToArray();
            for (var j = 0; j < jobs; j++)
            {
                var part = Path.Combine(root, "parts", j.ToString("00", CultureInfo.InvariantCulture));
                Directory.CreateDirectory(part);
                for (var i = j; i < files.Length; i += jobs) File.Copy(files[i], Path.Combine(part, Path.GetFileName(files[i])));
                parts.Add(part);
            }
            cluster = new PostgresCluster();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"pg-workers: {n} stems ({audioSeconds:F0} s of audio, {loopShare:P0} loops) in {jobs} ingest jobs; workers with --concurrency {concurrency}; {Environment.ProcessorCount} processors; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {BenchArgs.LoadAverage()}"));
            var rates = new Dictionary<int, double>();
            var busy = new Dictionary<int, double>();
            foreach (var count in counts)
            {
                var url = cluster.CreateCatalogDatabase();
                var store = Path.Combine(root, $"store-{count}");
                for (var w = 0; w < count; w++)
                {
                    workers.Add(Worker(dll, url, store, Path.Combine(root, $"lib-{count}-{w}"), Path.Combine(root, "models"), concurrency));
                }
                var wait = Stopwatch.StartNew();
                while (Scalar(url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN traum_jobs%';") < count)
                {
                    if (wait.Elapsed > TimeSpan.FromMinutes(2) || workers.Any(p => p.HasExited)) throw new InvalidOperationException("the workers did not start");
                    Thread.Sleep(100);
                }
                var loadBefore = BenchArgs.LoadAverage();
                var workerCpuBefore = workers.Sum(p => p.TotalProcessorTime.TotalSeconds);
                var pgCpuBefore = PostgresCpuSeconds(cluster);
                var ids = new List<string>();
                var sw = Stopwatch.StartNew();
                using (var submitter = Library.Open(Path.Combine(root, $"submitter-{count}"), url))
                {
                    foreach (var part in parts)
                    {
                        ids.Add(submitter.Catalog.CreateJob("ingest", JsonSerializer.Serialize(new { paths = new[] { part }, recursive = true }, new JsonSerializerOptions(JsonSerializerDefaults.Web)),
                            detached: true, maxAttempts: 3).Id);
                    }
                }
                var list = string.Join(",", ids.Select(i => $"'{i}'"));
                while (Scalar(url, $"SELECT count(*) FROM jobs WHERE id IN ({list}) AND state NOT IN ('Queued', 'Running');") < ids.Count)
                {
                    if (workers.Any(p => p.HasExited)) throw new InvalidOperationException("a worker exited");
                    Thread.Sleep(50);
                }
                var seconds = sw.Elapsed.TotalSeconds;
                var ok = Scalar(url, $"SELECT count(*) FROM jobs WHERE id IN ({list}) AND state = 'Succeeded';");
                var stems = Scalar(url, "SELECT count(*) FROM stems;");
                var cpu = workers.Sum(p => p.TotalProcessorTime.TotalSeconds);
                var pgCpu = PostgresCpuSeconds(cluster) - pgCpuBefore;
                var windowCpu = cpu - workerCpuBefore;
                foreach (var p in workers)
                {
                    p.Kill(entireProcessTree: true);
                    p.WaitForExit();
                    p.Dispose();
                }
                workers.Clear();
                rates[count] = n / seconds;
                busy[count] = (windowCpu + pgCpu) / seconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {count} worker(s): {seconds,6:F1} s, {n / seconds,6:F1} files/s, {audioSeconds / seconds,6:F1}× real time; {ok}/{ids.Count} jobs succeeded, {stems} stems; load average before {loadBefore}, after {BenchArgs.LoadAverage()}"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"      CPU while timed: workers {windowCpu:F1} s, PostgreSQL {pgCpu:F1} s = {busy[count]:F2} of {Environment.ProcessorCount} cores busy ({(windowCpu + pgCpu) / n * 1000:F0} ms of CPU per file); workers' CPU with start-up {cpu:F1} s"));
                NpgsqlConnection.ClearAllPools();
                cluster.DropDatabase(url);
            }
            if (rates.TryGetValue(1, out var one))
            {
                foreach (var (count, rate) in rates.Where(r => r.Key > 1))
                {
                    // With one worker the run kept busy[1] cores busy (worker and database together). Only
                    // processors / busy[1] times that work fits on this machine, so that (at most the worker count) is
                    // the most any number of workers can reach here, however well they divide the work.
                    var ceiling = Math.Min(count, Environment.ProcessorCount / busy[1]);
                    var ratio = rate / one;
                    var verdict = ceiling >= 1.7
                        ? (ratio >= 1.7 ? "PASS" : "FAIL")
                        : $"the CPUs do not allow 1.7× here; {ratio / ceiling:P0} of what they allow";
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {count} workers / 1 worker: {ratio:F2}×; CPU ceiling {ceiling:F2}× ({Environment.ProcessorCount} processors / {busy[1]:F2} cores busy with one worker); target for 2: ≥ 1.7× when the CPUs allow: {verdict}"));
                }
            }
            return 0;
        }
        finally
        {
            foreach (var p in workers)
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                p.Dispose();
            }
            NpgsqlConnection.ClearAllPools();
            cluster?.Dispose();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }
    }

    /// <summary>
    /// CPU seconds used so far by the cluster: the postmaster and its live children (backends, checkpointer, WAL
    /// writer...) from /proc, plus what the postmaster's children that have exited used (its cutime and cstime).
    /// </summary>
    private static double PostgresCpuSeconds(PostgresCluster cluster)
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(cluster.Folder, "data", "postmaster.pid")).First().Trim(), CultureInfo.InvariantCulture);
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid)) continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue; // Exited meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            // Fields after the command (which may hold spaces) start at state: ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
            var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ppid = int.Parse(f[1], CultureInfo.InvariantCulture);
            if (pid == postmaster)
            {
                ticks += long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)
                    + long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture);
            }
            else if (ppid == postmaster)
            {
                ticks += long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
            }
        }
        return ticks / (double)ClockTicksPerSecond;
    }

    /// <summary>The kernel's USER_HZ, the unit of the times in /proc/PID/stat.</summary>
    private static readonly long ClockTicksPerSecond = Math.Max(1, SysConf(2 /* _SC_CLK_TCK */));

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "sysconf")]
    private static extern long SysConf(int name);

    private static Process Worker(string dll, string url, string store, string library, string models, int concurrency)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "worker", "--lanes", "ingest", "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture), "--catalog", url, "--store", store, "--library", library })
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["TRAUM_MODELS"] = models;
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static long Scalar(string url, string sql)
    {
        var u = new Uri(url);
        var user = Uri.UnescapeDataString(u.UserInfo.Split(':')[0]);
        var password = Uri.UnescapeDataString(u.UserInfo.Split(':')[1]);
        using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = u.Host, Port = u.Port, Username = user, Password = password, Database = u.AbsolutePath.Trim('/'), Pooling = false,
        }.ConnectionString);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
