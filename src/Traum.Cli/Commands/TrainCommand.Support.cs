using System.Globalization;
using System.Text.Json;
using Traum.Catalog;
using Traum.Core;

namespace Traum.Cli.Commands;

/// <summary>Shared pieces of the train and generate commands: argument parsing and job records.</summary>
internal static class GenerativeCommandSupport
{
    /// <summary>"2s", "2", "1.5 s", "500ms" → seconds.</summary>
    /// <exception cref="InvalidInputException">Not a duration.</exception>
    public static double ParseSeconds(string text, string option)
    {
        var t = (text ?? "").Trim().ToLowerInvariant();
        var scale = 1.0;
        if (t.EndsWith("ms", StringComparison.Ordinal)) { scale = 0.001; t = t[..^2]; }
        else if (t.EndsWith('s')) { t = t[..^1]; }
        if (!double.TryParse(t.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v <= 0)
        {
            throw new InvalidInputException($"{option} '{text}' is not a duration; write e.g. 2s, 1.5s or 500ms.");
        }
        return v * scale;
    }

    /// <summary>"512,256" → [512, 256].</summary>
    public static IReadOnlyList<int> ParseInts(string text, string option)
    {
        var parts = (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var list = new List<int>();
        foreach (var p in parts)
        {
            if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v <= 0)
            {
                throw new InvalidInputException($"{option} '{text}' must be positive integers separated by commas, e.g. 512,256.");
            }
            list.Add(v);
        }
        if (list.Count == 0) throw new InvalidInputException($"{option} needs at least one value, e.g. 512,256.");
        return list;
    }

    /// <summary>
    /// Runs <paramref name="work"/> with a durable job record (kind, parameters, progress at most once a second, final
    /// state and result), so the catalog shows what ran and how it ended.
    /// </summary>
    public static async Task<T> RunJobAsync<T>(CatalogStore catalog, string kind, object parameters,
        Func<IProgress<ProgressInfo>, CancellationToken, T> work, IProgress<ProgressInfo> observer, Func<T, object> result,
        CancellationToken cancellationToken)
    {
        var job = catalog.CreateJob(kind, JsonSerializer.Serialize(parameters, Output.JsonOptions));
        catalog.StartJob(job.Id);
        var sink = new JobProgress(catalog, job.Id, observer);
        try
        {
            var value = await Task.Run(() => work(sink, cancellationToken), cancellationToken).ConfigureAwait(false);
            catalog.FinishJob(job.Id, JobState.Succeeded, resultJson: JsonSerializer.Serialize(result(value), Output.JsonOptions));
            return value;
        }
        catch (OperationCanceledException)
        {
            catalog.FinishJob(job.Id, JobState.Cancelled, message: "cancelled; nothing was saved");
            throw;
        }
        catch (Exception e)
        {
            catalog.FinishJob(job.Id, JobState.Failed, error: e.Message);
            throw;
        }
    }

    private sealed class JobProgress(CatalogStore catalog, string id, IProgress<ProgressInfo> observer) : IProgress<ProgressInfo>
    {
        private long _lastSaved;

        public void Report(ProgressInfo value)
        {
            observer.Report(value);
            var now = Environment.TickCount64;
            if (now - Interlocked.Read(ref _lastSaved) < 1000) return;
            Interlocked.Exchange(ref _lastSaved, now);
            catalog.UpdateJobProgress(id, value.Fraction, value.Message);
        }
    }
}
