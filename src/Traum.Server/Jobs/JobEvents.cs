using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Traum.Core;

namespace Traum.Server.Jobs;

/// <summary>One thing that happened to a job: its state or progress changed, or its work reported a data point (e.g. an epoch's loss).</summary>
/// <param name="Type">"state", "progress" or "log".</param>
/// <param name="Job">The job record as it is after the event.</param>
/// <param name="Data">For "log": the reported data point (JSON-serialisable).</param>
internal sealed record JobEvent(string Type, JobInfo Job, object? Data = null);

/// <summary>
/// Fan-out of job events to any number of listeners (SSE streams, UI circuits). Each listener has its own
/// bounded queue; a slow listener loses its oldest progress events, never blocks a job.
/// </summary>
internal sealed class JobEvents
{
    private readonly ConcurrentDictionary<long, Subscriber> _subscribers = new();
    private readonly ConcurrentDictionary<string, List<object>> _logs = new(StringComparer.Ordinal);
    private long _next;

    /// <summary>Raised synchronously for every event (UI components re-render from it).</summary>
    public event Action<JobEvent>? Published;

    public void Publish(JobEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        // A job's log and its subscribers change under the same lock, so a subscriber that takes the log so far
        // (SubscribeWithLog) sees every point exactly once: in that snapshot or in its queue.
        var list = _logs.GetOrAdd(e.Job.Id, _ => []);
        lock (list)
        {
            if (e.Type == "log" && e.Data is not null && list.Count < 10_000) list.Add(e.Data);
            foreach (var s in _subscribers.Values)
            {
                if (s.JobId is null || s.JobId == e.Job.Id) s.Channel.Writer.TryWrite(e);
            }
        }
        Published?.Invoke(e);
    }

    /// <summary>The data points a job has logged so far (e.g. its training curve).</summary>
    public IReadOnlyList<object> LogOf(string jobId)
    {
        if (!_logs.TryGetValue(jobId, out var list)) return [];
        lock (list) return list.ToArray();
    }

    /// <summary>Starts listening to one job's events and returns the points it logged before, with none missed or repeated.</summary>
    public Subscription SubscribeWithLog(string jobId, out IReadOnlyList<object> logSoFar)
    {
        var list = _logs.GetOrAdd(jobId, _ => []);
        lock (list)
        {
            logSoFar = list.ToArray();
            return Subscribe(jobId);
        }
    }

    /// <summary>Starts listening to one job's events, or (null) every job's. Dispose the subscription to stop.</summary>
    public Subscription Subscribe(string? jobId)
    {
        var id = Interlocked.Increment(ref _next);
        var channel = Channel.CreateBounded<JobEvent>(new BoundedChannelOptions(256)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        _subscribers[id] = new Subscriber(jobId, channel);
        return new Subscription(channel.Reader, () => _subscribers.TryRemove(id, out _));
    }

    /// <summary>Events from now on, of one job or (null) of all jobs, until cancelled.</summary>
    public async IAsyncEnumerable<JobEvent> SubscribeAsync(string? jobId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var sub = Subscribe(jobId);
        await foreach (var e in sub.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false)) yield return e;
    }

    /// <summary>Number of open subscriptions (for tests and diagnostics).</summary>
    public int SubscriberCount => _subscribers.Count;

    private sealed record Subscriber(string? JobId, Channel<JobEvent> Channel);

    /// <summary>An open subscription: read events from <see cref="Reader"/>; dispose to stop.</summary>
    internal sealed class Subscription(ChannelReader<JobEvent> reader, Action unsubscribe) : IDisposable
    {
        public ChannelReader<JobEvent> Reader { get; } = reader;

        public void Dispose() => unsubscribe();
    }
}

/// <summary>States after which nothing more happens to a job unless it is retried.</summary>
internal static class JobStates
{
    public static bool IsFinished(JobState s) => s is JobState.Succeeded or JobState.Failed or JobState.Cancelled or JobState.Interrupted;
}
