using Traum.Core;

namespace Traum.Models.Store;

/// <summary>The known models, collected from every <see cref="IModelDefinitionProvider"/> in this assembly.</summary>
public sealed class ModelRegistry
{
    private readonly Dictionary<string, ModelDefinition> _byName;

    /// <summary>A registry over explicit definitions (tests, tools).</summary>
    public ModelRegistry(IEnumerable<ModelDefinition> definitions)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        _byName = new Dictionary<string, ModelDefinition>(StringComparer.OrdinalIgnoreCase);
        foreach (var d in definitions)
        {
            if (!_byName.TryAdd(d.Name, d)) throw new InvalidOperationException($"Two model definitions are named '{d.Name}'.");
        }
    }

    /// <summary>The built-in registry: every provider in Traum.Models.</summary>
    public static ModelRegistry Default { get; } = new(DiscoverProviders().SelectMany(p => p.Definitions));

    /// <summary>All definitions, by name.</summary>
    public IReadOnlyList<ModelDefinition> All => _byName.Values.OrderBy(d => d.Name, StringComparer.Ordinal).ToList();

    /// <summary>The definition named <paramref name="name"/>, or null.</summary>
    public ModelDefinition? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The definition named <paramref name="name"/>.</summary>
    /// <exception cref="NotFoundException">No such model; the message lists the known ones.</exception>
    public ModelDefinition Get(string name) =>
        Find(name) ?? throw new NotFoundException(
            $"Unknown model '{name}'. Known models: {string.Join(", ", _byName.Keys.Order(StringComparer.Ordinal))} (see `traum models list`).");

    private static IEnumerable<IModelDefinitionProvider> DiscoverProviders() =>
        typeof(ModelRegistry).Assembly.GetTypes()
            .Where(t => typeof(IModelDefinitionProvider).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }
                && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (IModelDefinitionProvider)Activator.CreateInstance(t)!);
}
