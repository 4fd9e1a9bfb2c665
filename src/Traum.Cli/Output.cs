using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;
using Traum.Core;

namespace Traum.Cli;

/// <summary>How commands print: tables and bars on a terminal, JSON with --json. One place, so every command looks alike.</summary>
internal static class Output
{
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes <paramref name="value"/> as indented JSON on stdout.</summary>
    public static void Json(object? value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    /// <summary>
    /// Writes a table; cells are plain text (markup is escaped). On a terminal (or with <c>COLUMNS</c> set, at that
    /// width) a drawn table; to a pipe or a file, tab-separated rows under a header row, never wrapped.
    /// </summary>
    public static void Table(IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string?>> rows, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        var width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var w) && w > 20 ? w : (int?)null;
        if (Console.IsOutputRedirected && width is null)
        {
            // A pipe or a file: one tab-separated row per line, never wrapped, easy to cut and sort.
            if (title is not null) AnsiConsole.Console.Profile.Out.Writer.WriteLine($"# {title}");
            var writer = AnsiConsole.Console.Profile.Out.Writer;
            writer.WriteLine(string.Join('\t', columns));
            foreach (var r in rows) writer.WriteLine(string.Join('\t', r.Select(x => (x ?? "").Replace('\t', ' ').Replace('\n', ' '))));
            writer.Flush();
            return;
        }
        if (width is { } cols) AnsiConsole.Console.Profile.Width = cols;
        var t = new Table().Border(TableBorder.Rounded);
        if (title is not null) t.Title(Markup.Escape(title));
        foreach (var c in columns) t.AddColumn(new TableColumn(Markup.Escape(c)));
        foreach (var r in rows) t.AddRow(r.Select(x => Markup.Escape(x ?? "")).ToArray());
        AnsiConsole.Write(t);
    }

    /// <summary>A plain line on stdout (not printed with --json).</summary>
    public static void Line(string text)
    {
        // To a pipe or a file the line goes out whole; the console's 80-column wrapping is for terminals only.
        if (Console.IsOutputRedirected)
        {
            var writer = AnsiConsole.Console.Profile.Out.Writer;
            writer.WriteLine(text);
            writer.Flush();
            return;
        }
        AnsiConsole.WriteLine(text);
    }

    /// <summary>A line on stderr: notes, skips, warnings; never mixed into JSON output.</summary>
    public static void Note(string text) => Console.Error.WriteLine(text);

    /// <summary>
    /// Runs long work with a progress bar on a terminal; without one (or with --json) it reports nothing but
    /// the final result. Ctrl-C cancels through <paramref name="cancellationToken"/>.
    /// </summary>
    public static async Task<T> WithProgressAsync<T>(string description, bool quiet,
        Func<IProgress<ProgressInfo>, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var interactive = !quiet && !Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (!interactive)
        {
            return await work(new Progress<ProgressInfo>(_ => { }), cancellationToken).ConfigureAwait(false);
        }
        T result = default!;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(description), maxValue: 1.0);
                var progress = new SyncProgress(p =>
                {
                    if (p.Total > 0)
                    {
                        task.MaxValue = p.Total;
                        task.Value = Math.Min(p.Done, p.Total);
                    }
                    var msg = p.Message is null ? description : $"{description}: {p.Message}";
                    task.Description = Markup.Escape(msg.Length > 60 ? msg[..60] : msg);
                });
                result = await work(progress, cancellationToken).ConfigureAwait(false);
                task.Value = task.MaxValue;
            }).ConfigureAwait(false);
        return result;
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool out of order).</summary>
    private sealed class SyncProgress(Action<ProgressInfo> report) : IProgress<ProgressInfo>
    {
        private readonly Lock _gate = new();

        public void Report(ProgressInfo value)
        {
            lock (_gate) report(value);
        }
    }
}
