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
        yield return InfoCommand.Create(globals);
        yield return IngestCommand.Create(globals);
        yield return StemsCommand.Create(globals);
        yield return TracksCommand.Create(globals);
        yield return DoctorCommand.Create(globals);
        yield return CatalogCommand.Create(globals);
        yield return ModelsCommand.Create(globals);
        yield return ClapCommand.Create(globals);
        yield return SearchCommand.Create(globals);
        yield return SimilarCommand.Create(globals);
        yield return DuplicatesCommand.Create(globals);
        yield return ExportCommand.Create(globals);
        yield return ReindexCommand.Create(globals);
        yield return SeparateCommand.Create(globals);
        yield return EvalCommand.Create(globals);
        yield return ServeCommand.Create(globals);
        yield return WorkerCommand.Create(globals);
        yield return JobsCommand.Create(globals);
        yield return DemoCommand.Create(globals);
    }
}
