using System.Text.Json;
using Traum.Core;

namespace Traum.Server.Jobs;

/// <summary>Runs one kind of job (separate, ingest, train, generate). Registered in DI when the engine part is in the build.</summary>
internal interface IJobHandler
{
    /// <summary>The job kind this handler runs, e.g. "separate".</summary>
    string Kind { get; }

    /// <summary>Checks parameters before the job is queued, so a bad request fails at once with a 4xx.</summary>
    /// <exception cref="InvalidInputException">The parameters are not acceptable.</exception>
    Task ValidateAsync(string? parameters, CancellationToken cancellationToken);

    /// <summary>Does the work; returns the result as JSON (ids made, paths written), or null. Must honour cancellation.</summary>
    Task<string?> RunAsync(JobRun run, CancellationToken cancellationToken);
}

/// <summary>What a running job's handler gets: its record, its progress sink, and a way to log data points.</summary>
internal sealed class JobRun
{
    private readonly Action<object> _log;

    public JobRun(JobInfo job, IProgress<ProgressInfo> progress, Action<object> log)
    {
        Job = job;
        Progress = progress;
        _log = log;
    }

    public JobInfo Job { get; }

    public IProgress<ProgressInfo> Progress { get; }

    /// <summary>Publishes a data point (e.g. <c>new { epoch, loss }</c>) to listeners as a "log" event.</summary>
    public void Log(object data) => _log(data);

    /// <summary>The parameters as <typeparamref name="T"/>.</summary>
    /// <exception cref="InvalidInputException">Missing or malformed parameters.</exception>
    public T Parameters<T>() => JobParameters.Parse<T>(Job.Parameters);
}

internal static class JobParameters
{
    public static T Parse<T>(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) throw new InvalidInputException("The job has no parameters.");
        try
        {
            return JsonSerializer.Deserialize<T>(json, ServerJson.Options) ?? throw new InvalidInputException("The job's parameters are empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"The job's parameters are malformed: {e.Message}", e);
        }
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, ServerJson.Options);
}
