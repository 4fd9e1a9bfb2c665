using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Jobs;
using Traum.Server.Services;

namespace Traum.Server.Jobs;

/// <summary>
/// The server's side of the one job runtime (<see cref="JobRunner"/>): it validates and queues jobs in the catalog,
/// and runs workers that claim them. Each lane (separation, training, generation, ingest, other) has a fixed number
/// of workers, so heavy work never starves lighter work, and requests (search, listing) never wait behind any of it.
/// Workers claim jobs from the catalog (so jobs queued by another server or lost by a dead worker are found too),
/// woken at once for jobs queued here and polling for the rest. Cancel and retry go through the catalog, so they
/// reach a job whichever process runs it. Disposing it (the container does, after the hosted workers stopped) detaches
/// it from the runtime's events and frees the lanes' wake-up signals.
/// </summary>
internal sealed partial class JobManager : IDisposable
{
    private readonly JobRunner _runner;
    private readonly ICatalog _catalog;
    private readonly JobEvents _events;
    private readonly Dictionary<string, IJobHandler> _handlers;
    private readonly Dictionary<string, Lane> _lanes;
    private readonly ILogger<JobManager> _log;
    private readonly IReadOnlyList<string> _runLanes;
    private readonly EventHandler<JobEventArgs> _onJobEvent;
    private readonly EventHandler<JobNotification> _onJobQueued;
    private readonly EventHandler _onNotificationsConnected;

