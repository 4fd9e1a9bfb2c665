using System.Globalization;
using Microsoft.Data.Sqlite;
using Traum.Core;

namespace Traum.Catalog;

public sealed partial class CatalogStore
{
    /// <summary>
    /// Queued, or running detached with an expired lease and attempts left. Take-overs back off exponentially: the
    /// first comes when the lease expires, each later one waits 1, 3, 7, then 15 more leases after the expiry
    /// (<see cref="JobBackoff"/>), so a job that kills its workers does not run them down at once.
    /// </summary>
    private const string ClaimableWhere =
        "cancel_requested = 0 AND (state = 'Queued' OR (state = 'Running' AND detached = 1 AND lease_until IS NOT NULL AND attempts < max_attempts AND lease_until < CASE WHEN attempts <= 1 THEN $now WHEN attempts = 2 THEN $b2 WHEN attempts = 3 THEN $b3 WHEN attempts = 4 THEN $b4 ELSE $b5 END))";

    /// <summary>A fresh owner name for one job runtime: host, pid, process start and a random instance id.</summary>
    public static string NewRuntimeOwner() => JobOwner.NewRuntime();

    /// <summary>Creates a queued job record with a new id.</summary>
    /// <param name="kind">separate, ingest, train, generate, reindex…</param>
    /// <param name="parametersJson">The job's parameters as JSON, so it can be retried.</param>
    /// <param name="detached">Any runtime with a handler for the kind may run it (server and worker jobs); otherwise only the runtime that claims it by id.</param>
    /// <param name="maxAttempts">How often a job whose runtime died is started again before it is given up (at least 1).</param>
    public JobInfo CreateJob(string kind, string? parametersJson, bool detached, int maxAttempts = 3)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        var id = Guid.CreateVersion7().ToString("N");
        var now = Now();
        using var c = Connect();
        Exec(c, null,
            "INSERT INTO jobs (id, kind, state, progress, parameters, created_at, updated_at, detached, max_attempts) VALUES ($id, $k, 'Queued', 0, $p, $t, $t, $d, $m);",
            ("$id", id), ("$k", kind), ("$p", parametersJson), ("$t", now), ("$d", detached ? 1 : 0), ("$m", maxAttempts));
        return new JobInfo { Id = id, Kind = kind, State = JobState.Queued, Parameters = parametersJson, CreatedAt = ParseTime(now) };
    }

    /// <summary>
    /// Claims one job atomically (compare-and-set in one statement, so of two runtimes racing for a job exactly one
    /// gets it): the oldest queued job of <paramref name="kinds"/>, or a detached running job whose lease expired
    /// (its runtime died) and that has attempts left. The claim sets the owner, a lease of <paramref name="lease"/>
    /// and counts an attempt.
    /// </summary>
    /// <param name="owner">The claiming runtime (<see cref="NewRuntimeOwner"/>).</param>
    /// <param name="lease">How long the claim holds without a heartbeat.</param>
    /// <param name="kinds">Kinds the runtime can run (null: any).</param>
    /// <param name="id">Claim exactly this job (the command line claims the job it just created).</param>
    /// <returns>The claimed job, or null when none is claimable.</returns>
    public JobInfo? ClaimJob(string owner, TimeSpan lease, IReadOnlyCollection<string>? kinds = null, string? id = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        var now = _time.GetUtcNow();
        var ps = new List<(string, object?)> { ("$o", owner), ("$now", FormatTime(now)), ("$l", FormatTime(now + lease)) };
        for (var k = 2; k <= 5; k++) ps.Add(($"$b{k}", FormatTime(now - JobBackoff.After(k, lease))));
        var filter = "";
        if (id is not null)
        {
            filter += " AND id = $id";
            ps.Add(("$id", id));
        }
        else
        {
            filter += " AND detached = 1";
        }
        if (kinds is { Count: > 0 })
        {
            var names = kinds.Select((k, i) => $"$k{i}").ToList();
            filter += $" AND kind IN ({string.Join(", ", names)})";
            ps.AddRange(kinds.Select((k, i) => ($"$k{i}", (object?)k)));
        }
        using var c = Connect();
        using var cmd = Cmd(c, null,
            $"""
            UPDATE jobs SET state = 'Running', owner = $o, lease_until = $l, attempts = attempts + 1,
                started_at = COALESCE(started_at, $now), updated_at = $now, finished_at = NULL, error = NULL,
                message = CASE WHEN state = 'Running' THEN 'taken over after its runtime stopped answering' ELSE message END
            WHERE id = (SELECT id FROM jobs WHERE {ClaimableWhere}{filter} ORDER BY created_at, id LIMIT 1)
              AND {ClaimableWhere}
            RETURNING {JobColumns};
            """, [.. ps]);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadJob(r) : null;
    }

    /// <summary>Extends the lease of a job <paramref name="owner"/> runs, and reads whether its cancellation was requested.</summary>
    public LeaseRenewal RenewJobLease(string id, string owner, TimeSpan lease)
    {
        var now = _time.GetUtcNow();
        using var c = Connect();
        using var cmd = Cmd(c, null,
            "UPDATE jobs SET lease_until = $l, updated_at = $now WHERE id = $id AND owner = $o AND state = 'Running' RETURNING cancel_requested;",
            ("$l", FormatTime(now + lease)), ("$now", FormatTime(now)), ("$id", id), ("$o", owner));
        var v = cmd.ExecuteScalar();
        return v is null or DBNull ? new LeaseRenewal(false, false) : new LeaseRenewal(true, Convert.ToInt64(v, CultureInfo.InvariantCulture) != 0);
    }

    /// <summary>
    /// Records the final state of a job that <paramref name="owner"/> runs. Returns false, writing nothing, when
    /// the owner no longer holds it (its lease expired and another runtime took it over).
    /// </summary>
    public bool FinishOwnedJob(string id, string owner, JobState state, string? error = null, string? resultJson = null, string? message = null)
    {
        if (state is JobState.Queued or JobState.Running) throw new ArgumentOutOfRangeException(nameof(state), state, "A finished job must be in a final state.");
        var now = Now();
        using var c = Connect();
        using var cmd = Cmd(c, null,
            "UPDATE jobs SET state = $s, error = $e, result = COALESCE($r, result), message = COALESCE($m, message), progress = CASE WHEN $s = 'Succeeded' THEN 1 ELSE progress END, finished_at = $t, updated_at = $t, lease_until = NULL WHERE id = $id AND owner = $o AND state = 'Running';",
            ("$s", state.ToString()), ("$e", error), ("$r", resultJson), ("$m", message), ("$t", now), ("$id", id), ("$o", owner));
        return cmd.ExecuteNonQuery() > 0;
    }

    /// <summary>Records progress of a job <paramref name="owner"/> runs (nothing when it does not hold the job).</summary>
    public void UpdateOwnedJobProgress(string id, string owner, double progress, string? message)
    {
        using var c = Connect();
        Exec(c, null, "UPDATE jobs SET progress = $p, message = $m, updated_at = $t WHERE id = $id AND owner = $o AND state = 'Running';",
            ("$p", double.IsFinite(progress) ? Math.Clamp(progress, 0, 1) : 0), ("$m", message), ("$t", Now()), ("$id", id), ("$o", owner));
    }

    /// <summary>
    /// Asks for a job to be cancelled, whichever runtime runs it: a queued job is cancelled at once; a running one is
    /// flagged, and its runtime stops it at its next heartbeat. Finished jobs are left as they are.
    /// </summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    public JobInfo RequestJobCancel(string id)
    {
        var now = Now();
        using (var c = Connect())
        {
            Exec(c, null,
                """
                UPDATE jobs SET
                    state = CASE WHEN state = 'Queued' THEN 'Cancelled' ELSE state END,
                    finished_at = CASE WHEN state = 'Queued' THEN $t ELSE finished_at END,
                    message = CASE WHEN state = 'Queued' THEN 'cancelled before it started' ELSE message END,
                    cancel_requested = CASE WHEN state IN ('Queued', 'Running') THEN 1 ELSE cancel_requested END,
                    updated_at = $t
                WHERE id = $id;
                """, ("$t", now), ("$id", id));
        }
        return GetJob(id) ?? throw NoJob(id);
    }

    /// <summary>Whether a cancellation of the job was requested.</summary>
    public bool IsJobCancelRequested(string id)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "SELECT cancel_requested FROM jobs WHERE id = $id;", ("$id", id));
        return cmd.ExecuteScalar() is { } v and not DBNull && Convert.ToInt64(v, CultureInfo.InvariantCulture) != 0;
    }

    /// <summary>
    /// Queues a failed, cancelled or interrupted job again with its saved parameters, for any runtime to run.
    /// Returns null when the job is in another state (queued, running or succeeded).
    /// </summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    public JobInfo? RequeueJob(string id)
    {
        var now = Now();
        int changed;
        using (var c = Connect())
        {
            using var cmd = Cmd(c, null,
                """
                UPDATE jobs SET state = 'Queued', attempts = 0, cancel_requested = 0, error = NULL, message = 'queued again', progress = 0,
                    started_at = NULL, finished_at = NULL, owner = NULL, lease_until = NULL, detached = 1, updated_at = $t
                WHERE id = $id AND state IN ('Failed', 'Cancelled', 'Interrupted');
                """, ("$t", now), ("$id", id));
            changed = cmd.ExecuteNonQuery();
        }
        var job = GetJob(id) ?? throw NoJob(id);
        return changed > 0 ? job : null;
    }

    /// <summary>
    /// Running jobs nobody runs any more: the lease expired (or, for records without a lease, the owning process on
    /// this machine is gone) and no runtime will take them over (not detached, or out of attempts).
    /// </summary>
    private List<(JobInfo Job, string? Owner)> AbandonedJobs(SqliteConnection c)
    {
        var now = Now();
        var list = new List<(JobInfo, string?)>();
        using var cmd = Cmd(c, null, $"SELECT {JobColumns}, owner, lease_until, detached, attempts, max_attempts FROM jobs WHERE state = 'Running';");
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var owner = r.IsDBNull(11) ? null : r.GetString(11);
            var lease = r.IsDBNull(12) ? null : r.GetString(12);
            var takeOver = r.GetInt64(13) != 0 && r.GetInt64(14) < r.GetInt64(15);
            var gone = lease is null ? !OwnerAlive(owner) : string.CompareOrdinal(lease, now) < 0 || !OwnerAlive(owner);
            if (gone && !(takeOver && lease is not null)) list.Add((ReadJob(r), owner));
        }
        return list;
    }
}
