namespace Traum.Models.Store;

/// <summary>
/// One file of a model as published on the hub.
/// </summary>
/// <param name="Path">Path inside the hub repository (and inside the installed model folder), '/'-separated.</param>
/// <param name="Description">What the file is, for <c>traum models list</c>.</param>
/// <param name="Variant">The variant this file belongs to (e.g. "fp32"); null when every variant needs it.</param>
/// <param name="Size">Size in bytes when known; otherwise the hub's published size is used.</param>
/// <param name="Sha256">Lower-case hex SHA-256 when known; otherwise the hub's published LFS sum (or git blob id) is used.</param>
public sealed record ModelFile(string Path, string Description, string? Variant = null, long? Size = null, string? Sha256 = null);

/// <summary>
/// A model Traum knows how to fetch: a Hugging Face repository at a revision, its files and variants.
/// </summary>
/// <param name="Name">Short name used on the command line and as the folder name (e.g. "clap").</param>
/// <param name="Repo">Hub repository, "owner/name".</param>
/// <param name="Revision">Branch, tag or commit to resolve files at.</param>
/// <param name="Description">One line for <c>traum models list</c>.</param>
/// <param name="Files">Every file of every variant.</param>
/// <param name="Variants">Variant names, the default first.</param>
public sealed record ModelDefinition(string Name, string Repo, string Revision, string Description,
    IReadOnlyList<ModelFile> Files, IReadOnlyList<string> Variants)
{
    /// <summary>Environment variable that points at a user's own folder of these files (e.g. TRAUM_CLAP_MODEL), if any.</summary>
    public string? PathVariable { get; init; }

    /// <summary>What the files are, for <c>traum models list</c> (e.g. a graph contract and precisions); null when there is nothing to add.</summary>
    public string? Format { get; init; }

    /// <summary>The variant used when none is asked for.</summary>
    public string DefaultVariant => Variants.Count > 0 ? Variants[0] : "";

    /// <summary>The files one variant needs: the shared files plus that variant's own.</summary>
    public IReadOnlyList<ModelFile> FilesFor(string variant) =>
        Files.Where(f => f.Variant is null || string.Equals(f.Variant, variant, StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>The hub repository's cache folder name, as huggingface_hub names it ("models--owner--name").</summary>
    public string HubCacheFolder => "models--" + Repo.Replace("/", "--", StringComparison.Ordinal);
}

/// <summary>
/// Contributes model definitions to <see cref="ModelRegistry"/>. Any non-abstract type in Traum.Models that
/// implements this and has a parameterless constructor is picked up, so each model family declares its
/// entries in its own file.
/// </summary>
public interface IModelDefinitionProvider
{
    /// <summary>The definitions this provider contributes.</summary>
    IEnumerable<ModelDefinition> Definitions { get; }
}
