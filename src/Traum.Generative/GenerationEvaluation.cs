namespace Traum.Generative;

/// <summary>
/// How good a model's generated stems are, measured on an embedding of audio (named by <c>embedding</c>: "clap" or
/// "descriptor"). Distances are Euclidean in that embedding.
/// </summary>
/// <param name="Embedding">Which embedding the distances are in.</param>
/// <param name="Generated">Generated stems measured.</param>
/// <param name="Training">Training stems measured.</param>
/// <param name="Diversity">Mean pairwise distance of the generated stems over that of the training stems (1 = as varied as the material).</param>
/// <param name="GeneratedPairwise">Mean pairwise distance among the generated stems.</param>
/// <param name="TrainingPairwise">Mean pairwise distance among the training stems.</param>
/// <param name="NearestTraining">Mean distance of a generated stem to its nearest training stem.</param>
/// <param name="TrainingNearest">Mean distance of a training stem to its nearest other training stem (the scale for <paramref name="NearestTraining"/>).</param>
/// <param name="Copies">Generated stems nearer a training stem than a tenth of <paramref name="TrainingNearest"/>: flagged as copies.</param>
/// <param name="Frechet">Fréchet distance between Gaussians fitted to the generated and the training embeddings.</param>
/// <param name="FrechetOtherCategory">Fréchet distance between this category's training stems and another category's (the scale), or null.</param>
/// <param name="OtherCategory">The other category, or null.</param>
/// <param name="NearerOwnCentroid">Generated stems nearer this category's training centroid than the other category's, or null.</param>
/// <param name="ActiveLatents">Active latent dimensions of the model.</param>
/// <param name="Latent">Latent dimensions of the model.</param>
/// <param name="Reconstruction">Held-out reconstruction against the mean-spectrogram and PCA baselines, from training.</param>
public sealed record GenerationEvaluation(
    string Embedding, int Generated, int Training,
    double Diversity, double GeneratedPairwise, double TrainingPairwise,
    double NearestTraining, double TrainingNearest, int Copies,
    double Frechet, double? FrechetOtherCategory, string? OtherCategory, int? NearerOwnCentroid,
    int ActiveLatents, int Latent, ReconstructionReport? Reconstruction);
