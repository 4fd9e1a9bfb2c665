using Traum.Engine;
using Traum.Engine.Training;
using Traum.Models.Store;

namespace Traum.Server.Services.Engine;

/// <summary>Pretrained models from the model store (installed or not, with the command that installs them) and the VAEs trained in the library.</summary>
internal sealed class EngineModelsPort(TraumContext context, TrainingService training) : IModelsPort
{
    public Task<IReadOnlyList<ModelEntry>> ListAsync(CancellationToken cancellationToken)
    {
        var list = new List<ModelEntry>();
        var store = new ModelStore(context.ModelsPath);
        foreach (var status in store.List())
        {
            var def = status.Definition;
            var installed = status.InstalledVariants.Count > 0;
            list.Add(new ModelEntry(def.Name, def.Name.StartsWith("clap", StringComparison.OrdinalIgnoreCase) ? "clap" : "demucs", def.Description, installed,
                Detail: installed ? $"installed ({string.Join(", ", status.InstalledVariants)})" : $"not installed; run `{ModelStore.PullCommand(def)}`"));
        }
        foreach (var (record, meta) in training.ListModels())
        {
            list.Add(new ModelEntry(record.Category, "vae", $"{record.Category} {record.Version}", meta is not null, record.Category, record.CreatedAt,
                meta is null ? "the model's files cannot be read" : $"{meta.Losses.Count} epochs, best {meta.BestEpoch}",
                meta?.Losses.Select(l => l.Train).ToList()));
        }
        // The newest version of each trained model first, one entry per name (generation uses the newest).
        IReadOnlyList<ModelEntry> result = list.Where(m => m.Kind != "vae")
            .Concat(list.Where(m => m.Kind == "vae").GroupBy(m => m.Id, StringComparer.Ordinal).Select(g => g.OrderByDescending(m => m.CreatedAt).First()))
            .ToList();
        return Task.FromResult(result);
    }
}
