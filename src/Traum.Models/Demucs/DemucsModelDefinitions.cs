using Traum.Models.Store;

namespace Traum.Models.Demucs;

/// <summary>
/// Registry entries of the known Demucs exports (<see cref="DemucsKnownModels"/>), so <c>traum models pull demucs</c>
/// (or demucs-6s, demucs-ft) installs them into the model store like any other model. Sizes and sums come from the hub.
/// </summary>
internal sealed class DemucsModelDefinitions : IModelDefinitionProvider
{
    public IEnumerable<ModelDefinition> Definitions =>
        DemucsKnownModels.All.Select(m => new ModelDefinition(m.StoreName, m.Repo, "main", m.Description,
            [.. m.Manifest.Graphs.Select(g => new ModelFile(g.File, g.Stems is { Count: > 0 } s ? $"split graph, {string.Join("/", s)} specialist" : "split graph, all stems"))],
            ["fp32"])
        {
            PathVariable = DemucsKnownModels.PathVariable,
        });
}
