namespace Traum.Catalog;

/// <summary>Trained generative models and the lineage of what they generated.</summary>
public interface IModelRegistry
{
    /// <summary>Registers a trained model.</summary>
    /// <exception cref="Traum.Core.InvalidInputException">That category already has that version.</exception>
    TrainedModel AddModel(string category, string version, string path, string? metadataJson = null);

    /// <summary>The model with this id, or null.</summary>
    TrainedModel? GetModel(long id);

    /// <summary>The model of this category and version, or null.</summary>
    TrainedModel? GetModel(string category, string version);

    /// <summary>The newest model of a category, or null.</summary>
    TrainedModel? GetLatestModel(string category);

    /// <summary>Models, optionally of one category, oldest first.</summary>
    IReadOnlyList<TrainedModel> ListModels(string? category = null);

    /// <summary>Removes a model row (generations keep its category and version). Returns false when it did not exist.</summary>
    bool DeleteModel(long id);

    /// <summary>Records a generation (lineage); its id and creation time are assigned here.</summary>
    Generation AddGeneration(Generation generation);

    /// <summary>The generation with this id, or null.</summary>
    Generation? GetGeneration(long id);
}
