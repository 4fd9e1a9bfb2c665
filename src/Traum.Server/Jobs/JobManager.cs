using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Traum.Core;
using Traum.Server.Services;

namespace Traum.Server.Jobs;

/// <summary>
/// Queues, runs, cancels and retries jobs. Each lane (separation, training, generation, ingest, other) has
/// its own <see cref="Channel{T}"/> and a fixed number of workers, so heavy work never starves lighter
/// work, and requests (search, listing) never wait behind any of it. Records are durable in the
/// <see cref="IJobStore"/>: at start-up, jobs left running are marked Interrupted (retry resumes them,
/// the handlers being idempotent) and jobs left queued are queued again.
/// </summary>
internal sealed partial class JobManager
{
    private static readonly TimeSpan s_saveInterval = TimeSpan.FromMilliseconds(500);

    private readonly IJobStore _store;
    private readonly JobEvents _events;
    private readonly Dictionary<string, IJobHandler> _handlers;
    private readonly Dictionary<string, (Channel<string> Queue, int Workers)> _lanes;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _cancelRequested = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger<JobManager> _log;

    public JobManager(IJobStore store, JobEvents events, IEnumerable<IJobHandler> handlers, ServerOptions options,
        TimeProvider time, ILogger<JobManager> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _events = events;
        // The last registration of a kind wins (a host can replace a handler).
        _handlers = new Dictionary<string, IJobHandler>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in handlers) _handlers[h.Kind] = h;
        _time = time;
        _log = log;
        _lanes = new Dictionary<string, (Channel<string>, int)>(StringComparer.Ordinal)
        {
            ["separate"] = (Channel.CreateUnbounded<string>(), Math.Max(1, options.SeparationWorkers)),
            ["train"] = (Channel.CreateUnbounded<string>(), Math.Max(1, options.TrainingWorkers)),
            ["generate"] = (Channel.CreateUnbounded<string>(), Math.Max(1, options.GenerationWorkers)),
            ["ingest"] = (Channel.CreateUnbounded<string>(), Math.Max(1, options.IngestWorkers)),
            ["other"] = (Channel.CreateUnbounded<string>(), Math.Max(1, options.OtherWorkers)),
        };
    }

    /// <summary>Whether jobs of <paramref name="kind"/> can run in this build.</summary>
    public bool Supports(string kind) => _handlers.ContainsKey(kind);

    /// <summary>Validates and queues a job.</summary>
    /// <exception cref="FeatureUnavailableException">No handler for the kind in this build.</exception>
    /// <exception cref="InvalidInputException">Bad parameters.</exception>
    public async Task<JobInfo> SubmitAsync(string kind, string? parameters, CancellationToken cancellationToken)
    {
        if (!_handlers.TryGetValue(kind, out var handler)) throw new FeatureUnavailableException(FeatureName(kind));
        await handler.ValidateAsync(parameters, cancellationToken).ConfigureAwait(false);
        var job = await _store.CreateAsync(handler.Kind, parameters, cancellationToken).ConfigureAwait(false);
        _events.Publish(new JobEvent("state", job));
        await LaneOf(job.Kind).Queue.Writer.WriteAsync(job.Id, cancellationToken).ConfigureAwait(false);
        LogQueued(job.Id, job.Kind);
        return job;
    }

    /// <exception cref="NotFoundException">No such job.</exception>
    public async Task<JobInfo> GetAsync(string id, CancellationToken cancellationToken) =>
        await _store.GetAsync(id, cancellationToken).ConfigureAwait(false)
        ?? throw new NotFoundException($"No job with id '{id}'. List jobs with GET /api/jobs.");

    public Task<IReadOnlyList<JobInfo>> ListAsync(int limit, CancellationToken cancellationToken) =>
        _store.ListAsync(Math.Clamp(limit, 1, 1000), cancellationToken);

    /// <summary>Cancels a queued or running job. Finished jobs are left as they are.</summary>
    public async Task<JobInfo> CancelAsync(string id, CancellationToken cancellationToken)
    {
        var job = await GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (JobStates.IsFinished(job.State)) return job;
        _cancelRequested[id] = true;
        if (_running.TryGetValue(id, out var cts))
        {
            await cts.CancelAsync().ConfigureAwait(false);
            return job;
        }
        // Still queued: the worker will skip it; record the cancellation now.
        var cancelled = job with { State = JobState.Cancelled, FinishedAt = _time.GetUtcNow(), Message = "cancelled before it started" };
        await SaveAndPublishAsync(cancelled, "state", CancellationToken.None).ConfigureAwait(false);
        return cancelled;
    }

    /// <summary>Queues a failed, cancelled or interrupted job again with its saved parameters.</summary>
    /// <exception cref="InvalidInputException">The job is queued, running or succeeded.</exception>
    public async Task<JobInfo> RetryAsync(string id, CancellationToken cancellationToken)
    {
        var job = await GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (job.State is not (JobState.Failed or JobState.Cancelled or JobState.Interrupted))
        {
            throw new InvalidInputException($"Job '{id}' is {job.State.ToString().ToLowerInvariant()}; only failed, cancelled or interrupted jobs can be retried.");
        }
        if (!_handlers.ContainsKey(job.Kind)) throw new FeatureUnavailableException(FeatureName(job.Kind));
        _cancelRequested.TryRemove(id, out _);
        var queued = job with { State = JobState.Queued, Error = null, Message = "queued again", Progress = 0, StartedAt = null, FinishedAt = null };
        await SaveAndPublishAsync(queued, "state", cancellationToken).ConfigureAwait(false);
        await LaneOf(job.Kind).Queue.Writer.WriteAsync(id, cancellationToken).ConfigureAwait(false);
        return queued;
    }

    /// <summary>Recovers records after a restart, then runs the workers until <paramref name="stoppingToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        await RecoverAsync(stoppingToken).ConfigureAwait(false);
        var workers = new List<Task>();
        foreach (var (lane, (queue, count)) in _lanes)
        {
            for (var i = 0; i < count; i++) workers.Add(WorkerAsync(lane, queue.Reader, stoppingToken));
        }
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        foreach (var job in await _store.RecoverAsync(cancellationToken).ConfigureAwait(false)) LogInterrupted(job.Id, job.Kind);
        var all = await _store.ListAsync(10_000, cancellationToken).ConfigureAwait(false);
        foreach (var job in all.Where(j => j.State == JobState.Queued && _handlers.ContainsKey(j.Kind)).OrderBy(j => j.CreatedAt))
        {
            // Queued but never started (the server stopped first): resume by queueing it again.
            await LaneOf(job.Kind).Queue.Writer.WriteAsync(job.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WorkerAsync(string lane, ChannelReader<string> reader, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var id in reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await RunOneAsync(id, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; running jobs were marked below.
        }
        _ = lane;
    }

    private async Task RunOneAsync(string id, CancellationToken stoppingToken)
    {
        var job = await _store.GetAsync(id, stoppingToken).ConfigureAwait(false);
        if (job is null || job.State != JobState.Queued || _cancelRequested.ContainsKey(id)) return;
        if (!_handlers.TryGetValue(job.Kind, out var handler)) return;

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        _running[id] = cts;
        var current = job with { State = JobState.Running, StartedAt = _time.GetUtcNow(), Message = "started" };
        await SaveAndPublishAsync(current, "state", stoppingToken).ConfigureAwait(false);
        var gate = new Lock();
        var lastSave = _time.GetUtcNow();
        var progress = new InlineProgress(p =>
        {
            JobInfo snapshot;
            bool save;
            lock (gate)
            {
                if (current.State != JobState.Running) return;
                current = current with { Progress = p.Fraction, Message = p.Message ?? current.Message };
                snapshot = current;
                var now = _time.GetUtcNow();
                save = now - lastSave >= s_saveInterval;
                if (save) lastSave = now;
            }
            _events.Publish(new JobEvent("progress", snapshot));
            if (save) _ = SaveQuietlyAsync(snapshot);
        });
        var run = new JobRun(current, progress, data =>
        {
            JobInfo snapshot;
            lock (gate) snapshot = current;
            _events.Publish(new JobEvent("log", snapshot, data));
        });
        LogStarted(id, job.Kind);
        JobInfo final;
        try
        {
            var result = await Task.Run(() => handler.RunAsync(run, cts.Token), cts.Token).ConfigureAwait(false);
            lock (gate) final = current with { State = JobState.Succeeded, Progress = 1, Result = result, Message = "done", FinishedAt = _time.GetUtcNow() };
            LogSucceeded(id, job.Kind);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested && !_cancelRequested.ContainsKey(id))
        {
            lock (gate) final = current with { State = JobState.Interrupted, Message = "the server stopped; retry to continue", FinishedAt = _time.GetUtcNow() };
        }
        catch (OperationCanceledException)
        {
            lock (gate) final = current with { State = JobState.Cancelled, Message = "cancelled", FinishedAt = _time.GetUtcNow() };
            LogCancelled(id, job.Kind);
        }
        catch (TraumException e)
        {
            lock (gate) final = current with { State = JobState.Failed, Error = e.Message, Message = "failed", FinishedAt = _time.GetUtcNow() };
            LogFailed(id, job.Kind, e.Message);
        }
        catch (Exception e)
        {
            // Internal error: the record gets a generic message, the log gets the details.
            lock (gate) final = current with { State = JobState.Failed, Error = $"internal error ({e.GetType().Name}); see the server log", Message = "failed", FinishedAt = _time.GetUtcNow() };
            LogCrashed(e, id, job.Kind);
        }
        finally
        {
            _running.TryRemove(id, out _);
        }
        lock (gate) current = final;
        await SaveAndPublishAsync(final, "state", CancellationToken.None).ConfigureAwait(false);
    }

    private async Task SaveAndPublishAsync(JobInfo job, string type, CancellationToken cancellationToken)
    {
        await _store.SaveAsync(job, cancellationToken).ConfigureAwait(false);
        _events.Publish(new JobEvent(type, job));
    }

    private async Task SaveQuietlyAsync(JobInfo job)
    {
        try
        {
            // Only while it is still running; the final state is saved by the worker itself.
            if (_running.ContainsKey(job.Id)) await _store.SaveAsync(job, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogSaveFailed(e, job.Id);
        }
    }

    private (Channel<string> Queue, int Workers) LaneOf(string kind) =>
        _lanes.TryGetValue(kind.ToLowerInvariant(), out var lane) ? lane : _lanes["other"];

    internal static string FeatureName(string kind) => kind.ToLowerInvariant() switch
    {
        "separate" => "Separation",
        "ingest" => "Ingest",
        "train" => "Training",
        "generate" => "Generation",
        _ => $"The '{kind}' job",
    };

    /// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; posts to the thread pool out of order).</summary>
    private sealed class InlineProgress(Action<ProgressInfo> report) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => report(value);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Id} ({Kind}) queued")]
    private partial void LogQueued(string id, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Id} ({Kind}) started")]
    private partial void LogStarted(string id, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Id} ({Kind}) succeeded")]
    private partial void LogSucceeded(string id, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Id} ({Kind}) cancelled")]
    private partial void LogCancelled(string id, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Id} ({Kind}) failed: {Error}")]
    private partial void LogFailed(string id, string kind, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Id} ({Kind}) crashed")]
    private partial void LogCrashed(Exception e, string id, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Id} ({Kind}) was running when the server stopped; marked interrupted")]
    private partial void LogInterrupted(string id, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not save progress of job {Id}")]
    private partial void LogSaveFailed(Exception e, string id);
}

/// <summary>Runs the <see cref="JobManager"/>'s workers for the lifetime of the server.</summary>
internal sealed class JobHost(JobManager manager) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => manager.RunAsync(stoppingToken);
}
