using Traum.Audio.Descriptors;
using Traum.Core;
using Traum.Engine.Configuration;

namespace Traum.Engine.Ingest;

/// <summary>
/// The analysers ingest runs over every stem, in order. Each feature adds ONE line to <see cref="All"/>; an analyser
/// that cannot run here (e.g. its model is missing) reports <see cref="IStemAnalyzer.IsAvailable"/> false and is
/// skipped, so ingest works without it.
/// </summary>
public static class StemAnalyzerRegistry
{
    /// <summary>The available analysers for this context, loading its search models.</summary>
    /// <param name="context">Settings of this run.</param>
    /// <exception cref="InvalidInputException">A setting of an analyser is out of range.</exception>
    public static IReadOnlyList<IStemAnalyzer> Create(TraumContext context) => Create(context, Search.SearchModels.Load(context));

    /// <summary>The available analysers for this context over search models already loaded (the composition root's).</summary>
    /// <param name="context">Settings of this run.</param>
    /// <param name="models">The process's search models (CLAP when installed, the descriptor embedding).</param>
    /// <exception cref="InvalidInputException">A setting of an analyser is out of range.</exception>
    public static IReadOnlyList<IStemAnalyzer> Create(TraumContext context, Search.SearchModels models)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(models);
        return [.. All(context, models).OfType<IStemAnalyzer>().Where(a => a.IsAvailable)];
    }

    private static IEnumerable<IStemAnalyzer?> All(TraumContext context, Search.SearchModels models)
    {
        yield return Descriptors(context);
        yield return new FingerprintStemAnalyzer();
        foreach (var analyzer in Search.EmbeddingStemAnalyzer.For(models)) yield return analyzer;
    }

    /// <summary>Descriptors with the <c>descriptors</c> settings section (see <see cref="DescriptorOptions"/>).</summary>
    public static DescriptorStemAnalyzer Descriptors(TraumContext context)
    {
        var options = TraumSettings.Bind<DescriptorOptions>(context.Configuration, "descriptors");
        DescriptorAnalyzer analyzer;
        try
        {
            analyzer = new DescriptorAnalyzer(options);
        }
        catch (ArgumentException e)
        {
            throw new InvalidInputException($"Setting 'descriptors' is invalid: {e.Message}", e);
        }
        var root = Path.GetFullPath(context.LibraryPath);
        return new DescriptorStemAnalyzer(analyzer.Analyze, stem => Path.GetFullPath(Path.Combine(root, stem.FilePath)));
    }
}
