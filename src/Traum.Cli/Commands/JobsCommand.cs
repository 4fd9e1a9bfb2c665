using System.CommandLine;
using System.Globalization;
using Traum.Core;
using Traum.Engine.Jobs;
using static Traum.Cli.Commands.LibraryCommandSupport;

namespace Traum.Cli.Commands;

/// <summary>
/// <c>traum jobs [list|show|wait|cancel|retry]</c>: the jobs of this catalog, whichever process ran or runs them
/// (this command line, a server, any worker).
/// </summary>
internal static class JobsCommand
{
    /// <summary>How often <c>jobs wait</c> reads the job's row.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static Command Create(GlobalOptions globals)
    {
        var cmd = new Command("jobs", "Jobs of this catalog (separations, ingests, trainings, generations, reindexes), whoever runs them; alone, the same as 'jobs list'");
        var list = new Command("list", "List jobs, newest first");
        WithListAction(list, globals);
        WithListAction(cmd, globals);
        cmd.Subcommands.Add(list);
        cmd.Subcommands.Add(CreateShow(globals));
        cmd.Subcommands.Add(CreateWait(globals));
        cmd.Subcommands.Add(CreateCancel(globals));
        cmd.Subcommands.Add(CreateRetry(globals));
        return cmd;
    }

    /// <summary>Gives <paramref name="cmd"/> the listing's options and action.</summary>
    private static void WithListAction(Command cmd, GlobalOptions globals)
    {
        var state = new Option<string?>("--state") { Description = "Only jobs in this state: queued, running, succeeded, failed, cancelled or interrupted" };
        var kind = new Option<string?>("--kind") { Description = "Only jobs of this kind: separate, ingest, train, generate or reindex" };
        var limit = new Option<int>("-n", "--limit") { Description = "Most jobs listed, newest first", DefaultValueFactory = _ => 20 };
        cmd.Options.Add(state);
        cmd.Options.Add(kind);
        cmd.Options.Add(limit);
        cmd.SetAction(pr => List(pr, globals, pr.GetValue(state), pr.GetValue(kind), pr.GetValue(limit)));
    }

