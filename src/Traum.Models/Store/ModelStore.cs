using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traum.Core;

namespace Traum.Models.Store;

/// <summary>Where the store reads from and downloads to.</summary>
public sealed record ModelStoreOptions
{
    /// <summary>Hub endpoint; default <c>HF_ENDPOINT</c>, else https://huggingface.co.</summary>
    public string Endpoint { get; init; } = Environment.GetEnvironmentVariable("HF_ENDPOINT") is { Length: > 0 } e ? e : "https://huggingface.co";

    /// <summary>Access token for gated or private repositories; default <c>HF_TOKEN</c>.</summary>
    public string? Token { get; init; } = Environment.GetEnvironmentVariable("HF_TOKEN");

    /// <summary>A download receiving nothing for this long counts as a dropped connection (the part file is kept).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Hugging Face hub cache roots searched for files to reuse; default <c>HF_HUB_CACHE</c>, <c>HF_HOME/hub</c>, <c>~/.cache/huggingface/hub</c>.</summary>
    public IReadOnlyList<string> HubCacheRoots { get; init; } = HubCache.DefaultRoots();
}

/// <summary>The state of one known model in the store.</summary>
/// <param name="Definition">The registry entry.</param>
/// <param name="Folder">Where it is (or would be) installed.</param>
/// <param name="InstalledVariants">Variants whose every file is installed.</param>
public sealed record ModelStatus(ModelDefinition Definition, string Folder, IReadOnlyList<string> InstalledVariants);

/// <summary>Outcome of checking one installed file.</summary>
/// <param name="Path">Repository path.</param>
/// <param name="Ok">Present, right size and right SHA-256.</param>
/// <param name="Problem">What is wrong, when not ok.</param>
public sealed record FileCheck(string Path, bool Ok, string? Problem);

/// <summary>
/// The model store: one folder per model under <see cref="ModelsPath"/>, holding the files at their repository
/// paths and a <c>traum-model.json</c> manifest. Files come from the Hugging Face hub (resumable, checked
/// against sizes and SHA-256 sums) or are copied from a local hub cache.
/// </summary>
public sealed partial class ModelStore
{
    private readonly ModelStoreOptions _options;
    private readonly HttpMessageHandler? _handler;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <param name="modelsPath">Root folder of installed models (TraumContext.ModelsPath).</param>
    /// <param name="registry">Known models; default <see cref="ModelRegistry.Default"/>.</param>
    /// <param name="options">Endpoint, token, hub cache roots.</param>
    /// <param name="handler">HTTP handler (tests); must not follow redirects itself.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="time">Clock of the installation times.</param>
    public ModelStore(string modelsPath, ModelRegistry? registry = null, ModelStoreOptions? options = null,
        HttpMessageHandler? handler = null, ILogger<ModelStore>? logger = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        ArgumentException.ThrowIfNullOrWhiteSpace(modelsPath);
        ModelsPath = Path.GetFullPath(modelsPath);
        Registry = registry ?? ModelRegistry.Default;
        _options = options ?? new ModelStoreOptions();
        _handler = handler;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Root folder of installed models.</summary>
    public string ModelsPath { get; }

    /// <summary>The models this store knows how to install.</summary>
    public ModelRegistry Registry { get; }

    /// <summary>The hub endpoint in use.</summary>
    public string Endpoint => _options.Endpoint;

    /// <summary>Folder of model <paramref name="name"/> (whether installed or not).</summary>
    public string FolderOf(string name) => Path.Combine(ModelsPath, name);

    /// <summary>Every known model and which of its variants are installed.</summary>
    public IReadOnlyList<ModelStatus> List() =>
        Registry.All.Select(d => new ModelStatus(d, FolderOf(d.Name), InstalledVariants(d))).ToList();

    /// <summary>Variants of <paramref name="definition"/> whose files are all present with their recorded sizes.</summary>
    public IReadOnlyList<string> InstalledVariants(ModelDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var folder = FolderOf(definition.Name);
        var manifest = ModelManifest.Read(folder);
        if (manifest is null) return [];
        return definition.Variants.Where(v => definition.FilesFor(v).All(f => IsInstalled(folder, manifest, f.Path))).ToList();
    }

    /// <summary>Path of an installed file, or null.</summary>
    public string? InstalledFile(ModelDefinition definition, string path)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(path);
        var folder = FolderOf(definition.Name);
        var manifest = ModelManifest.Read(folder);
        return manifest is not null && IsInstalled(folder, manifest, path) ? LocalPath(folder, path) : null;
    }

