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
        // One entry per trained name: its default version (generation uses it); a name whose runs all failed is listed as not installed.
        foreach (var group in training.ListModels().GroupBy(m => m.Record.Category, StringComparer.Ordinal))
        {
            var defaultVersion = training.DefaultVersion(group.Key);
            var (record, meta) = group.FirstOrDefault(m => m.Record.Version == defaultVersion);
            if (record is null)
            {
                var newest = group.First();
                list.Add(new ModelEntry(newest.Record.Category, "vae", $"{newest.Record.Category} (no usable version)", false, newest.Record.Category, newest.Record.CreatedAt,
                    newest.Metadata?.Failure is { } f ? $"failed: {f}" : "the model's files cannot be read", null));
                continue;
            }
            list.Add(new ModelEntry(record.Category, "vae", $"{record.Category} {record.Version}", meta is not null, record.Category, record.CreatedAt,
                meta is null ? "the model's files cannot be read" : $"{meta.Model.Architecture}, {meta.Losses.Count} epochs, best {meta.BestEpoch}",
                meta?.Losses.Select(l => l.Train).ToList()));
        }
        return Task.FromResult<IReadOnlyList<ModelEntry>>(list);
    }

    public Task<IReadOnlyList<TrainedVersion>> ListTrainedAsync(string? name, CancellationToken cancellationToken)
    {
        var models = training.ListModels(name);
        var defaults = models.Select(m => m.Record.Category).Distinct(StringComparer.Ordinal).ToDictionary(n => n, training.DefaultVersion, StringComparer.Ordinal);
        static double? Finite(double v) => double.IsFinite(v) ? v : null;
        IReadOnlyList<TrainedVersion> result = [.. models.Select(m => new TrainedVersion(m.Record.Category, m.Record.Version,
            m.Metadata is null ? "unreadable" : m.Metadata.Status, m.Metadata?.Failure, defaults.GetValueOrDefault(m.Record.Category) == m.Record.Version,
            m.Record.CreatedAt, m.Metadata?.Model.Architecture, m.Metadata?.Parameters,
            m.Metadata?.Losses.Select(l => Finite(l.Train)).ToList() ?? [], m.Metadata?.Losses.Select(l => Finite(l.Validation)).ToList() ?? [],
            m.Metadata?.GenerationReport, m.Metadata?.ActiveLatents, m.Metadata?.Material))];
        return Task.FromResult(result);
    }

    public Task SetDefaultAsync(string name, string version, CancellationToken cancellationToken)
    {
        training.SetDefault(name, version);
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string name, string version, CancellationToken cancellationToken)
    {
        training.Delete(name, version);
        return Task.CompletedTask;
    }
}
