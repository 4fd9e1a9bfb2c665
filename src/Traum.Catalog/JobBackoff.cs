namespace Traum.Catalog;

/// <summary>
/// How long a job whose runtime died waits, after its lease expired, before another runtime takes it over: nothing
/// for the first take-over, then 1, 3, 7 and at most 15 leases (2^(k−1) − 1 for the k-th attempt's predecessor), so a
/// job that crashes every worker that runs it is retried ever more slowly until its attempts run out.
/// </summary>
internal static class JobBackoff
{
    /// <summary>The wait after the lease of a job that has had <paramref name="attempts"/> attempts expired.</summary>
    /// <param name="attempts">Attempts made so far (1 or more).</param>
    /// <param name="lease">The lease length.</param>
    public static TimeSpan After(int attempts, TimeSpan lease) => lease * ((1 << (Math.Clamp(attempts, 1, 5) - 1)) - 1);
}
