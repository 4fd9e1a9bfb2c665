using Traum.Engine;
using Traum.Engine.Separation;

namespace Traum.Cli.Commands;

/// <summary>Connects separation to the library's ingest pipeline.</summary>
internal static class SeparationIngest
{
    /// <summary>The ingestor for <paramref name="context"/>'s library, or null when ingest is not available.</summary>
    public static IStemIngestor? Create(TraumContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return null;
    }
}
