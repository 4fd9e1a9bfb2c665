using Npgsql;
using Traum.Core;

namespace Traum.Catalog.Postgres;

/// <summary>
/// Job records and their claims (<see cref="IJobQueue"/>), with the SQLite provider's semantics: a claim takes the
/// oldest claimable row with <c>FOR UPDATE SKIP LOCKED</c> (so any number of runtimes on any machines claim
/// different jobs without waiting for each other, and of two racing for one job exactly one gets it), sets the owner
/// and a lease, and counts an attempt. Times are the catalog's clock (<see cref="TimeProvider"/>) so leases compare alike.
/// </summary>
internal sealed partial class PostgresCatalog
{
    private const string JobColumns = "id, kind, state, progress, message, error, parameters, result, created_at, started_at, finished_at";

    private const string ClaimableWhere =
        "NOT cancel_requested AND (state = 'Queued' OR (state = 'Running' AND detached AND lease_until IS NOT NULL AND attempts < max_attempts AND lease_until < CASE WHEN attempts <= 1 THEN @now WHEN attempts = 2 THEN @b2 WHEN attempts = 3 THEN @b3 WHEN attempts = 4 THEN @b4 ELSE @b5 END))";

    /// <inheritdoc/>
    public JobInfo CreateJob(string kind, string? parametersJson = null) => InsertJob(kind, parametersJson, detached: false, maxAttempts: 3);

    /// <inheritdoc/>
    public JobInfo CreateJob(string kind, string? parametersJson, bool detached, int maxAttempts = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        return InsertJob(kind, parametersJson, detached, maxAttempts);
    }

