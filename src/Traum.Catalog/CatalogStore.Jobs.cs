using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Traum.Core;

namespace Traum.Catalog;

public sealed partial class CatalogStore
{
    private const string JobColumns = "id, kind, state, progress, message, error, parameters, result, created_at, started_at, finished_at";

    /// <summary>This process, as written in a running job's owner column: host, pid and process start time.</summary>
    internal static string CurrentOwner => JobOwner.Current;

    private static string OwnerOf(int pid, DateTime startUtc) => JobOwner.Of(pid, startUtc);

    /// <summary>Creates a queued job record with a new id.</summary>
    /// <param name="kind">separate, ingest, train, generate, reindex…</param>
    /// <param name="parametersJson">The job's parameters as JSON, so it can be retried.</param>
    public JobInfo CreateJob(string kind, string? parametersJson = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        var id = Guid.CreateVersion7().ToString("N");
        var now = Now();
        using var c = Connect();
        Exec(c, null, "INSERT INTO jobs (id, kind, state, progress, parameters, created_at, updated_at) VALUES ($id, $k, $s, 0, $p, $t, $t);",
            ("$id", id), ("$k", kind), ("$s", nameof(JobState.Queued)), ("$p", parametersJson), ("$t", now));
        return new JobInfo { Id = id, Kind = kind, State = JobState.Queued, Parameters = parametersJson, CreatedAt = ParseTime(now) };
    }

    /// <summary>Marks a job running, owned by this process.</summary>
    public void StartJob(string id)
    {
        var now = Now();
        using var c = Connect();
        using var cmd = Cmd(c, null, "UPDATE jobs SET state = $s, started_at = COALESCE(started_at, $t), updated_at = $t, owner = $o, finished_at = NULL, error = NULL WHERE id = $id;",
            ("$s", nameof(JobState.Running)), ("$t", now), ("$o", CurrentOwner), ("$id", id));
        if (cmd.ExecuteNonQuery() == 0) throw NoJob(id);
    }

    /// <summary>Records progress (0…1) and a short status message.</summary>
    public void UpdateJobProgress(string id, double progress, string? message)
    {
        using var c = Connect();
        Exec(c, null, "UPDATE jobs SET progress = $p, message = $m, updated_at = $t WHERE id = $id;",
            ("$p", double.IsFinite(progress) ? Math.Clamp(progress, 0, 1) : 0), ("$m", message), ("$t", Now()), ("$id", id));
    }

    /// <summary>Records the final state of a job (Succeeded, Failed, Cancelled or Interrupted).</summary>
    public void FinishJob(string id, JobState state, string? error = null, string? resultJson = null, string? message = null)
    {
        if (state is JobState.Queued or JobState.Running) throw new ArgumentOutOfRangeException(nameof(state), state, "A finished job must be in a final state.");
        var now = Now();
        using var c = Connect();
        using var cmd = Cmd(c, null,
            "UPDATE jobs SET state = $s, error = $e, result = COALESCE($r, result), message = COALESCE($m, message), progress = CASE WHEN $s = 'Succeeded' THEN 1 ELSE progress END, finished_at = $t, updated_at = $t WHERE id = $id;",
            ("$s", state.ToString()), ("$e", error), ("$r", resultJson), ("$m", message), ("$t", now), ("$id", id));
        if (cmd.ExecuteNonQuery() == 0) throw NoJob(id);
    }

    /// <inheritdoc/>
    public JobInfo? GetJob(string id) => QueryJobs("WHERE id = $id", ("$id", id)).FirstOrDefault();

    /// <summary>Jobs, newest first, optionally filtered by state and kind.</summary>
    public IReadOnlyList<JobInfo> ListJobs(JobState? state = null, string? kind = null, int limit = 100)
    {
        var w = new List<string>();
        var ps = new List<(string, object?)> { ("$l", limit) };
        if (state is { } s) { w.Add("state = $s"); ps.Add(("$s", s.ToString())); }
        if (kind is not null) { w.Add("kind = $k"); ps.Add(("$k", kind)); }
        var where = w.Count == 0 ? "" : "WHERE " + string.Join(" AND ", w);
        return QueryJobs($"{where} ORDER BY created_at DESC, id DESC LIMIT $l", [.. ps]);
    }

