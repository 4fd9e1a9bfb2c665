using Traum.Models.Store;

namespace Traum.Models.Demucs;

/// <summary>
/// Registry entries of the known Demucs exports (<see cref="DemucsKnownModels"/>), so <c>traum models pull demucs</c>
/// (or demucs-6s, demucs-ft, demucs-ft-fp16) installs them into the model store like any other model. Sizes and sums
/// come from the registry where it records them, else from the hub.
/// </summary>
internal sealed class DemucsModelDefinitions : IModelDefinitionProvider
{
    public IEnumerable<ModelDefinition> Definitions => DemucsKnownModels.All.Select(Definition);

    internal static ModelDefinition Definition(DemucsKnownModel m)
    {
        var several = m.Variants.Count > 1;
        var files = m.Variants.SelectMany(v => v.Graphs.Select(g => new ModelFile(
            g.File,
            $"{DemucsContracts.Describe(m.Contract)}, {(g.Stems is { Count: > 0 } s ? $"{string.Join("/", s)} specialist" : "all stems")}, {v.Precision}",
            several ? v.Name : null,
            v.Sizes?.GetValueOrDefault(g.File) is long size and > 0 ? size : null,
            v.Sha256?.GetValueOrDefault(g.File))));
        return new ModelDefinition(m.StoreName, m.Repo, m.Revision, $"{m.Description} (--model {m.Model})", [.. files], [.. m.Variants.Select(v => v.Name)])
        {
            PathVariable = DemucsKnownModels.PathVariable,
            Format = m.Format,
        };
    }
}
