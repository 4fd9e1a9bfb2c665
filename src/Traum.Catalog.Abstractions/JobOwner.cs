using System.Diagnostics;
using System.Globalization;

namespace Traum.Catalog;

/// <summary>
/// Names of job owners as every catalog provider writes them: <c>host:pid:start</c> for a process (start in whole
/// seconds since 0001-01-01 UTC), and a fourth part, a random instance id, for one job runtime in it.
/// </summary>
public static class JobOwner
{
    /// <summary>This process: host, pid and process start time.</summary>
    public static string Current { get; } = Of(Environment.ProcessId, Process.GetCurrentProcess().StartTime.ToUniversalTime());

    /// <summary>The owner name of process <paramref name="pid"/> on this machine, started at <paramref name="startUtc"/>.</summary>
    public static string Of(int pid, DateTime startUtc) =>
        string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{pid}:{startUtc.Ticks / TimeSpan.TicksPerSecond}");

    /// <summary>A fresh owner name for one job runtime: <see cref="Current"/> and 8 hex digits of a random instance id.</summary>
    public static string NewRuntime() => $"{Current}:{Guid.NewGuid():N}"[..(Current.Length + 9)];
}
