using System.Text.RegularExpressions;
using Traum.Core;

namespace Traum.Server.Components;

/// <summary>Error messages as the UI shows them: the engine's words without the API's (no endpoints, no JSON bodies).</summary>
internal static partial class UiMessages
{
    [GeneratedRegex(@"[^.;:]*(\b(GET|POST|PATCH|DELETE|PUT)\s+/api/|\{\s*"")[^\n]*?(\.|$)", RegexOptions.CultureInvariant)]
    private static partial Regex ApiSentence();

    /// <summary>The message of <paramref name="e"/> with sentences about API requests left out.</summary>
    public static string Of(TraumException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var text = ApiSentence().Replace(e.Message, "").Trim();
        text = text.TrimEnd(':', ';', ',', ' ');
        if (text.Length == 0) text = e is NotFoundException ? "It is not in the library." : "That did not work.";
        return text.EndsWith('.') || text.EndsWith('?') || text.EndsWith('!') ? text : text + ".";
    }
}
