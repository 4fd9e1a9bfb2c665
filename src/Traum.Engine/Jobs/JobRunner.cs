using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traum.Catalog;
using Traum.Core;

namespace Traum.Engine.Jobs;

/// <summary>What a job's work function gets: its record, a progress sink (persisted, throttled), a data-point log and its cancellation.</summary>
/// <param name="JobId">The job's id in the catalog.</param>
/// <param name="Progress">Report progress here; it is saved to the job record at most every <see cref="JobRunner.ProgressInterval"/> and forwarded to the caller's observer.</param>
/// <param name="CancellationToken">Cancelled by the caller's token, by a cancel request from any runtime, or when the lease is lost.</param>
public sealed record JobContext(string JobId, IProgress<ProgressInfo> Progress, CancellationToken CancellationToken)
{
    /// <summary>The job record as claimed (kind, parameters, attempt).</summary>
    public JobInfo? Job { get; init; }

    /// <summary>Publishes a data point (e.g. <c>new { epoch, loss }</c>) to listeners as a "log" event.</summary>
    public Action<object> Log { get; init; } = _ => { };
}

/// <summary>Lease and polling settings of a <see cref="JobRunner"/>. Every default is written here once.</summary>
public sealed record JobRuntimeOptions
{
    /// <summary>How long a claim holds without a heartbeat; a job whose runtime stops renewing it is taken over after this.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a running job's lease is renewed and its cancel flag read.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often an idle worker looks for work that another process queued.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a detached job whose runtime died is started again before it is given up.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Checks that the values make sense.</summary>
    /// <exception cref="InvalidInputException">A value is out of range.</exception>
    public void Validate()
    {
        if (Lease <= TimeSpan.Zero || Heartbeat <= TimeSpan.Zero || Heartbeat >= Lease)
        {
            throw new InvalidInputException("jobs: the heartbeat must be positive and shorter than the lease.");
        }
        if (PollInterval <= TimeSpan.Zero) throw new InvalidInputException("jobs:pollInterval must be positive.");
        if (MaxAttempts < 1) throw new InvalidInputException("jobs:maxAttempts must be at least 1.");
    }
}

/// <summary>
/// One thing that happened to a job this runtime runs (or, while <see cref="JobRunner.ListenAsync"/> observes others,
/// one another runtime runs): "state", "progress" or "log" (with its data point).
/// </summary>
/// <param name="type">"state", "progress" or "log".</param>
/// <param name="job">The job's record after the change.</param>
/// <param name="data">The data point of a "log" event; null otherwise.</param>
public sealed class JobEventArgs(string type, JobInfo job, object? data = null) : EventArgs
{
    /// <summary>"state" (the job started, finished or changed state), "progress" (a progress report) or "log" (a data point).</summary>
    public string Type { get; } = type;

    /// <summary>The job's record after the change; for "progress" and "log" of a job run here it carries the latest progress, saved to the catalog or not yet.</summary>
    public JobInfo Job { get; } = job;

    /// <summary>The data point of a "log" event (what the work passed to <see cref="JobContext.Log"/>); null otherwise.</summary>
    public object? Data { get; } = data;
}

/// <summary>
/// The one job runtime of Traum, used by the command line (foreground) and by the server and workers (background).
/// A job is a catalog row claimed atomically (compare-and-set), owned by one runtime, with a lease renewed by a
/// heartbeat; a detached job whose lease expires (its process died) is taken over by another runtime, up to
/// <see cref="JobRuntimeOptions.MaxAttempts"/>. Cancellation is a flag in the row, so any runtime can cancel a job
/// another one runs; progress is saved at most every <see cref="ProgressInterval"/>; a runtime that lost its lease
/// writes nothing more. Jobs nobody will take over are marked Interrupted by <see cref="RecoverInterrupted"/>.
/// </summary>
public sealed partial class JobRunner
{
    private readonly IJobQueue _catalog;
    private readonly TimeProvider _time;
    private readonly ILogger<JobRunner> _logger;
    private readonly JobRuntimeOptions _options;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JobInfo> _seen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _logSeen = new(StringComparer.Ordinal); // last log sequence raised or written here, per job
    private readonly Lock _logGate = new();

