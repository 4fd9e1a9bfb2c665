using Traum.Engine.Configuration;
using Traum.Engine.Semantic;

namespace Traum.Engine.Search;

/// <summary>Settings of the semantic profile (configuration section <c>semantic</c>).</summary>
public sealed record SemanticOptions
{
    /// <summary>A prompts JSON file to use instead of <c>&lt;library&gt;/prompts.json</c> and the built-in set.</summary>
    public string? Prompts { get; init; }

    /// <summary>Replaces the prompt file's logit scale (null keeps the file's; the built-in file says 100).</summary>
    public double? Scale { get; init; }
}

public sealed partial class SearchModels
{
    /// <summary>
    /// The models installed for <paramref name="context"/>: CLAP when found (else <see cref="ClapProblem"/> says why),
    /// the descriptor embedding, and the library's prompt set.
    /// </summary>
    public static SearchModels Load(TraumContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var semantic = TraumSettings.Bind<SemanticOptions>(context.Configuration, "semantic");
        var prompts = PromptSet.Load(context.LibraryPath, semantic.Prompts, semantic.Scale);
        return new SearchModels(null, null, null, prompts, "CLAP support is not part of this build yet");
    }
}
