using System.Net.Sockets;
using Npgsql;
using Traum.Core;

namespace Traum.Catalog.Postgres;

/// <summary>
/// Job changes pushed with LISTEN/NOTIFY (<see cref="IJobNotifications"/>): migration v2's trigger calls
/// <c>pg_notify</c> in the transaction that changes a job, so a notification arrives only after the change commits,
/// and this listens on a dedicated, unpooled connection with TCP keepalive, reconnecting after it is lost.
/// </summary>
internal sealed partial class PostgresCatalog
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);

    /// <inheritdoc/>
    public async Task ListenAsync(Action<JobNotification> notified, Action connected, Action<Exception> connectionLost, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notified);
        ArgumentNullException.ThrowIfNull(connected);
        ArgumentNullException.ThrowIfNull(connectionLost);
        var builder = new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false, KeepAlive = 10, Enlist = false };
        var delay = FirstRetry;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var conn = new NpgsqlConnection(builder.ConnectionString);
                await using (conn.ConfigureAwait(false))
                {
                    conn.Notification += (_, e) =>
                    {
                        if (ParseNotification(e.Payload) is { } n) notified(n);
                    };
                    await conn.OpenAsync(cancellationToken).ConfigureAwait(false);
                    await using (var cmd = new NpgsqlCommand($"LISTEN {PostgresSchema.JobChannel};", conn))
                    {
                        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                    delay = FirstRetry;
                    connected();
                    while (true) await conn.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or SocketException or IOException or TimeoutException or InvalidOperationException)
            {
                connectionLost(e is PostgresException or NpgsqlException ? Explain(e) : e);
            }
            try
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(LastRetry.Ticks, delay.Ticks * 2));
        }
    }

    /// <summary>Reads "id state cancel kind"; null for anything else (a notification not written by this schema).</summary>
    internal static JobNotification? ParseNotification(string payload)
    {
        var parts = payload.Split(' ', 4);
        if (parts.Length != 4 || !Enum.TryParse<JobState>(parts[1], ignoreCase: false, out var state)) return null;
        return new JobNotification(parts[0], state, parts[3], parts[2] == "1");
    }
}