    /// <param name="catalog">The job queue the jobs are claimed from and recorded in.</param>
    /// <param name="time">Clock of the progress throttling (<see cref="ProgressInterval"/>); default the system clock. Leases
    /// expire by the catalog's clock and heartbeats wait in real time.</param>
    /// <param name="logger">Optional logger.</param>
    /// <param name="options">Lease and polling settings; default <see cref="JobRuntimeOptions"/>'s.</param>
    /// <exception cref="ArgumentNullException"><paramref name="catalog"/> is null.</exception>
    /// <exception cref="InvalidInputException">The options are out of range (see <see cref="JobRuntimeOptions.Validate"/>).</exception>
    public JobRunner(IJobQueue catalog, TimeProvider? time = null, ILogger<JobRunner>? logger = null, JobRuntimeOptions? options = null)
    {
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger<JobRunner>.Instance;
        _options = options ?? new JobRuntimeOptions();
        _options.Validate();
        Owner = JobOwner.NewRuntime();
    }

    /// <summary>This runtime's name in the owner column of the jobs it runs.</summary>
    public string Owner { get; }

    /// <summary>Lease and polling settings.</summary>
    public JobRuntimeOptions Options => _options;

    /// <summary>Least time between two progress writes to the catalog.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Raised after a job's record changes (start, saved progress, finish), with the new record.</summary>
    public event EventHandler<JobInfo>? JobUpdated;

    /// <summary>Raised for every state change, every progress report and every logged data point of the jobs run here.</summary>
    public event EventHandler<JobEventArgs>? JobEvent;

    /// <summary>
    /// Raised (while <see cref="ListenAsync"/> runs) when a job became claimable in any process sharing the catalog
    /// (queued or queued again), so idle workers of its kind can claim it at once instead of at their next poll.
    /// </summary>
    public event EventHandler<JobNotification>? JobQueued;

    /// <summary>Raised when listening starts or starts again after a lost connection: jobs queued meanwhile were not announced.</summary>
    public event EventHandler? NotificationsConnected;

    /// <summary>Whether the catalog pushes job changes (<see cref="IJobNotifications"/>, PostgreSQL); otherwise it is polled.</summary>
    public bool CanListen => _catalog is IJobNotifications;

    /// <summary>Ids of the jobs this runner is running now.</summary>
    public IReadOnlyCollection<string> RunningJobIds => [.. _running.Keys];

    /// <summary>Marks jobs that nobody runs and nobody will take over as Interrupted; returns them.</summary>
    public IReadOnlyList<JobInfo> RecoverInterrupted()
    {
        var marked = _catalog.MarkInterruptedJobs();
        foreach (var j in marked)
        {
            LogInterrupted(_logger, j.Id, j.Kind);
            Raise("state", j);
        }
        return marked;
    }

    /// <summary>Creates a Queued job that only this runtime will run (the command line's foreground jobs).</summary>
    public JobInfo Create(string kind, object? parameters = null) =>
        _catalog.CreateJob(kind, parameters is null ? null : JsonSerializer.Serialize(parameters, JsonOptions), detached: false, _options.MaxAttempts);

    /// <summary>Queues a job for any runtime with a handler for its kind (server and worker jobs).</summary>
    public JobInfo Submit(string kind, string? parametersJson)
    {
        var job = _catalog.CreateJob(kind, parametersJson, detached: true, _options.MaxAttempts);
        Raise("state", job);
        return job;
    }

    /// <summary>Creates a job and runs it in the foreground; see <see cref="RunAsync{T}(JobInfo, Func{JobContext, Task{T}}, IProgress{ProgressInfo}?, CancellationToken)"/>.</summary>
    public Task<T> RunAsync<T>(string kind, object? parameters, Func<JobContext, Task<T>> work, IProgress<ProgressInfo>? observer, CancellationToken cancellationToken) =>
        RunAsync(Create(kind, parameters), work, observer, cancellationToken);

