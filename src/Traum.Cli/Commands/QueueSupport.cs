using System.CommandLine;
using Traum.Core;
using Traum.Server;

namespace Traum.Cli.Commands;

/// <summary>
/// <c>--queue</c> on ingest, separate, train and generate: the job is validated as a worker will run it, queued in the
/// catalog, and its id printed; <c>traum worker</c> or <c>traum serve</c> on the same catalog runs it.
/// </summary>
internal static class QueueSupport
{
    public static Option<bool> Option() => new("--queue")
    {
        Description = "Queue the job for 'traum worker' or 'traum serve' on this catalog and print its id, instead of running it here ('traum jobs wait ID' follows it)",
    };

    /// <summary>Refuses options a queued job cannot carry, naming the ones given.</summary>
    /// <param name="pr">The parsed command line.</param>
    /// <param name="unsupported">Options that the job's parameters have no field for.</param>
    /// <exception cref="InvalidInputException">One of them was given.</exception>
    public static void Reject(ParseResult pr, params Option[] unsupported)
    {
        var given = unsupported.Where(o => pr.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
        if (given.Count > 0)
        {
            throw new InvalidInputException($"--queue does not carry {string.Join(", ", given)}: a queued job runs with the workers' settings for these. Leave them out, or run without --queue.");
        }
    }

    /// <summary>Validates and queues one job and prints its id.</summary>
    /// <param name="pr">The parsed command line.</param>
    /// <param name="globals">The global options (library, catalog, --json).</param>
    /// <param name="kind">The job kind.</param>
    /// <param name="parameters">The job's parameters record.</param>
    /// <param name="cancellationToken">Stops the validation.</param>
    public static async Task<int> SubmitAsync(ParseResult pr, GlobalOptions globals, string kind, object parameters, CancellationToken cancellationToken)
    {
        var job = await TraumServer.QueueAsync(LibraryCommandSupport.Context(pr, globals), kind, parameters, cancellationToken).ConfigureAwait(false);
        Print([job], pr.GetValue(globals.Json));
        return CliApp.ExitOk;
    }

    /// <summary>Prints queued jobs: their ids, or the records with --json.</summary>
    /// <param name="jobs">The queued jobs.</param>
    /// <param name="json">Print the records as JSON.</param>
    public static void Print(IReadOnlyList<JobInfo> jobs, bool json)
    {
        if (json)
        {
            Output.Json(jobs.Count == 1 ? jobs[0] : jobs);
            return;
        }
        foreach (var j in jobs) Output.Line($"Queued {j.Kind} job {j.Id}.");
        Output.Note(jobs.Count == 1
            ? $"'traum worker' or 'traum serve' on this catalog runs it; follow it with 'traum jobs wait {jobs[0].Id}'."
            : "'traum worker' or 'traum serve' on this catalog runs them; follow one with 'traum jobs wait ID'.");
    }
}
