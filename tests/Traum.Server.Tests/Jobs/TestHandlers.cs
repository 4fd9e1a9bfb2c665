using Traum.Core;
using Traum.Server.Jobs;

namespace Traum.Server.Tests.Jobs;

/// <summary>A job handler whose behaviour the test scripts.</summary>
internal sealed class ScriptedHandler(string kind, Func<JobRun, CancellationToken, Task<string?>> run) : IJobHandler
{
    public string Kind => kind;

    public int Runs;

    public Task ValidateAsync(string? parameters, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<string?> RunAsync(JobRun run1, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Runs);
        return run(run1, cancellationToken);
    }
}
