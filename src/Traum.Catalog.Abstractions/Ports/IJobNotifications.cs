using Traum.Core;

namespace Traum.Catalog;

/// <summary>One change of a job record as another process (or this one) committed it: created, progressed, finished, cancel requested.</summary>
/// <param name="JobId">The job's id.</param>
/// <param name="State">Its state after the change.</param>
/// <param name="Kind">Its kind (so idle workers of that lane can wake).</param>
/// <param name="CancelRequested">Whether a cancel was requested for it.</param>
public sealed record JobNotification(string JobId, JobState State, string Kind, bool CancelRequested);

/// <summary>
/// Optional port of catalogs shared by several processes: a push of every committed job change, so a server streams
/// the events of jobs other processes run and idle workers wake for new jobs at once. Catalogs without it (SQLite)
/// are polled. Notifications may be lost while the connection is down; <c>connected</c> is called each time listening
/// (re)starts, so a listener can read what it may have missed.
/// </summary>
public interface IJobNotifications
{
    /// <summary>
    /// Listens until <paramref name="cancellationToken"/> fires, calling <paramref name="notified"/> for each change,
    /// and reconnects after a lost connection. Never throws but for cancellation.
    /// </summary>
    /// <param name="notified">Called for each change, on the listening task (keep it short).</param>
    /// <param name="connected">Called each time listening starts or starts again after a lost connection.</param>
    /// <param name="connectionLost">Called with the error when the connection is lost or cannot be made.</param>
    /// <param name="cancellationToken">Stops listening.</param>
    Task ListenAsync(Action<JobNotification> notified, Action connected, Action<Exception> connectionLost, CancellationToken cancellationToken);
}
