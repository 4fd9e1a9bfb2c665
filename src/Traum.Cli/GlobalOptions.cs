using System.CommandLine;

namespace Traum.Cli;

/// <summary>Options accepted before or after any subcommand.</summary>
internal sealed class GlobalOptions
{
    public Option<bool> Json { get; } = new("--json") { Description = "Machine-readable JSON output", Recursive = true };

    public Option<string?> Library { get; } = new("--library") { Description = "Library folder (default: $TRAUM_LIBRARY or $XDG_DATA_HOME/traum)", Recursive = true };

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "More detail, including stack traces of internal errors", Recursive = true };

    public void AddTo(Command root)
    {
        root.Options.Add(Json);
        root.Options.Add(Library);
        root.Options.Add(Verbose);
    }
}