    /// <summary>A copy of <paramref name="path"/> in a local Hugging Face hub cache, or null.</summary>
    public string? FindInHubCache(ModelDefinition definition, string path)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(path);
        return HubCache.Find(_options.HubCacheRoots, definition.HubCacheFolder, definition.Revision, path).FirstOrDefault()?.Path;
    }

    /// <summary>The hub cache folders searched for <paramref name="definition"/> (for messages).</summary>
    public IReadOnlyList<string> HubCacheFolders(ModelDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return _options.HubCacheRoots.Select(r => Path.Combine(r, definition.HubCacheFolder)).ToList();
    }

    /// <summary>The command that installs a model variant.</summary>
    public static string PullCommand(ModelDefinition definition, string? variant = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return variant is null || string.Equals(variant, definition.DefaultVariant, StringComparison.OrdinalIgnoreCase)
            ? $"traum models pull {definition.Name}"
            : $"traum models pull {definition.Name} --variant {variant}";
    }

    /// <summary>
    /// Installs one variant of a model: files already installed are kept, files in a local hub cache are copied
    /// (after checking them), the rest are downloaded (resuming a <c>.part</c> file left by an interrupted run),
    /// checked for size and SHA-256, and renamed into place. Reports bytes per file.
    /// </summary>
    /// <returns>The model folder.</returns>
    /// <exception cref="ModelNotFoundException">A file could not be fetched or failed its check; the message says which, where Traum looked, and what to run.</exception>
    public async Task<string> PullAsync(string name, string? variant = null, IProgress<ProgressInfo>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var def = Registry.Get(name);
        variant ??= def.DefaultVariant;
        if (!def.Variants.Contains(variant, StringComparer.OrdinalIgnoreCase))
        {
            throw new InvalidInputException($"Model '{def.Name}' has no variant '{variant}'. Variants: {string.Join(", ", def.Variants)}.");
        }
        variant = def.Variants.First(v => string.Equals(v, variant, StringComparison.OrdinalIgnoreCase));
        var folder = FolderOf(def.Name);
        Directory.CreateDirectory(folder);
        var manifest = ModelManifest.Read(folder) ?? new ModelManifest { Name = def.Name, Repo = def.Repo, Revision = def.Revision };
        if (manifest.Repo != def.Repo || manifest.Revision != def.Revision)
        {
            manifest = new ModelManifest { Name = def.Name, Repo = def.Repo, Revision = def.Revision };
        }
        using var hub = new HubClient(_options.Endpoint, _options.Token, _options.IdleTimeout, _handler);
        var hubInfo = new HubInfoCache(hub, def);
        foreach (var file in def.FilesFor(variant))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (IsInstalled(folder, manifest, file.Path)
                && (file.Sha256 is null || string.Equals(manifest.Files[file.Path].Sha256, file.Sha256, StringComparison.OrdinalIgnoreCase)))
            {
                LogKept(_logger, def.Name, file.Path);
                continue;
            }
            var installed = await TryInstallFromHubCacheAsync(def, file, folder, hubInfo, progress, cancellationToken).ConfigureAwait(false)
                ?? await DownloadAsync(def, variant, file, folder, hub, hubInfo, progress, cancellationToken).ConfigureAwait(false);
            manifest.Files[file.Path] = installed;
            manifest.Write(folder);
        }
        return folder;
    }

    /// <summary>
    /// Re-hashes the installed files of a model (all installed variants, or one) and compares each with the
    /// SHA-256 and size recorded at install time (which were checked against the hub) and with the registry's
    /// own sum where it has one.
    /// </summary>
    /// <exception cref="ModelNotFoundException">The model (or the variant) is not installed.</exception>
    public async Task<IReadOnlyList<FileCheck>> VerifyAsync(string name, string? variant = null, IProgress<ProgressInfo>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var def = Registry.Get(name);
        var folder = FolderOf(def.Name);
        var manifest = ModelManifest.Read(folder);
        var variants = variant is null ? InstalledVariants(def) : [variant];
        if (manifest is null || variants.Count == 0)
        {
            throw new ModelNotFoundException(
                $"Model '{def.Name}'{(variant is null ? "" : $" ({variant})")} is not installed in {folder}. Run `{PullCommand(def, variant)}`.");
        }
        var files = variants.SelectMany(def.FilesFor).DistinctBy(f => f.Path).ToList();
        var checks = new List<FileCheck>();
        foreach (var f in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var local = LocalPath(folder, f.Path);
            if (!manifest.Files.TryGetValue(f.Path, out var rec) || !File.Exists(local))
            {
                checks.Add(new FileCheck(f.Path, false, $"missing ({local})"));
                continue;
            }
            var size = new FileInfo(local).Length;
            if (size != rec.Size)
            {
                checks.Add(new FileCheck(f.Path, false, $"size {size} bytes, expected {rec.Size}"));
                continue;
            }
            var bytes = new ActionProgress<long>(b => progress?.Report(new ProgressInfo(b, size, "bytes", f.Path)));
            var sha = await FileHashes.Sha256Async(local, bytes, cancellationToken).ConfigureAwait(false);
            var expected = f.Sha256 ?? rec.Sha256;
            checks.Add(string.Equals(sha, expected, StringComparison.OrdinalIgnoreCase) && string.Equals(sha, rec.Sha256, StringComparison.OrdinalIgnoreCase)
                ? new FileCheck(f.Path, true, null)
                : new FileCheck(f.Path, false, $"SHA-256 {sha}, expected {expected}"));
        }
        return checks;
    }

    private async Task<InstalledFile?> TryInstallFromHubCacheAsync(ModelDefinition def, ModelFile file, string folder,
        HubInfoCache hubInfo, IProgress<ProgressInfo>? progress, CancellationToken cancellationToken)
    {
        foreach (var hit in HubCache.Find(_options.HubCacheRoots, def.HubCacheFolder, def.Revision, file.Path))
        {
            var size = new FileInfo(hit.Path).Length;
            if (file.Size is { } want && want != size) continue;
            var sha = await FileHashes.Sha256Async(hit.Path, null, cancellationToken).ConfigureAwait(false);
            string? against = null;
            if (file.Sha256 is not null)
            {
                if (!string.Equals(sha, file.Sha256, StringComparison.OrdinalIgnoreCase)) continue;
                against = "registry";
            }
            else if (hit.BlobId is { Length: 64 } blobSha)
            {
                if (sha != blobSha) continue;
                against = "hub-cache-blob";
            }
            else if (hit.BlobId is { Length: 40 } blobGit)
            {
                if (await FileHashes.GitBlobSha1Async(hit.Path, cancellationToken).ConfigureAwait(false) != blobGit) continue;
                against = "hub-cache-blob";
            }
            else
            {
                // A plain copy (no blob link): only the hub's published sums can vouch for it.
                var info = await hubInfo.TryGetAsync(file.Path, cancellationToken).ConfigureAwait(false);
                if (info is null || info.Size != size) continue;
                if (info.Sha256 is not null && info.Sha256 == sha) against = "hub-lfs";
                else if (info.GitSha1 is not null && info.GitSha1 == await FileHashes.GitBlobSha1Async(hit.Path, cancellationToken).ConfigureAwait(false)) against = "hub-git";
                else continue;
            }
            var target = LocalPath(folder, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var part = target + ".part";
            File.Copy(hit.Path, part, overwrite: true);
            File.Move(part, target, overwrite: true);
            progress?.Report(new ProgressInfo(size, size, "bytes", file.Path));
            LogReused(_logger, file.Path, hit.Path);
            return new InstalledFile { Size = size, Sha256 = sha, CheckedAgainst = against, Source = "hf-cache", InstalledAt = _time.GetUtcNow() };
        }
        return null;
    }

    private async Task<InstalledFile> DownloadAsync(ModelDefinition def, string variant, ModelFile file, string folder, HubClient hub,
        HubInfoCache hubInfo, IProgress<ProgressInfo>? progress, CancellationToken cancellationToken)
    {
        var uri = hub.ResolveUri(def.Repo, def.Revision, file.Path);
        var target = LocalPath(folder, file.Path);
        var part = target + ".part";
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        long? size = file.Size;
        string? sha = file.Sha256;
        string? gitSha = null;
        var against = "registry";
        try
        {
            if (sha is null)
            {
                var info = await hubInfo.TryGetAsync(file.Path, cancellationToken).ConfigureAwait(false)
                    ?? throw Failure(def, variant, file, uri, hubInfo.LastError is { } err
                        ? $"cannot reach the hub at {_options.Endpoint} ({err})."
                        : "the hub published no size or checksum for it, so it cannot be checked.");
                size ??= info.Size;
                sha = info.Sha256;
                gitSha = info.GitSha1;
                against = sha is not null ? "hub-lfs" : "hub-git";
            }
            LogDownloading(_logger, uri, part);
            var total = size ?? 0;
            var bytes = new ActionProgress<long>(b => progress?.Report(new ProgressInfo(b, total, "bytes", file.Path)));
            await hub.DownloadAsync(uri, part, size, bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            var kept = File.Exists(part) ? new FileInfo(part).Length : 0;
            var why = e.StatusCode switch
            {
                System.Net.HttpStatusCode.NotFound => "the hub has no such file (404)",
                System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden => $"access denied ({(int)e.StatusCode!}); set HF_TOKEN if the repository is gated",
                _ => e.Message,
            };
            var resume = kept > 0 ? $" {kept} bytes were kept in {part}; the same command resumes from there." : "";
            throw Failure(def, variant, file, uri, why + "." + resume, e);
        }
        catch (IOException e)
        {
            throw new ModelNotFoundException(
                $"Cannot write {part} ({e.Message}). Free some space (or set TRAUM_MODELS to another disk) and run `{PullCommand(def, variant)}` again; it resumes.", e);
        }
        var actualSize = new FileInfo(part).Length;
        if (size is { } s && actualSize != s)
        {
            File.Delete(part);
            throw Failure(def, variant, file, uri, $"the download has {actualSize} bytes, expected {s}; the partial file was removed");
        }
        var actualSha = await FileHashes.Sha256Async(part, null, cancellationToken).ConfigureAwait(false);
        var ok = sha is not null
            ? string.Equals(actualSha, sha, StringComparison.OrdinalIgnoreCase)
            : gitSha is not null && await FileHashes.GitBlobSha1Async(part, cancellationToken).ConfigureAwait(false) == gitSha;
        if (!ok)
        {
            File.Delete(part);
            var expected = sha is not null ? $"SHA-256 {sha}" : $"git blob id {gitSha}";
            throw Failure(def, variant, file, uri, $"the downloaded file is corrupt (SHA-256 {actualSha}, expected {expected}); it was removed");
        }
        File.Move(part, target, overwrite: true);
        return new InstalledFile { Size = actualSize, Sha256 = actualSha, CheckedAgainst = against, Source = "download", InstalledAt = _time.GetUtcNow() };
    }

    private ModelNotFoundException Failure(ModelDefinition def, string variant, ModelFile file, Uri uri, string why, Exception? inner = null)
    {
        var looked = $"{FolderOf(def.Name)} and the Hugging Face cache ({string.Join(", ", HubCacheFolders(def))})";
        var env = def.PathVariable is null ? "" : $", or put the files in a folder and set {def.PathVariable}=DIR";
        why = why.TrimEnd();
        if (!why.EndsWith('.')) why += ".";
        return new ModelNotFoundException(
            $"Cannot install {file.Path} of model '{def.Name}' ({def.Repo}) from {uri}: {why} Looked in {looked}. " +
            $"Fix: check the network (or set HF_ENDPOINT to a reachable mirror) and run `{PullCommand(def, variant)}`{env}.", inner);
    }

    private static bool IsInstalled(string folder, ModelManifest manifest, string path) =>
        manifest.Files.TryGetValue(path, out var rec) && File.Exists(LocalPath(folder, path)) && new FileInfo(LocalPath(folder, path)).Length == rec.Size;

    private static string LocalPath(string folder, string path) => Path.Combine(folder, path.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Hub metadata, fetched once per folder of the repository, with the resolve headers as fallback.</summary>
    private sealed class HubInfoCache(HubClient hub, ModelDefinition def)
    {
        private readonly Dictionary<string, IReadOnlyDictionary<string, HubFileInfo>?> _trees = new(StringComparer.Ordinal);

        /// <summary>The last network error met, if any.</summary>
        public string? LastError { get; private set; }

        public async Task<HubFileInfo?> TryGetAsync(string path, CancellationToken cancellationToken)
        {
            var slash = path.LastIndexOf('/');
            var dir = slash < 0 ? "" : path[..slash];
            if (!_trees.TryGetValue(dir, out var tree))
            {
                try
                {
                    tree = await hub.ListTreeAsync(def.Repo, def.Revision, dir, cancellationToken).ConfigureAwait(false);
                }
                catch (HttpRequestException e) when (e.StatusCode is null)
                {
                    LastError = e.Message;
                    tree = null;
                }
                catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException)
                {
                    tree = null;
                }
                _trees[dir] = tree;
            }
            if (tree is not null && tree.TryGetValue(path, out var info)) return info;
            try
            {
                return await hub.HeadAsync(def.Repo, def.Revision, path, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                LastError = e.Message;
                return null;
            }
        }
    }

    /// <summary>Reports synchronously on the caller's thread (Progress&lt;T&gt; would post them out of order).</summary>
    private sealed class ActionProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Model}: {Path} already installed")]
    private static partial void LogKept(ILogger logger, string model, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reusing {Path} from the Hugging Face cache ({Source})")]
    private static partial void LogReused(ILogger logger, string path, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloading {Uri} to {Part}")]
    private static partial void LogDownloading(ILogger logger, Uri uri, string part);
}