    /// <summary>
    /// Marks as <see cref="JobState.Interrupted"/> every Running job that nobody runs any more and nobody will take
    /// over: its lease expired or its process on this machine is gone, and it is not a detached job with attempts
    /// left (those are started again by the next runtime that claims work). Returns the jobs it marked.
    /// </summary>
    public IReadOnlyList<JobInfo> MarkInterruptedJobs()
    {
        using var c = Connect();
        var marked = new List<JobInfo>();
        foreach (var (job, owner) in AbandonedJobs(c))
        {
            var now = Now();
            using var upd = Cmd(c, null,
                "UPDATE jobs SET state = 'Interrupted', error = COALESCE(error, 'The process running this job stopped before it finished; run it again to continue.'), finished_at = $t, updated_at = $t, lease_until = NULL WHERE id = $id AND state = 'Running' AND owner IS $o;",
                ("$t", now), ("$id", job.Id), ("$o", owner));
            if (upd.ExecuteNonQuery() > 0 && GetJob(job.Id) is { } j) marked.Add(j);
        }
        return marked;
    }

    /// <summary>Running jobs that <see cref="MarkInterruptedJobs"/> would mark, without changing them.</summary>
    public IReadOnlyList<JobInfo> FindInterruptedJobs()
    {
        using var c = Connect();
        return AbandonedJobs(c).Select(x => x.Job).ToList();
    }

    /// <summary>True when <paramref name="owner"/> names a process that is still running on this machine (or another machine, which cannot be checked).</summary>
    internal static bool OwnerAlive(string? owner)
    {
        if (owner is null) return false;
        // host:pid:start, and for a runtime's claims a fourth part: its instance.
        var parts = owner.Split(':');
        if (parts.Length is not (3 or 4) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pid)) return false;
        if (parts[0] != Environment.MachineName) return true;
        var process = string.Join(':', parts[..3]);
        if (process == CurrentOwner) return true;
        try
        {
            using var p = Process.GetProcessById(pid);
            return OwnerOf(pid, p.StartTime.ToUniversalTime()) == process;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false; // exited meanwhile
        }
    }

    private List<JobInfo> QueryJobs(string tail, params (string, object?)[] ps)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, $"SELECT {JobColumns} FROM jobs {tail};", ps);
        using var r = cmd.ExecuteReader();
        var list = new List<JobInfo>();
        while (r.Read()) list.Add(ReadJob(r));
        return list;
    }

    private static JobInfo ReadJob(SqliteDataReader r) => new()
    {
        Id = r.GetString(0),
        Kind = r.GetString(1),
        State = Enum.Parse<JobState>(r.GetString(2)),
        Progress = r.GetDouble(3),
        Message = r.IsDBNull(4) ? null : r.GetString(4),
        Error = r.IsDBNull(5) ? null : r.GetString(5),
        Parameters = r.IsDBNull(6) ? null : r.GetString(6),
        Result = r.IsDBNull(7) ? null : r.GetString(7),
        CreatedAt = ParseTime(r.GetString(8)),
        StartedAt = r.IsDBNull(9) ? null : ParseTime(r.GetString(9)),
        FinishedAt = r.IsDBNull(10) ? null : ParseTime(r.GetString(10)),
    };

    private static NotFoundException NoJob(string id) => new($"There is no job '{id}' in this library; check the id (job ids are 32 hex digits).");
    /// <inheritdoc/>
    public long AppendJobLog(string id, string dataJson)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(dataJson);
        using var c = Connect();
        using var cmd = Cmd(c, null, "INSERT INTO job_log (job_id, data) SELECT $id, $d WHERE EXISTS (SELECT 1 FROM jobs WHERE id = $id) RETURNING seq;",
            ("$id", id), ("$d", dataJson));
        return cmd.ExecuteScalar() is long seq ? seq : throw NoJob(id);
    }

    /// <inheritdoc/>
    public IReadOnlyList<JobLogEntry> GetJobLog(string id, long after = 0, int limit = 10_000)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT seq, data FROM job_log WHERE job_id = $id AND seq > $a ORDER BY seq LIMIT $l;", ("$id", id), ("$a", after), ("$l", limit));
        using var r = cmd.ExecuteReader();
        var list = new List<JobLogEntry>();
        while (r.Read()) list.Add(new JobLogEntry(r.GetInt64(0), r.GetString(1)));
        return list;
    }
}