    private JobInfo InsertJob(string kind, string? parametersJson, bool detached, int maxAttempts)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        var id = Guid.CreateVersion7().ToString("N");
        var now = Now();
        using var c = Connect();
        Exec(c, null,
            "INSERT INTO jobs (id, kind, state, progress, parameters, created_at, updated_at, detached, max_attempts) VALUES (@id, @k, 'Queued', 0, @p, @t, @t, @d, @m);",
            ("id", id), ("k", kind), ("p", parametersJson), ("t", now), ("d", detached), ("m", maxAttempts));
        return new JobInfo { Id = id, Kind = kind, State = JobState.Queued, Parameters = parametersJson, CreatedAt = now };
    }

    /// <inheritdoc/>
    public void StartJob(string id)
    {
        var now = Now();
        using var c = Connect();
        using var cmd = Cmd(c, null, "UPDATE jobs SET state = 'Running', started_at = COALESCE(started_at, @t), updated_at = @t, owner = @o, finished_at = NULL, error = NULL WHERE id = @id;",
            ("t", now), ("o", JobOwner.Current), ("id", id));
        if (cmd.ExecuteNonQuery() == 0) throw NoJob(id);
    }

    /// <inheritdoc/>
    public void UpdateJobProgress(string id, double progress, string? message)
    {
        using var c = Connect();
        Exec(c, null, "UPDATE jobs SET progress = @p, message = @m, updated_at = @t WHERE id = @id;",
            ("p", double.IsFinite(progress) ? Math.Clamp(progress, 0, 1) : 0), ("m", message), ("t", Now()), ("id", id));
    }

    /// <inheritdoc/>
    public void FinishJob(string id, JobState state, string? error = null, string? resultJson = null, string? message = null)
    {
        if (state is JobState.Queued or JobState.Running) throw new ArgumentOutOfRangeException(nameof(state), state, "A finished job must be in a final state.");
        using var c = Connect();
        using var cmd = Cmd(c, null,
            "UPDATE jobs SET state = @s, error = @e, result = COALESCE(@r, result), message = COALESCE(@m, message), progress = CASE WHEN @s = 'Succeeded' THEN 1 ELSE progress END, finished_at = @t, updated_at = @t WHERE id = @id;",
            ("s", state.ToString()), ("e", error), ("r", resultJson), ("m", message), ("t", Now()), ("id", id));
        if (cmd.ExecuteNonQuery() == 0) throw NoJob(id);
    }

    /// <inheritdoc/>
    public JobInfo? GetJob(string id) => QueryJobs("WHERE id = @id", ("id", id)).FirstOrDefault();

    /// <inheritdoc/>
    public IReadOnlyList<JobInfo> ListJobs(JobState? state = null, string? kind = null, int limit = 100)
    {
        var w = new List<string>();
        var ps = new List<(string, object?)> { ("l", limit) };
        if (state is { } s) { w.Add("state = @s"); ps.Add(("s", s.ToString())); }
        if (kind is not null) { w.Add("kind = @k"); ps.Add(("k", kind)); }
        var where = w.Count == 0 ? "" : "WHERE " + string.Join(" AND ", w);
        return QueryJobs($"{where} ORDER BY created_at DESC, id DESC LIMIT @l", [.. ps]);
    }

    /// <inheritdoc/>
    public JobInfo? ClaimJob(string owner, TimeSpan lease, IReadOnlyCollection<string>? kinds = null, string? id = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        var now = Now();
        var ps = new List<(string, object?)> { ("o", owner), ("now", now), ("l", now + lease) };
        for (var k = 2; k <= 5; k++) ps.Add(($"b{k}", now - JobBackoff.After(k, lease)));
        var filter = id is not null ? " AND id = @id" : " AND detached";
        if (id is not null) ps.Add(("id", id));
        if (kinds is { Count: > 0 })
        {
            filter += " AND kind = ANY(@kinds)";
            ps.Add(("kinds", kinds.ToArray()));
        }
        using var c = Connect();
        using var cmd = Cmd(c, null,
            $"""
            WITH c AS (SELECT id FROM jobs WHERE {ClaimableWhere}{filter} ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
            UPDATE jobs j SET state = 'Running', owner = @o, lease_until = @l, attempts = j.attempts + 1,
                started_at = COALESCE(j.started_at, @now), updated_at = @now, finished_at = NULL, error = NULL,
                message = CASE WHEN j.state = 'Running' THEN 'taken over after its runtime stopped answering' ELSE j.message END
            FROM c WHERE j.id = c.id
            RETURNING {string.Join(", ", JobColumns.Split(", ").Select(x => "j." + x))};
            """, [.. ps]);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadJob(r) : null;
    }

    /// <inheritdoc/>
    public LeaseRenewal RenewJobLease(string id, string owner, TimeSpan lease)
    {
        var now = Now();
        using var c = Connect();
        using var cmd = Cmd(c, null,
            "UPDATE jobs SET lease_until = @l, updated_at = @now WHERE id = @id AND owner = @o AND state = 'Running' RETURNING cancel_requested;",
            ("l", now + lease), ("now", now), ("id", id), ("o", owner));
        var v = cmd.ExecuteScalar();
        return v is bool cancel ? new LeaseRenewal(true, cancel) : new LeaseRenewal(false, false);
    }

    /// <inheritdoc/>
    public bool FinishOwnedJob(string id, string owner, JobState state, string? error = null, string? resultJson = null, string? message = null)
    {
        if (state is JobState.Queued or JobState.Running) throw new ArgumentOutOfRangeException(nameof(state), state, "A finished job must be in a final state.");
        using var c = Connect();
        using var cmd = Cmd(c, null,
            "UPDATE jobs SET state = @s, error = @e, result = COALESCE(@r, result), message = COALESCE(@m, message), progress = CASE WHEN @s = 'Succeeded' THEN 1 ELSE progress END, finished_at = @t, updated_at = @t, lease_until = NULL WHERE id = @id AND owner = @o AND state = 'Running';",
            ("s", state.ToString()), ("e", error), ("r", resultJson), ("m", message), ("t", Now()), ("id", id), ("o", owner));
        return cmd.ExecuteNonQuery() > 0;
    }

    /// <inheritdoc/>
    public void UpdateOwnedJobProgress(string id, string owner, double progress, string? message)
    {
        using var c = Connect();
        Exec(c, null, "UPDATE jobs SET progress = @p, message = @m, updated_at = @t WHERE id = @id AND owner = @o AND state = 'Running';",
            ("p", double.IsFinite(progress) ? Math.Clamp(progress, 0, 1) : 0), ("m", message), ("t", Now()), ("id", id), ("o", owner));
    }

    /// <inheritdoc/>
    public JobInfo RequestJobCancel(string id)
    {
        using (var c = Connect())
        {
            Exec(c, null,
                """
                UPDATE jobs SET
                    state = CASE WHEN state = 'Queued' THEN 'Cancelled' ELSE state END,
                    finished_at = CASE WHEN state = 'Queued' THEN @t ELSE finished_at END,
                    message = CASE WHEN state = 'Queued' THEN 'cancelled before it started' ELSE message END,
                    cancel_requested = CASE WHEN state IN ('Queued', 'Running') THEN TRUE ELSE cancel_requested END,
                    updated_at = @t
                WHERE id = @id;
                """, ("t", Now()), ("id", id));
        }
        return GetJob(id) ?? throw NoJob(id);
    }

    /// <inheritdoc/>
    public bool IsJobCancelRequested(string id)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT cancel_requested FROM jobs WHERE id = @id;", ("id", id));
        return cmd.ExecuteScalar() is true;
    }

    /// <inheritdoc/>
    public JobInfo? RequeueJob(string id)
    {
        int changed;
        using (var c = Connect())
        {
            using var cmd = Cmd(c, null,
                """
                UPDATE jobs SET state = 'Queued', attempts = 0, cancel_requested = FALSE, error = NULL, message = 'queued again', progress = 0,
                    started_at = NULL, finished_at = NULL, owner = NULL, lease_until = NULL, detached = TRUE, updated_at = @t
                WHERE id = @id AND state IN ('Failed', 'Cancelled', 'Interrupted');
                """, ("t", Now()), ("id", id));
            changed = cmd.ExecuteNonQuery();
        }
        var job = GetJob(id) ?? throw NoJob(id);
        return changed > 0 ? job : null;
    }

    /// <inheritdoc/>
    public IReadOnlyList<JobInfo> MarkInterruptedJobs()
    {
        using var c = Connect();
        var marked = new List<JobInfo>();
        foreach (var (job, owner) in AbandonedJobs(c))
        {
            using var upd = Cmd(c, null,
                $"UPDATE jobs SET state = 'Interrupted', error = COALESCE(error, 'The process running this job stopped before it finished; run it again to continue.'), finished_at = @t, updated_at = @t, lease_until = NULL WHERE id = @id AND state = 'Running' AND owner IS NOT DISTINCT FROM @o RETURNING {JobColumns};",
                ("t", Now()), ("id", job.Id), ("o", (object?)owner ?? DBNull.Value));
            using var r = upd.ExecuteReader();
            if (r.Read()) marked.Add(ReadJob(r));
        }
        return marked;
    }

    /// <inheritdoc/>
    public IReadOnlyList<JobInfo> FindInterruptedJobs()
    {
        using var c = Connect();
        return AbandonedJobs(c).Select(x => x.Job).ToList();
    }

    /// <summary>
    /// Running jobs nobody runs any more: the lease expired (or, for records without a lease, the owning process on
    /// this machine is gone) and no runtime will take them over (not detached, or out of attempts).
    /// </summary>
    private List<(JobInfo Job, string? Owner)> AbandonedJobs(NpgsqlConnection c)
    {
        var now = Now();
        var list = new List<(JobInfo, string?)>();
        using var cmd = Cmd(c, null, $"SELECT {JobColumns}, owner, lease_until, detached, attempts, max_attempts FROM jobs WHERE state = 'Running';");
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var owner = r.IsDBNull(11) ? null : r.GetString(11);
            var lease = TimeOrNull(r, 12);
            var takeOver = r.GetBoolean(13) && r.GetInt32(14) < r.GetInt32(15);
            var gone = lease is null ? !CatalogStore.OwnerAlive(owner) : lease < now || !CatalogStore.OwnerAlive(owner);
            if (gone && !(takeOver && lease is not null)) list.Add((ReadJob(r), owner));
        }
        return list;
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

    private static JobInfo ReadJob(NpgsqlDataReader r) => new()
    {
        Id = r.GetString(0),
        Kind = r.GetString(1),
        State = Enum.Parse<JobState>(r.GetString(2)),
        Progress = r.GetDouble(3),
        Message = r.IsDBNull(4) ? null : r.GetString(4),
        Error = r.IsDBNull(5) ? null : r.GetString(5),
        Parameters = r.IsDBNull(6) ? null : r.GetString(6),
        Result = r.IsDBNull(7) ? null : r.GetString(7),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(8),
        StartedAt = TimeOrNull(r, 9),
        FinishedAt = TimeOrNull(r, 10),
    };

    private static NotFoundException NoJob(string id) => new($"There is no job '{id}' in this library; check the id (job ids are 32 hex digits).");
    /// <inheritdoc/>
    public long AppendJobLog(string id, string dataJson)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(dataJson);
        using var c = Connect();
        using var cmd = Cmd(c, null, "INSERT INTO job_log (job_id, data) SELECT @id, @d WHERE EXISTS (SELECT 1 FROM jobs WHERE id = @id) RETURNING seq;",
            ("id", id), ("d", dataJson));
        return cmd.ExecuteScalar() is long seq ? seq : throw NoJob(id);
    }

    /// <inheritdoc/>
    public IReadOnlyList<JobLogEntry> GetJobLog(string id, long after = 0, int limit = 10_000)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT seq, data FROM job_log WHERE job_id = @id AND seq > @a ORDER BY seq LIMIT @l;", ("id", id), ("a", after), ("l", limit));
        using var r = cmd.ExecuteReader();
        var list = new List<JobLogEntry>();
        while (r.Read()) list.Add(new JobLogEntry(r.GetInt64(0), r.GetString(1)));
        return list;
    }
}
