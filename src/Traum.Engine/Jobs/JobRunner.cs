using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traum.Catalog;
using Traum.Core;

namespace Traum.Engine.Jobs;

/// <summary>What a job's work function gets: its id, a progress sink (persisted, throttled) and its cancellation.</summary>
/// <param name="JobId">The job's id in the catalog.</param>
/// <param name="Progress">Report progress here; it is saved to the job record at most every <see cref="JobRunner.ProgressInterval"/> and forwarded to the caller's observer.</param>
/// <param name="CancellationToken">Cancelled by the caller's token or by <see cref="JobRunner.Cancel"/>.</param>
public sealed record JobContext(string JobId, IProgress<ProgressInfo> Progress, CancellationToken CancellationToken);

/// <summary>
/// Runs long work as jobs with a durable record in the catalog: created Queued, marked Running (owned by this
/// process), progress saved at most every <see cref="ProgressInterval"/>, and finished Succeeded, Failed or
/// Cancelled. A process that dies leaves its jobs Running; <see cref="RecoverInterrupted"/> (called at start-up)
/// marks those Interrupted. The command line runs jobs in the foreground; the server runs several in the background
/// and cancels them by id.
/// </summary>
public sealed partial class JobRunner
{
    private readonly CatalogStore _catalog;
    private readonly TimeProvider _time;
    private readonly ILogger<JobRunner> _logger;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new();

    public JobRunner(CatalogStore catalog, TimeProvider? time = null, ILogger<JobRunner>? logger = null)
    {
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger<JobRunner>.Instance;
    }

    /// <summary>Least time between two progress writes to the catalog.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Raised after a job's record changes (start, saved progress, finish), with the new record.</summary>
    public event EventHandler<JobInfo>? JobUpdated;

    /// <summary>Ids of the jobs this runner is running now.</summary>
    public IReadOnlyCollection<string> RunningJobIds => [.. _running.Keys];

    /// <summary>Marks jobs left Running by a process that is gone as Interrupted; returns them.</summary>
    public IReadOnlyList<JobInfo> RecoverInterrupted()
    {
        var marked = _catalog.MarkInterruptedJobs();
        foreach (var j in marked) LogInterrupted(_logger, j.Id, j.Kind);
        return marked;
    }

    /// <summary>Creates a Queued job record (the server queues before it runs).</summary>
    public JobInfo Create(string kind, object? parameters = null) =>
        _catalog.CreateJob(kind, parameters is null ? null : JsonSerializer.Serialize(parameters, JsonOptions));

    /// <summary>Creates a job and runs it; see <see cref="RunAsync{T}(JobInfo, Func{JobContext, Task{T}}, IProgress{ProgressInfo}?, CancellationToken)"/>.</summary>
    public Task<T> RunAsync<T>(string kind, object? parameters, Func<JobContext, Task<T>> work, IProgress<ProgressInfo>? observer, CancellationToken cancellationToken) =>
        RunAsync(Create(kind, parameters), work, observer, cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> as <paramref name="job"/>. Its result is saved as JSON. An exception marks the job
    /// Failed (with the message) and is rethrown; cancellation marks it Cancelled and rethrows.
    /// </summary>
    public async Task<T> RunAsync<T>(JobInfo job, Func<JobContext, Task<T>> work, IProgress<ProgressInfo>? observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(work);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (!_running.TryAdd(job.Id, cts)) throw new InvalidInputException($"Job {job.Id} is already running.");
        var progress = new PersistedProgress(this, job.Id, observer);
        try
        {
            _catalog.StartJob(job.Id);
            Notify(job.Id);
            LogStarted(_logger, job.Id, job.Kind);
            T result;
            try
            {
                result = await work(new JobContext(job.Id, progress, cts.Token)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                progress.Flush();
                _catalog.FinishJob(job.Id, JobState.Cancelled, error: "Cancelled.");
                Notify(job.Id);
                LogFinished(_logger, job.Id, JobState.Cancelled);
                throw;
            }
            catch (Exception e)
            {
                progress.Flush();
                _catalog.FinishJob(job.Id, JobState.Failed, error: e.Message);
                Notify(job.Id);
                LogFailed(_logger, e, job.Id);
                throw;
            }
            progress.Flush();
            _catalog.FinishJob(job.Id, JobState.Succeeded, resultJson: JsonSerializer.Serialize(result, JsonOptions));
            Notify(job.Id);
            LogFinished(_logger, job.Id, JobState.Succeeded);
            return result;
        }
        finally
        {
            _running.TryRemove(job.Id, out _);
        }
    }

    /// <summary>Requests cancellation of a job this runner is running. Returns false when it is not running here.</summary>
    public bool Cancel(string jobId)
    {
        if (!_running.TryGetValue(jobId, out var cts)) return false;
        cts.Cancel();
        return true;
    }

    internal static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private void Notify(string id)
    {
        if (JobUpdated is { } handler && _catalog.GetJob(id) is { } info) handler(this, info);
    }

    /// <summary>Forwards every report to the observer and saves the latest one at most every interval.</summary>
    private sealed class PersistedProgress(JobRunner runner, string jobId, IProgress<ProgressInfo>? observer) : IProgress<ProgressInfo>
    {
        private readonly Lock _gate = new();
        private DateTimeOffset _lastSaved = DateTimeOffset.MinValue;
        private ProgressInfo? _pending;

        public void Report(ProgressInfo value)
        {
            observer?.Report(value);
            lock (_gate)
            {
                var now = runner._time.GetUtcNow();
                if (now - _lastSaved < runner.ProgressInterval)
                {
                    _pending = value;
                    return;
                }
                _lastSaved = now;
                _pending = null;
                Save(value);
            }
        }

        public void Flush()
        {
            lock (_gate)
            {
                if (_pending is { } p) Save(p);
                _pending = null;
            }
        }

        private void Save(ProgressInfo p)
        {
            runner._catalog.UpdateJobProgress(jobId, p.Fraction, p.Message);
            runner.Notify(jobId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Id} ({Kind}) started")]
    private static partial void LogStarted(ILogger logger, string id, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Id} finished: {State}")]
    private static partial void LogFinished(ILogger logger, string id, JobState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Id} failed")]
    private static partial void LogFailed(ILogger logger, Exception e, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Id} ({Kind}) was left running by a process that is gone; marked interrupted")]
    private static partial void LogInterrupted(ILogger logger, string id, string kind);
}
