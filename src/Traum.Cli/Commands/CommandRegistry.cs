using System.CommandLine;

namespace Traum.Cli.Commands;

/// <summary>Every top-level command. Each feature adds its commands in its own file and one line here.</summary>
internal static class CommandRegistry
{
    public static IEnumerable<Command> Create(GlobalOptions globals)
    {
        yield return VersionCommand.Create(globals);
        yield return TrainCommand.Create(globals);
        yield return GenerateCommand.Create(globals);
    }
}
