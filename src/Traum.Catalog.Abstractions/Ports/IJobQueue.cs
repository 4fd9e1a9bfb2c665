using System.Diagnostics.CodeAnalysis;
using Traum.Core;

namespace Traum.Catalog;

/// <summary>
/// Job records and their atomic claims: a job is a row claimed by one runtime at a time (owner and lease), with a
/// cancel-requested flag, bounded attempts and progress.
/// </summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is the queue of jobs (claims, leases, attempts), not a collection type.")]
public interface IJobQueue
{
    /// <summary>Creates a queued job record with a new id (32 hex digits).</summary>
    JobInfo CreateJob(string kind, string? parametersJson = null);

    /// <summary>Creates a queued job record; <paramref name="detached"/> jobs may be run by any runtime with a handler for the kind.</summary>
    JobInfo CreateJob(string kind, string? parametersJson, bool detached, int maxAttempts = 3);

    /// <summary>Marks a job running, owned by this process.</summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    void StartJob(string id);

    /// <summary>Records progress (0…1) and a short status message.</summary>
    void UpdateJobProgress(string id, double progress, string? message);

    /// <summary>Records the final state of a job (Succeeded, Failed, Cancelled or Interrupted).</summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "The parameter is the job's error text; the ports are implemented in C# only, where error is no keyword.")]
    void FinishJob(string id, JobState state, string? error = null, string? resultJson = null, string? message = null);

    /// <summary>The job with this id, or null.</summary>
    JobInfo? GetJob(string id);

    /// <summary>Jobs, newest first, optionally filtered by state and kind.</summary>
    IReadOnlyList<JobInfo> ListJobs(JobState? state = null, string? kind = null, int limit = 100);

    /// <summary>Marks as Interrupted every Running job nobody runs any more and nobody will take over; returns them.</summary>
    IReadOnlyList<JobInfo> MarkInterruptedJobs();

    /// <summary>Running jobs that <see cref="MarkInterruptedJobs"/> would mark, without changing them.</summary>
    IReadOnlyList<JobInfo> FindInterruptedJobs();

    /// <summary>
    /// Claims one job atomically (of two runtimes racing for a job exactly one gets it): the oldest queued job of
    /// <paramref name="kinds"/> (null: any), or a detached running job whose lease expired and that has attempts left.
    /// </summary>
    /// <param name="owner">The claiming runtime (<see cref="JobOwner.NewRuntime"/>).</param>
    /// <param name="lease">How long the claim holds without a heartbeat.</param>
    /// <param name="kinds">Kinds the runtime can run (null: any).</param>
    /// <param name="id">Claim exactly this job.</param>
    /// <returns>The claimed job, or null when none is claimable.</returns>
    JobInfo? ClaimJob(string owner, TimeSpan lease, IReadOnlyCollection<string>? kinds = null, string? id = null);

    /// <summary>Extends the lease of a job <paramref name="owner"/> runs, and reads whether its cancellation was requested.</summary>
    LeaseRenewal RenewJobLease(string id, string owner, TimeSpan lease);

    /// <summary>Records the final state of a job <paramref name="owner"/> runs; false, writing nothing, when it no longer holds it.</summary>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "The parameter is the job's error text; the ports are implemented in C# only, where error is no keyword.")]
    bool FinishOwnedJob(string id, string owner, JobState state, string? error = null, string? resultJson = null, string? message = null);

    /// <summary>Records progress (0…1) of a job <paramref name="owner"/> runs (nothing when it does not hold the job).</summary>
    void UpdateOwnedJobProgress(string id, string owner, double progress, string? message);

    /// <summary>Asks for a job to be cancelled, whichever runtime runs it.</summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    JobInfo RequestJobCancel(string id);

    /// <summary>Whether a cancellation of the job was requested.</summary>
    bool IsJobCancelRequested(string id);

    /// <summary>Queues a failed, cancelled or interrupted job again; null when the job is in another state.</summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    JobInfo? RequeueJob(string id);

    /// <summary>
    /// Appends a data point a job logged (JSON, e.g. a training epoch's loss), so any process can show it; returns its
    /// sequence number, which increases across the catalog.
    /// </summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    long AppendJobLog(string id, string dataJson);

    /// <summary>The data points of a job after sequence <paramref name="after"/>, oldest first, at most <paramref name="limit"/>.</summary>
    IReadOnlyList<JobLogEntry> GetJobLog(string id, long after = 0, int limit = 10_000);
}

/// <summary>One data point of a job's log.</summary>
/// <param name="Sequence">Its sequence number (increasing across the catalog).</param>
/// <param name="Data">The point as JSON.</param>
public sealed record JobLogEntry(long Sequence, string Data);