    /// <summary>
    /// Claims <paramref name="job"/> and runs <paramref name="work"/> as it. Its result is saved as JSON. An exception
    /// marks the job Failed (with the message) and is rethrown; cancellation marks it Cancelled and rethrows.
    /// </summary>
    /// <exception cref="InvalidInputException">The job cannot be claimed (it runs elsewhere or is finished).</exception>
    public async Task<T> RunAsync<T>(JobInfo job, Func<JobContext, Task<T>> work, IProgress<ProgressInfo>? observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(work);
        if (_running.ContainsKey(job.Id)) throw new InvalidInputException($"Job {job.Id} is already running.");
        var claimed = _catalog.ClaimJob(Owner, _options.Lease, id: job.Id)
            ?? throw new InvalidInputException($"Job {job.Id} cannot be started: it is running elsewhere, finished, or was cancelled.");
        T result = default!;
        await ExecuteAsync(claimed, async ctx =>
        {
            result = await work(ctx).ConfigureAwait(false);
            return JsonSerializer.Serialize(result, JsonOptions);
        }, observer, rethrow: true, cancellationToken, CancellationToken.None).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Claims the oldest claimable detached job of <paramref name="kinds"/> (queued, or taken over from a runtime
    /// whose lease expired) and runs it with <paramref name="work"/>, whose result (JSON or null) is saved. Failures
    /// are recorded in the job, not thrown. When <paramref name="stoppingToken"/> fires the job is recorded as
    /// Interrupted ("retry to continue").
    /// </summary>
    /// <returns>False when there was nothing to claim.</returns>
    public async Task<bool> RunNextAsync(IReadOnlyCollection<string> kinds, Func<JobContext, Task<string?>> work, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        ArgumentNullException.ThrowIfNull(work);
        if (kinds.Count == 0) return false;
        var claimed = _catalog.ClaimJob(Owner, _options.Lease, kinds);
        if (claimed is null) return false;
        await ExecuteAsync(claimed, work, null, rethrow: false, stoppingToken, stoppingToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Asks for a job to be cancelled, whichever runtime runs it: queued jobs are cancelled at once, running ones at
    /// their runtime's next heartbeat (at once when they run here). Finished jobs are returned as they are.
    /// </summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    public JobInfo RequestCancel(string jobId)
    {
        var job = _catalog.RequestJobCancel(jobId);
        if (_running.TryGetValue(jobId, out var cts)) cts.Cancel();
        else if (job.State == JobState.Cancelled) Raise("state", job);
        return job;
    }

    /// <summary>Requests cancellation of a job this runner is running. Returns false when it is not running here.</summary>
    public bool Cancel(string jobId)
    {
        if (!_running.ContainsKey(jobId)) return false;
        RequestCancel(jobId);
        return true;
    }

    /// <summary>Queues a failed, cancelled or interrupted job again for any runtime; null when it is in another state.</summary>
    /// <exception cref="NotFoundException">No such job.</exception>
    public JobInfo? Requeue(string jobId)
    {
        var job = _catalog.RequeueJob(jobId);
        if (job is not null) Raise("state", job);
        return job;
    }

    /// <summary>
    /// Listens to the catalog's job notifications until <paramref name="cancellationToken"/> fires (returns at once
    /// when the catalog has none): raises <see cref="JobQueued"/> for claimable jobs, cancels at once a job running
    /// here whose cancel another process asked for, and, with <paramref name="observeOthers"/>, raises
    /// <see cref="JobUpdated"/> and <see cref="JobEvent"/> ("state" or "progress", as the catalog recorded them) for
    /// jobs other runtimes run, so a server streams the events of every job on the catalog, their data points ("log",
    /// read from the catalog) included.
    /// </summary>
    public Task ListenAsync(bool observeOthers, CancellationToken cancellationToken)
    {
        if (_catalog is not IJobNotifications notifications) return Task.CompletedTask;
        var first = true;
        return notifications.ListenAsync(
            n => OnNotification(n, observeOthers),
            () =>
            {
                LogListening(_logger, first ? "listening" : "listening again");
                if (!first && observeOthers) CatchUp();
                first = false;
                NotificationsConnected?.Invoke(this, EventArgs.Empty);
            },
            e => LogListenLost(_logger, e),
            cancellationToken);
    }

    private void OnNotification(JobNotification n, bool observeOthers)
    {
        try
        {
            if (_running.TryGetValue(n.JobId, out var cts))
            {
                // Its events are raised here as they happen; only a cancel from elsewhere needs acting on.
                if (n.CancelRequested) TryCancel(cts);
                return;
            }
            if (n.State == JobState.Queued && !n.CancelRequested) JobQueued?.Invoke(this, n);
            if (observeOthers && _catalog.GetJob(n.JobId) is { } job) Observe(job);
        }
        catch (Exception e) when (e is TraumException or IOException or InvalidOperationException or System.Data.Common.DbException)
        {
            LogNotificationFailed(_logger, e, n.JobId);
        }
    }

    /// <summary>
    /// Raises "log" for each data point of a job another runtime runs (or ran) that was not raised here yet, read from
    /// the catalog: so a server shows the training curve of a job a worker runs, or one the command line ran. Nothing
    /// for a job running here (its points are raised as they are logged).
    /// </summary>
    public void CatchUpLog(string jobId, JobInfo? job = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        if (_running.ContainsKey(jobId)) return;
        lock (_logGate)
        {
            while (true)
            {
                var entries = _catalog.GetJobLog(jobId, _logSeen.GetValueOrDefault(jobId), 1_000);
                if (entries.Count == 0) return;
                job ??= _catalog.GetJob(jobId);
                if (job is null) return;
                foreach (var entry in entries)
                {
                    object data;
                    try
                    {
                        using var doc = JsonDocument.Parse(entry.Data);
                        data = doc.RootElement.Clone();
                    }
                    catch (JsonException)
                    {
                        data = entry.Data;
                    }
                    _logSeen[jobId] = entry.Sequence;
                    JobEvent?.Invoke(this, new JobEventArgs("log", job, data));
                }
            }
        }
    }

    /// <summary>Keeps a data point of a job running here in the catalog, for other processes; a catalog that fails only loses the point there.</summary>
    private void WriteLog(string jobId, object data)
    {
        try
        {
            var seq = _catalog.AppendJobLog(jobId, JsonSerializer.Serialize(data, JsonOptions));
            _logSeen.AddOrUpdate(jobId, seq, (_, old) => Math.Max(old, seq));
        }
        catch (Exception e) when (e is TraumException or IOException or InvalidOperationException or NotSupportedException or System.Data.Common.DbException)
        {
            LogLogWriteFailed(_logger, e, jobId);
        }
    }

    /// <summary>Raises "state" when the state differs from what was last seen of the job, "progress" when only progress or message did.</summary>
    private void Observe(JobInfo job)
    {
        // Its data points first: a listener that stops at the final state has them all by then.
        CatchUpLog(job.Id, job);
        var before = _seen.TryGetValue(job.Id, out var b) ? b : null;
        if (before is not null && before.State == job.State && before.Progress.Equals(job.Progress) && before.Message == job.Message) return;
        if (before is null || before.State != job.State) Raise("state", job);
        else
        {
            _seen[job.Id] = job;
            JobEvent?.Invoke(this, new JobEventArgs("progress", job));
        }
    }

    /// <summary>After a lost connection: reads again the jobs seen unfinished, whose changes may have gone unannounced.</summary>
    private void CatchUp()
    {
        foreach (var (id, job) in _seen)
        {
            if (_running.ContainsKey(id) || IsFinal(job.State)) continue;
            try
            {
                if (_catalog.GetJob(id) is { } now) Observe(now);
            }
            catch (Exception e) when (e is TraumException or IOException or InvalidOperationException or System.Data.Common.DbException)
            {
                LogNotificationFailed(_logger, e, id);
            }
        }
    }

    private static bool IsFinal(JobState s) => s is JobState.Succeeded or JobState.Failed or JobState.Cancelled or JobState.Interrupted;

    private static void TryCancel(CancellationTokenSource cts)
    {
        try
        {
            cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The job ended meanwhile.
        }
    }

    internal static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private async Task ExecuteAsync(JobInfo claimed, Func<JobContext, Task<string?>> work, IProgress<ProgressInfo>? observer, bool rethrow,
        CancellationToken cancellationToken, CancellationToken stoppingToken)
    {
        var id = claimed.Id;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _running[id] = cts;
        var lease = new LeaseWatch();
        var progress = new PersistedProgress(this, claimed, observer);
        using var stopHeartbeat = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(id, cts, lease, stopHeartbeat.Token);
        try
        {
            Raise("state", _catalog.GetJob(id) ?? claimed);
            LogStarted(_logger, id, claimed.Kind);
            string? result;
            try
            {
                var context = new JobContext(id, progress, cts.Token)
                {
                    Job = claimed,
                    Log = data =>
                    {
                        WriteLog(id, data);
                        Raise("log", progress.Current, data);
                    },
                };
                result = await work(context).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                progress.Flush();
                if (lease.Lost)
                {
                    LogLeaseLost(_logger, id);
                }
                else if (stoppingToken.IsCancellationRequested && !lease.CancelRequested && !_catalog.IsJobCancelRequested(id))
                {
                    Finish(id, JobState.Interrupted, error: null, result: null, message: "the runtime stopped; retry to continue");
                }
                else
                {
                    Finish(id, JobState.Cancelled, error: "Cancelled.", result: null, message: "cancelled");
                    LogFinished(_logger, id, JobState.Cancelled);
                }
                if (rethrow) throw;
                return;
            }
            catch (Exception e) when (!rethrow && IsCatalogFault(e))
            {
                // The catalog went away under the job (a database restart, a network cut): that is no fault of the
                // job's, so it is not marked failed but left to be taken over once its lease expires, like the job
                // of a runtime that died. Its steps are idempotent; the next attempt skips what is already done.
                LogCatalogLost(_logger, e, id);
                return;
            }
            catch (Exception e)
            {
                progress.Flush();
                // What a user can act on is kept; an internal error keeps its details for the log.
                var error = e is TraumException ? e.Message : $"internal error ({e.GetType().Name}); see the log";
                if (!lease.Lost) Finish(id, JobState.Failed, error, result: null, message: "failed");
                LogFailed(_logger, e, id);
                if (rethrow) throw;
                return;
            }
            progress.Flush();
            if (!lease.Lost) Finish(id, JobState.Succeeded, error: null, result, message: null); // keeps the last progress message
            LogFinished(_logger, id, JobState.Succeeded);
        }
        finally
        {
            await stopHeartbeat.CancelAsync().ConfigureAwait(false);
            try
            {
                await heartbeat.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped above.
            }
            _running.TryRemove(id, out _);
        }
    }

    /// <summary>Whether <paramref name="e"/> (or what it wraps) is a transient failure of the catalog's connection.</summary>
    internal static bool IsCatalogFault(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is System.Data.Common.DbException { IsTransient: true }) return true;
        }
        return false;
    }

    private void Finish(string id, JobState state, string? error, string? result, string? message)
    {
        if (_catalog.FinishOwnedJob(id, Owner, state, error, result, message) && _catalog.GetJob(id) is { } job) Raise("state", job);
    }

    /// <summary>Renews the lease until stopped; cancels the work when the lease is lost or a cancel was requested.</summary>
    private async Task HeartbeatAsync(string id, CancellationTokenSource work, LeaseWatch lease, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(_options.Heartbeat, stop).ConfigureAwait(false);
            LeaseRenewal renewal;
            try
            {
                renewal = _catalog.RenewJobLease(id, Owner, _options.Lease);
            }
            catch (Exception e) when (e is TraumException or IOException or InvalidOperationException or System.Data.Common.DbException)
            {
                LogHeartbeatFailed(_logger, e, id);
                continue; // the catalog may be busy; the lease has room for a missed beat
            }
            if (!renewal.Held)
            {
                lease.Lost = true;
                await work.CancelAsync().ConfigureAwait(false);
                return;
            }
            if (renewal.CancelRequested)
            {
                lease.CancelRequested = true;
                await work.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    private void Raise(string type, JobInfo job, object? data = null)
    {
        if (type == "state")
        {
            // What listeners last heard of the job, so a notification of the same change is not raised twice; finished
            // jobs are forgotten once many are remembered.
            if (_seen.Count > 10_000)
            {
                foreach (var (k, v) in _seen) if (IsFinal(v.State)) _seen.TryRemove(k, out _);
            }
            _seen[job.Id] = job;
        }
        JobEvent?.Invoke(this, new JobEventArgs(type, job, data));
        if (type == "state") JobUpdated?.Invoke(this, job);
    }

    private sealed class LeaseWatch
    {
        public volatile bool Lost;
        public volatile bool CancelRequested;
    }

    /// <summary>Forwards every report to the observer and listeners, and saves the latest one at most every interval.</summary>
    private sealed class PersistedProgress(JobRunner runner, JobInfo claimed, IProgress<ProgressInfo>? observer) : IProgress<ProgressInfo>
    {
        private readonly Lock _gate = new();
        private DateTimeOffset _lastSaved = DateTimeOffset.MinValue;
        private ProgressInfo? _pending;
        private JobInfo _current = claimed with { State = JobState.Running };

        public JobInfo Current
        {
            get
            {
                lock (_gate) return _current;
            }
        }

        public void Report(ProgressInfo value)
        {
            observer?.Report(value);
            JobInfo snapshot;
            var save = false;
            lock (_gate)
            {
                _current = _current with { Progress = double.IsFinite(value.Fraction) ? Math.Clamp(value.Fraction, 0, 1) : _current.Progress, Message = value.Message ?? _current.Message };
                snapshot = _current;
                var now = runner._time.GetUtcNow();
                if (now - _lastSaved < runner.ProgressInterval)
                {
                    _pending = value;
                }
                else
                {
                    _lastSaved = now;
                    _pending = null;
                    save = true;
                }
            }
            runner.JobEvent?.Invoke(runner, new JobEventArgs("progress", snapshot));
            if (save) Save(value);
        }

        public void Flush()
        {
            ProgressInfo? p;
            lock (_gate)
            {
                p = _pending;
                _pending = null;
            }
            if (p is { } v) Save(v);
        }

        private void Save(ProgressInfo p)
        {
            runner._catalog.UpdateOwnedJobProgress(claimed.Id, runner.Owner, p.Fraction, p.Message);
            if (runner.JobUpdated is { } handler && runner._catalog.GetJob(claimed.Id) is { } info) handler(runner, info);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Id} ({Kind}) started")]
    private static partial void LogStarted(ILogger logger, string id, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Id} finished: {State}")]
    private static partial void LogFinished(ILogger logger, string id, JobState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Id} failed")]
    private static partial void LogFailed(ILogger logger, Exception e, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Id} ({Kind}) was left running by a runtime that is gone; marked interrupted")]
    private static partial void LogInterrupted(ILogger logger, string id, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Id}: its lease was lost (another runtime took it over); this runtime stopped it")]
    private static partial void LogLeaseLost(ILogger logger, string id);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job notifications: {What}")]
    private static partial void LogListening(ILogger logger, string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job notifications: the connection was lost; reconnecting (workers poll meanwhile)")]
    private static partial void LogListenLost(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Id}: could not read the job after its notification")]
    private static partial void LogNotificationFailed(ILogger logger, Exception e, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Id}: the catalog could not be reached; the job is left for a runtime to take over when its lease expires")]
    private static partial void LogCatalogLost(ILogger logger, Exception e, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Id}: could not renew its lease")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception e, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Id}: a data point could not be written to the catalog; only this process shows it")]
    private static partial void LogLogWriteFailed(ILogger logger, Exception e, string id);
}
