using Traum.Audio;
using Traum.Core;

namespace Traum.Engine.Ingest;

/// <summary>
/// The analysers ingest runs over every stem, in order. Each feature adds ONE line to <see cref="All"/>; an analyser
/// that cannot run here (e.g. its model is missing) reports <see cref="IStemAnalyzer.IsAvailable"/> false and is
/// skipped, so ingest works without it.
/// </summary>
public static class StemAnalyzerRegistry
{
    /// <summary>
    /// Computes a stem's descriptors. Null until the descriptor analyser is part of the build; then this becomes
    /// <c>buffer => new Traum.Audio.Descriptors.DescriptorAnalyzer().Analyze(buffer)</c>.
    /// </summary>
    internal static Func<AudioBuffer, Descriptors>? Describe { get; } = null;

    /// <summary>The available analysers for this context.</summary>
    public static IReadOnlyList<IStemAnalyzer> Create(TraumContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return [.. All(context).OfType<IStemAnalyzer>().Where(a => a.IsAvailable)];
    }

    private static IEnumerable<IStemAnalyzer?> All(TraumContext context)
    {
        _ = context;
        yield return Describe is { } describe ? new DescriptorStemAnalyzer(describe) : null;
    }
}
