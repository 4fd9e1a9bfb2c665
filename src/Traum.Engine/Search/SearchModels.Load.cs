using System.Collections.Concurrent;
using Traum.Core;
using Traum.Engine.Configuration;
using Traum.Engine.Semantic;
using Traum.Models.Clap;

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
    /// <summary>CLAP embedders by model folder and settings: sessions are created once per process and shared.</summary>
    private static readonly ConcurrentDictionary<string, Lazy<ClapEmbedder>> SharedClap = new(StringComparer.Ordinal);

    /// <summary>
    /// The models installed for <paramref name="context"/>: CLAP when found (else <see cref="ClapProblem"/> says why),
    /// the descriptor embedding (always), and the library's prompt set. Embedders are shared across calls in a process (their
    /// ONNX sessions are costly), so disposing the result does not close them; a model that is missing is looked
    /// for again on the next call.
    /// </summary>
    public static SearchModels Load(TraumContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var semantic = TraumSettings.Bind<SemanticOptions>(context.Configuration, "semantic");
        var prompts = PromptSet.Load(context.LibraryPath, semantic.Prompts, semantic.Scale);
        ClapEmbedder? clap = null;
        string? problem = null;
        try
        {
            var options = TraumSettings.Bind<ClapOptions>(context.Configuration, "models:clap");
            var key = $"{context.ModelsPath}|{options}|{Environment.GetEnvironmentVariable(ClapModelLocator.PathVariable)}";
            var lazy = SharedClap.GetOrAdd(key, _ => new Lazy<ClapEmbedder>(
                () => ClapEmbedder.Load(options, context.ModelsPath, context.LoggerFactory), LazyThreadSafetyMode.ExecutionAndPublication));
            try
            {
                clap = lazy.Value;
            }
            catch (ModelNotFoundException)
            {
                SharedClap.TryRemove(key, out _);
                throw;
            }
        }
        catch (ModelNotFoundException e)
        {
            problem = e.Message;
        }
        return new SearchModels(clap, clap, new OfflineEmbedding(), prompts, problem);
    }
}
