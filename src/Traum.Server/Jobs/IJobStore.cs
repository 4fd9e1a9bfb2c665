using Traum.Core;

namespace Traum.Server.Jobs;

/// <summary>Durable job records. The catalog keeps them when it is present; otherwise files in the library.</summary>
internal interface IJobStore
{
    /// <summary>Creates a queued job record.</summary>
    /// <param name="parameters">The job's parameters as JSON, kept so the job can be retried.</param>
    Task<JobInfo> CreateAsync(string kind, string? parameters, CancellationToken cancellationToken);

    /// <summary>Writes the record as it is now.</summary>
    Task SaveAsync(JobInfo job, CancellationToken cancellationToken);

    Task<JobInfo?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Newest first.</summary>
    Task<IReadOnlyList<JobInfo>> ListAsync(int limit, CancellationToken cancellationToken);

    /// <summary>At start-up: marks jobs whose process is gone (Running, but nobody runs them) as Interrupted; returns them.</summary>
    Task<IReadOnlyList<JobInfo>> RecoverAsync(CancellationToken cancellationToken);
}

/// <summary>Job records as JSON files under <c>LIBRARY/jobs/</c>, written to a temporary name and renamed.</summary>
internal sealed class FileJobStore : IJobStore
{
    private readonly string _folder;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public FileJobStore(string libraryPath, TimeProvider time)
    {
        _folder = Path.Combine(libraryPath, "jobs");
        _time = time;
    }

    public async Task<JobInfo> CreateAsync(string kind, string? parameters, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var id = $"{now:yyyyMMddHHmmss}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}";
        var job = new JobInfo { Id = id, Kind = kind, State = JobState.Queued, Parameters = parameters, CreatedAt = now };
        await SaveAsync(job, cancellationToken).ConfigureAwait(false);
        return job;
    }

    public async Task SaveAsync(JobInfo job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        Directory.CreateDirectory(_folder);
        var path = PathOf(job.Id);
        var tmp = path + ".tmp";
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(job, ServerJson.Options);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await File.WriteAllBytesAsync(tmp, json, cancellationToken).ConfigureAwait(false);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<JobInfo?> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (!IsValidId(id)) return null;
        var path = PathOf(id);
        if (!File.Exists(path)) return null;
        return await ReadAsync(path, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<JobInfo>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_folder)) return [];
        var files = Directory.GetFiles(_folder, "*.json").OrderDescending(StringComparer.Ordinal).Take(limit);
        var list = new List<JobInfo>();
        foreach (var f in files)
        {
            if (await ReadAsync(f, cancellationToken).ConfigureAwait(false) is { } j) list.Add(j);
        }
        return list.OrderByDescending(j => j.CreatedAt).ToList();
    }

    public async Task<IReadOnlyList<JobInfo>> RecoverAsync(CancellationToken cancellationToken)
    {
        var marked = new List<JobInfo>();
        foreach (var job in await ListAsync(100_000, cancellationToken).ConfigureAwait(false))
        {
            if (job.State != JobState.Running) continue;
            var interrupted = job with
            {
                State = JobState.Interrupted,
                FinishedAt = _time.GetUtcNow(),
                Error = "The process running this job stopped before it finished; retry it to continue.",
            };
            await SaveAsync(interrupted, cancellationToken).ConfigureAwait(false);
            marked.Add(interrupted);
        }
        return marked;
    }

    private static async Task<JobInfo?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            return System.Text.Json.JsonSerializer.Deserialize<JobInfo>(bytes, ServerJson.Options);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private string PathOf(string id) => Path.Combine(_folder, id + ".json");

    /// <summary>Ids are made here: digits, letters and '-' only, so an id can never name another path.</summary>
    internal static bool IsValidId(string id) =>
        id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
