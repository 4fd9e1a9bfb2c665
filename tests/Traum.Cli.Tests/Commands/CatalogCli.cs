using Spectre.Console;
using Xunit;

namespace Traum.Cli.Tests.Commands;

/// <summary>Runs the CLI in-process with stdout/stderr captured. Tests using it belong to the "Console" collection.</summary>
internal static class CatalogCli
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public sealed record Result(int ExitCode, string Out, string Err);

    public static async Task<Result> RunAsync(params string[] args)
    {
        await Gate.WaitAsync(TestContext.Current.CancellationToken);
        var (oldOut, oldErr, oldAnsi) = (Console.Out, Console.Error, AnsiConsole.Console);
        try
        {
            using var outW = new StringWriter();
            using var errW = new StringWriter();
            Console.SetOut(outW);
            Console.SetError(errW);
            var ansi = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(outW),
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
            });
            ansi.Profile.Width = 250;
            AnsiConsole.Console = ansi;
            var code = await CliApp.RunAsync(args);
            return new Result(code, outW.ToString(), errW.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
            AnsiConsole.Console = oldAnsi;
            Gate.Release();
        }
    }
}
