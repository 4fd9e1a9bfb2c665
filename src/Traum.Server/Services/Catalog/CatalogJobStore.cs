using System.Collections.Concurrent;
using Traum.Catalog;
using Traum.Core;
using Traum.Server.Jobs;

namespace Traum.Server.Services.Catalog;

/// <summary>
/// Job records in the catalog's jobs table, shared with the command line. A job queued again for a retry keeps
/// its final state in the catalog until it starts (so a crash in between leaves it retryable); this store
/// overlays "queued" in memory meanwhile.
/// </summary>
internal sealed class CatalogJobStore(Library library) : IJobStore
{
    private readonly ConcurrentDictionary<string, JobInfo> _requeued = new(StringComparer.Ordinal);

    public Task<JobInfo> CreateAsync(string kind, string? parameters, CancellationToken cancellationToken) =>
        Task.FromResult(library.Catalog.CreateJob(kind, parameters));

    public Task SaveAsync(JobInfo job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var catalog = library.Catalog;
        var stored = catalog.GetJob(job.Id) ?? throw new NotFoundException($"No job with id '{job.Id}'.");
        switch (job.State)
        {
            case JobState.Queued:
                if (stored.State != JobState.Queued) _requeued[job.Id] = job;
                catalog.UpdateJobProgress(job.Id, job.Progress, job.Message);
                break;
            case JobState.Running:
                _requeued.TryRemove(job.Id, out _);
                if (stored.State != JobState.Running) catalog.StartJob(job.Id);
                catalog.UpdateJobProgress(job.Id, job.Progress, job.Message);
                break;
            default:
                _requeued.TryRemove(job.Id, out _);
                catalog.FinishJob(job.Id, job.State, job.Error, job.Result, job.Message);
                break;
        }
        return Task.CompletedTask;
    }

    public Task<JobInfo?> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (!FileJobStore.IsValidId(id)) return Task.FromResult<JobInfo?>(null);
        if (_requeued.TryGetValue(id, out var overlay)) return Task.FromResult<JobInfo?>(overlay);
        return Task.FromResult(library.Catalog.GetJob(id));
    }

    public Task<IReadOnlyList<JobInfo>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        IReadOnlyList<JobInfo> list = library.Catalog.ListJobs(limit: limit)
            .Select(j => _requeued.TryGetValue(j.Id, out var o) ? o : j).ToList();
        return Task.FromResult(list);
    }

    public Task<IReadOnlyList<JobInfo>> RecoverAsync(CancellationToken cancellationToken) =>
        Task.FromResult(library.Catalog.MarkInterruptedJobs());
}