    private static int List(ParseResult pr, GlobalOptions globals, string? stateText, string? kind, int limit)
    {
        if (limit is < 1 or > 1000) throw new InvalidInputException($"--limit must be 1–1000 (it is {limit.ToString(CultureInfo.InvariantCulture)}).");
        JobState? state = stateText is null ? null
            : Enum.TryParse<JobState>(stateText.Trim(), ignoreCase: true, out var s) && Enum.IsDefined(s) ? s
            : throw new InvalidInputException($"--state '{stateText}' is not a job state; use {string.Join(", ", Enum.GetNames<JobState>().Select(n => n.ToLowerInvariant()))}.");
        var json = pr.GetValue(globals.Json);
        using var library = Open(Context(pr, globals), json);
        var jobs = library.Catalog.ListJobs(state, kind?.Trim().ToLowerInvariant(), limit);
        if (json)
        {
            Output.Json(jobs);
            return CliApp.ExitOk;
        }
        if (jobs.Count == 0)
        {
            Output.Line("No jobs" + (state is null && kind is null ? "." : " match."));
            return CliApp.ExitOk;
        }
        Output.Table(["id", "kind", "state", "progress", "created", "message"], jobs.Select(j => (IReadOnlyList<string?>)
        [
            j.Id, j.Kind, State(j), Percent(j), j.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), j.Error ?? j.Message,
        ]));
        return CliApp.ExitOk;
    }

    private static Command CreateShow(GlobalOptions globals)
    {
        var id = IdArgument();
        var cmd = new Command("show", "One job: its state, progress, parameters and result") { id };
        cmd.SetAction(pr =>
        {
            var json = pr.GetValue(globals.Json);
            using var library = Open(Context(pr, globals), json);
            var job = Find(library.Catalog, pr.GetValue(id)!);
            if (json)
            {
                Output.Json(job);
                return CliApp.ExitOk;
            }
            Print(job);
            return CliApp.ExitOk;
        });
        return cmd;
    }

    private static Command CreateWait(GlobalOptions globals)
    {
        var id = IdArgument();
        var cmd = new Command("wait", "Follow a job's progress until it ends; exits 0 when it succeeded, 1 when it failed or was cancelled (Ctrl-C stops waiting, not the job)") { id };
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var json = pr.GetValue(globals.Json);
            using var library = Open(Context(pr, globals), json);
            var catalog = library.Catalog;
            var first = Find(catalog, pr.GetValue(id)!);
            var done = await Output.WithProgressAsync($"{first.Kind} {Short(first.Id)}", json, async (progress, token) =>
            {
                var job = first;
                while (!IsFinished(job.State))
                {
                    progress.Report(new ProgressInfo(job.Progress, 1, "", job.State == JobState.Queued ? "queued: waiting for a worker" : job.Message));
                    await Task.Delay(PollInterval, token).ConfigureAwait(false);
                    job = catalog.GetJob(job.Id) ?? throw new NotFoundException($"Job {job.Id} was removed while waiting.");
                }
                progress.Report(new ProgressInfo(job.Progress, 1, "", job.Message));
                return job;
            }, ct).ConfigureAwait(false);
            if (json) Output.Json(done);
            else Print(done);
            return done.State == JobState.Succeeded ? CliApp.ExitOk : CliApp.ExitUserError;
        });
        return cmd;
    }

    private static Command CreateCancel(GlobalOptions globals)
    {
        var id = IdArgument();
        var cmd = new Command("cancel", "Cancel a queued or running job, whichever process runs it") { id };
        cmd.SetAction(pr =>
        {
            var json = pr.GetValue(globals.Json);
            var context = Context(pr, globals);
            using var library = Open(context, json);
            var job = Find(library.Catalog, pr.GetValue(id)!);
            var after = IsFinished(job.State) ? job : new JobRunner(library.Catalog, context.Time).RequestCancel(job.Id);
            if (json) Output.Json(after);
            else if (IsFinished(job.State)) Output.Line($"Job {job.Id} already ended ({State(job)}); nothing to cancel.");
            else Output.Line($"Cancellation of job {job.Id} requested; {(after.State == JobState.Cancelled ? "it is cancelled" : "its runner stops it at the next step")}.");
            return CliApp.ExitOk;
        });
        return cmd;
    }

    private static Command CreateRetry(GlobalOptions globals)
    {
        var id = IdArgument();
        var cmd = new Command("retry", "Queue a failed, cancelled or interrupted job again with its saved parameters, for a worker or server") { id };
        cmd.SetAction(pr =>
        {
            var json = pr.GetValue(globals.Json);
            var context = Context(pr, globals);
            using var library = Open(context, json);
            var job = Find(library.Catalog, pr.GetValue(id)!);
            var queued = new JobRunner(library.Catalog, context.Time).Requeue(job.Id)
                ?? throw new InvalidInputException($"Job {job.Id} is {State(job)}; only failed, cancelled or interrupted jobs can be retried.");
            if (json) Output.Json(queued);
            else Output.Line($"Queued job {queued.Id} ({queued.Kind}) again; 'traum worker' or 'traum serve' on this catalog runs it.");
            return CliApp.ExitOk;
        });
        return cmd;
    }

    private static Argument<string> IdArgument() => new("id") { Description = "Job id (as 'traum jobs' lists it; a unique prefix of at least 6 characters will do)" };

    /// <summary>The job with this id, or the one job whose id starts with it.</summary>
    private static JobInfo Find(Catalog.IJobQueue catalog, string id)
    {
        var text = id.Trim().ToLowerInvariant();
        if (text.Length == 32 && catalog.GetJob(text) is { } exact) return exact;
        if (text.Length is >= 6 and < 32 && text.All(Uri.IsHexDigit))
        {
            var matches = catalog.ListJobs(limit: 1000).Where(j => j.Id.StartsWith(text, StringComparison.Ordinal)).ToList();
            if (matches.Count == 1) return matches[0];
            if (matches.Count > 1) throw new InvalidInputException($"'{id}' is the start of {matches.Count.ToString(CultureInfo.InvariantCulture)} job ids; give more of it.");
        }
        throw new NotFoundException($"No job with id '{id}'. List them with 'traum jobs'.");
    }

    private static bool IsFinished(JobState state) => state is JobState.Succeeded or JobState.Failed or JobState.Cancelled or JobState.Interrupted;

    private static string State(JobInfo j) => j.State.ToString().ToLowerInvariant();

    private static string Percent(JobInfo j) => (j.Progress * 100).ToString("0", CultureInfo.InvariantCulture) + " %";

    private static string Short(string id) => id.Length > 8 ? id[..8] : id;

    private static void Print(JobInfo j)
    {
        var inv = CultureInfo.InvariantCulture;
        Output.Line($"job {j.Id}: {j.Kind}, {State(j)}, {Percent(j)}");
        Output.Line($"created {j.CreatedAt.ToString("u", inv)}" + (j.StartedAt is { } s ? $", started {s.ToString("u", inv)}" : "") + (j.FinishedAt is { } f ? $", finished {f.ToString("u", inv)}" : ""));
        if (j.Message is { Length: > 0 } m) Output.Line($"message: {m}");
        if (j.Error is { Length: > 0 } e) Output.Line($"error: {e}");
        if (j.Parameters is { Length: > 0 } p) Output.Line($"parameters: {p}");
        if (j.Result is { Length: > 0 } r) Output.Line($"result: {r}");
    }
}