    public JobManager(JobRunner runner, Library library, JobEvents events, IEnumerable<IJobHandler> handlers, ServerOptions options, ILogger<JobManager> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(library);
        _runner = runner;
        _catalog = library.Catalog;
        _events = events;
        // The last registration of a kind wins (a host can replace a handler).
        _handlers = new Dictionary<string, IJobHandler>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in handlers) _handlers[h.Kind] = h;
        _log = log;
        _runLanes = options.Lanes;
        string[] dedicated = [JobKinds.Separate, JobKinds.Train, JobKinds.Generate, JobKinds.Ingest];
        _lanes = new Dictionary<string, Lane>(StringComparer.Ordinal)
        {
            [JobKinds.Separate] = new(Kinds(JobKinds.Separate), Math.Max(1, options.SeparationWorkers)),
            [JobKinds.Train] = new(Kinds(JobKinds.Train), Math.Max(1, options.TrainingWorkers)),
            [JobKinds.Generate] = new(Kinds(JobKinds.Generate), Math.Max(1, options.GenerationWorkers)),
            [JobKinds.Ingest] = new(Kinds(JobKinds.Ingest), Math.Max(1, options.IngestWorkers)),
            ["other"] = new(_handlers.Keys.Where(k => !dedicated.Contains(k, StringComparer.OrdinalIgnoreCase)).ToArray(), Math.Max(1, options.OtherWorkers)),
        };
        _onJobEvent = (_, e) => _events.Publish(new JobEvent(e.Type, e.Job, e.Data));
        // On PostgreSQL a job queued by any process wakes the idle workers of its lane; polling stays as the fallback.
        _onJobQueued = (_, n) => LaneOf(n.Kind).Wake();
        _onNotificationsConnected = (_, _) =>
        {
            foreach (var lane in _lanes.Values) lane.Wake();
        };
        _runner.JobEvent += _onJobEvent;
        _runner.JobQueued += _onJobQueued;
        _runner.NotificationsConnected += _onNotificationsConnected;
    }

    /// <summary>Detaches from the runtime's events and disposes the lanes' signals.</summary>
    public void Dispose()
    {
        _runner.JobEvent -= _onJobEvent;
        _runner.JobQueued -= _onJobQueued;
        _runner.NotificationsConnected -= _onNotificationsConnected;
        foreach (var lane in _lanes.Values) lane.Dispose();
    }

    /// <summary>
    /// Listens to the catalog's job notifications (PostgreSQL; returns at once on SQLite) until stopped: wakes workers
    /// for jobs queued anywhere, and with <paramref name="observeOthers"/> publishes the state and progress of jobs
    /// other processes run to <see cref="JobEvents"/>, so this server's event streams carry every job.
    /// </summary>
    public async Task ListenAsync(bool observeOthers, CancellationToken stoppingToken)
    {
        try
        {
            await _runner.ListenAsync(observeOthers, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>
    /// Publishes the data points of a job another process runs or ran that this server has not published yet (read
    /// from the catalog), so a stream opened now starts with the whole training curve. A catalog that cannot be read
    /// leaves the stream with what was published.
    /// </summary>
    public void CatchUpLog(string id)
    {
        try
        {
            _runner.CatchUpLog(id);
        }
        catch (Exception e) when (e is TraumException or IOException or InvalidOperationException or System.Data.Common.DbException)
        {
            LogCatchUpFailed(id, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Id}: its data points could not be read from the catalog")]
    private partial void LogCatchUpFailed(string id, Exception e);

    private string[] Kinds(string kind) => _handlers.ContainsKey(kind) ? [kind] : [];

    /// <summary>Whether jobs of <paramref name="kind"/> can run in this build.</summary>
    public bool Supports(string kind) => _handlers.ContainsKey(kind);

    /// <summary>Validates and queues a job.</summary>
    /// <exception cref="FeatureUnavailableException">No handler for the kind in this build.</exception>
    /// <exception cref="InvalidInputException">Bad parameters.</exception>
    public async Task<JobInfo> SubmitAsync(string kind, string? parameters, CancellationToken cancellationToken)
    {
        if (!_handlers.TryGetValue(kind, out var handler)) throw new FeatureUnavailableException(FeatureName(kind));
        await handler.ValidateAsync(parameters, cancellationToken).ConfigureAwait(false);
        var job = _runner.Submit(handler.Kind, parameters);
        LaneOf(job.Kind).Wake();
        LogQueued(job.Id, job.Kind);
        return job;
    }

    /// <exception cref="NotFoundException">No such job.</exception>
    public Task<JobInfo> GetAsync(string id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var job = IsValidId(id) ? _catalog.GetJob(id) : null;
        return Task.FromResult(job ?? throw new NotFoundException($"No job with id '{id}'. List jobs with GET /api/jobs."));
    }

    public Task<IReadOnlyList<JobInfo>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_catalog.ListJobs(limit: Math.Clamp(limit, 1, 1000)));
    }

    /// <summary>Cancels a queued or running job, whichever process runs it. Finished jobs are left as they are.</summary>
    public async Task<JobInfo> CancelAsync(string id, CancellationToken cancellationToken)
    {
        await GetAsync(id, cancellationToken).ConfigureAwait(false);
        return _runner.RequestCancel(id);
    }

    /// <summary>Queues a failed, cancelled or interrupted job again with its saved parameters.</summary>
    /// <exception cref="InvalidInputException">The job is queued, running or succeeded.</exception>
    public async Task<JobInfo> RetryAsync(string id, CancellationToken cancellationToken)
    {
        var job = await GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (!_handlers.ContainsKey(job.Kind)) throw new FeatureUnavailableException(FeatureName(job.Kind));
        var queued = _runner.Requeue(id) ?? throw new InvalidInputException(
            $"Job '{id}' is {job.State.ToString().ToLowerInvariant()}; only failed, cancelled or interrupted jobs can be retried.");
        LaneOf(queued.Kind).Wake();
        return queued;
    }

    /// <summary>Recovers abandoned records, then runs the workers until <paramref name="stoppingToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        _runner.RecoverInterrupted();
        var workers = new List<Task> { RecoverLoopAsync(stoppingToken) };
        foreach (var (name, lane) in _lanes)
        {
            if (lane.Kinds.Count == 0) continue;
            if (_runLanes.Count > 0 && !_runLanes.Contains(name, StringComparer.OrdinalIgnoreCase)) continue;
            for (var i = 0; i < lane.Workers; i++) workers.Add(WorkerAsync(lane, stoppingToken));
        }
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    /// <summary>Marks jobs abandoned by runtimes that died (and that nobody takes over) as interrupted, now and then.</summary>
    private async Task RecoverLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(_runner.Options.Lease / 2, stoppingToken).ConfigureAwait(false);
                try
                {
                    _runner.RecoverInterrupted();
                }
                catch (Exception e) when (e is TraumException or IOException or System.Data.Common.DbException)
                {
                    LogRecoverFailed(e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task WorkerAsync(Lane lane, CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                bool ran;
                try
                {
                    ran = await _runner.RunNextAsync(lane.Kinds, ctx => RunHandlerAsync(ctx, stoppingToken), stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is TraumException or IOException or System.Data.Common.DbException)
                {
                    LogClaimFailed(e);
                    ran = false;
                }
                if (!ran) await lane.WaitAsync(_runner.Options.PollInterval, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; the running job was recorded as interrupted by the runtime.
        }
    }

    private async Task<string?> RunHandlerAsync(JobContext context, CancellationToken stoppingToken)
    {
        var job = context.Job!;
        if (!_handlers.TryGetValue(job.Kind, out var handler)) throw new FeatureUnavailableException(FeatureName(job.Kind));
        var run = new JobRun(job, context.Progress, context.Log);
        LogStarted(job.Id, job.Kind);
        _ = stoppingToken;
        var result = await Task.Run(() => handler.RunAsync(run, context.CancellationToken), context.CancellationToken).ConfigureAwait(false);
        if (JobKinds.AddsStems(job.Kind)) QueueReindex();
        return result;
    }

    /// <summary>Queues a reindex (percentiles, missing analyses) unless one is already waiting.</summary>
    private void QueueReindex()
    {
        if (!_handlers.ContainsKey(JobKinds.Reindex)) return;
        if (_catalog.ListJobs(JobState.Queued, JobKinds.Reindex, limit: 1).Count > 0) return;
        var job = _runner.Submit(JobKinds.Reindex, null);
        LaneOf(job.Kind).Wake();
        LogQueued(job.Id, job.Kind);
    }

    private Lane LaneOf(string kind)
    {
        foreach (var lane in _lanes.Values)
        {
            if (lane.Kinds.Contains(kind, StringComparer.OrdinalIgnoreCase)) return lane;
        }
        return _lanes["other"];
    }

    /// <summary>Job ids are 32 hex digits (older records: up to 64 letters, digits and dashes).</summary>
    internal static bool IsValidId(string id) =>
        id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    internal static string FeatureName(string kind) => kind.ToLowerInvariant() switch
    {
        "separate" => "Separation",
        "ingest" => "Ingest",
        "train" => "Training",
        "generate" => "Generation",
        _ => $"The '{kind}' job",
    };

    /// <summary>The kinds one group of workers runs, and the signal that wakes them when such a job is queued here.</summary>
    private sealed class Lane(IReadOnlyList<string> kinds, int workers) : IDisposable
    {
        private readonly SemaphoreSlim _signal = new(0, int.MaxValue);

        public IReadOnlyList<string> Kinds { get; } = kinds;

        public int Workers { get; } = workers;

        public void Wake() => _signal.Release(Workers);

        /// <summary>Waits until woken or <paramref name="timeout"/> passes; true when woken.</summary>
        public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

        public void Dispose() => _signal.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Id} ({Kind}) queued")]
    private partial void LogQueued(string id, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Id} ({Kind}) started")]
    private partial void LogStarted(string id, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not claim a job")]
    private partial void LogClaimFailed(Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not recover abandoned jobs")]
    private partial void LogRecoverFailed(Exception e);
}

/// <summary>Listens to the catalog's job notifications for the lifetime of a server or worker (see <see cref="JobManager.ListenAsync"/>).</summary>
internal sealed class JobNotificationHost(JobManager manager, bool observeOthers) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => manager.ListenAsync(observeOthers, stoppingToken);
}

/// <summary>Runs the <see cref="JobManager"/>'s workers for the lifetime of the server.</summary>
internal sealed class JobHost(JobManager manager) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => manager.RunAsync(stoppingToken);
}
