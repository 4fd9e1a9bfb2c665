using Traum.Engine.Ingest;
using Traum.Engine.Search;

namespace Traum.Server.Jobs;

/// <summary>
/// Completes the library's analyses: describes stems left without descriptors, embeds stems without a current
/// embedding, profiles them, and refreshes the profiles' library percentiles. Queued after every job that adds stems,
/// so percentiles are never stale.
/// </summary>
internal sealed class ReindexJobHandler(SearchService search, DescriptorStemAnalyzer descriptors) : IJobHandler
{
    public string Kind => JobKinds.Reindex;

    public Task ValidateAsync(string? parameters, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<string?> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var summary = search.Reindex(run.Progress, descriptors, cancellationToken);
        return Task.FromResult<string?>(JobParameters.Serialize(summary));
    }
}
