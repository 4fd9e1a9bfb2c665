using System.CommandLine;
using System.Reflection;
using Traum.Cli.Commands;
using Traum.Core;

namespace Traum.Cli;

/// <summary>Builds the command tree and runs it. Exit codes: 0 ok, 1 user error, 2 internal error.</summary>
internal static class CliApp
{
    public const int ExitOk = 0;
    public const int ExitUserError = 1;
    public const int ExitInternalError = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        var globals = new GlobalOptions();
        var root = BuildRoot(globals);
        var parse = root.Parse(args);
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        if (args.Length > 0 && parse.Errors.Count > 0)
        {
            // One line that names the nearest valid name, not the whole help.
            var message = ParseErrors.Describe(parse);
            if (parse.GetValue(globals.Json)) Console.Error.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { error = message, kind = "user" }));
            else Console.Error.WriteLine($"traum: {message}");
            return ExitUserError;
        }
        try
        {
            return await parse.InvokeAsync(config).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return ReportError(e, parse.GetValue(globals.Verbose), parse.GetValue(globals.Json));
        }
    }

    public static RootCommand BuildRoot(GlobalOptions globals)
    {
        var root = new RootCommand("Traum: split tracks into stems, analyse them, find them by text or example, and learn new ones.");
        globals.AddTo(root);
        foreach (var command in CommandRegistry.Create(globals)) root.Subcommands.Add(command);
        return root;
    }

    /// <summary>The one-line message for an error and whether it is the user's to fix (exit 1) or internal (exit 2).</summary>
    internal static (string Message, bool User) Classify(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e is not TraumException && StorageFullException.IsDiskFull(e)) e = StorageFullException.From(e);
        return e is TraumException ? (e.Message, true) : ($"internal error: {e.GetType().Name}: {e.Message}", false);
    }

    /// <summary>Prints an error the way the exit code promises: one line for user errors, details for internal ones.</summary>
    public static int ReportError(Exception e, bool verbose, bool json)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } agg) e = agg.InnerExceptions[0];
        if (e is TargetInvocationException { InnerException: { } inner }) e = inner;
        if (e is OperationCanceledException)
        {
            Console.Error.WriteLine("traum: cancelled");
            return 130;
        }
        var (message, user) = Classify(e);
        if (json)
        {
            Console.Error.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { error = message, kind = user ? "user" : "internal" }));
        }
        else
        {
            Console.Error.WriteLine($"traum: {message}");
        }
        if (!user)
        {
            if (verbose) Console.Error.WriteLine(e.ToString());
            else Console.Error.WriteLine("Run again with --verbose for details, and report it if it persists.");
        }
        return user ? ExitUserError : ExitInternalError;
    }
}
