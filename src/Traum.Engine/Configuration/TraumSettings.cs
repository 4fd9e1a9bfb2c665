using Microsoft.Extensions.Configuration;
using Traum.Core;

namespace Traum.Engine.Configuration;

/// <summary>
/// Where settings come from, later ones winning: built-in defaults (next to each option), the user's
/// <c>$XDG_CONFIG_HOME/traum/traum.json</c>, a <c>traum.json</c> in the library folder, <c>TRAUM_*</c>
/// environment variables (<c>__</c> separates sections, e.g. <c>TRAUM_MODELS__CLAP__PATH</c>), and flags.
/// </summary>
public static class TraumSettings
{
    /// <summary>Builds the configuration for a library folder, with flag values layered on top.</summary>
    /// <param name="libraryOverride">The <c>--library</c> flag, if given.</param>
    /// <param name="flags">Flag values as configuration keys (e.g. "models:clap:path"), if any.</param>
    public static IConfiguration Build(string? libraryOverride = null, IReadOnlyDictionary<string, string?>? flags = null)
    {
        var library = ResolveLibrary(libraryOverride);
        var builder = new ConfigurationBuilder();
        var userFile = Path.Combine(XdgConfigHome(), "traum", "traum.json");
        builder.AddJsonFile(userFile, optional: true, reloadOnChange: false);
        builder.AddJsonFile(Path.Combine(library, "traum.json"), optional: true, reloadOnChange: false);
        builder.AddEnvironmentVariables("TRAUM_");
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["library"] = library };
        if (flags is not null)
        {
            foreach (var (k, v) in flags) overrides[k] = v;
        }
        builder.AddInMemoryCollection(overrides);
        return builder.Build();
    }

    /// <summary>The library folder: the flag, else <c>TRAUM_LIBRARY</c>, else <c>$XDG_DATA_HOME/traum</c>.</summary>
    public static string ResolveLibrary(string? libraryOverride)
    {
        var path = libraryOverride;
        if (string.IsNullOrWhiteSpace(path)) path = Environment.GetEnvironmentVariable("TRAUM_LIBRARY");
        if (string.IsNullOrWhiteSpace(path)) path = Path.Combine(XdgDataHome(), "traum");
        return Path.GetFullPath(ExpandHome(path));
    }

    /// <summary>The shared file store folder (<c>--store</c>, else <c>TRAUM_STORE</c>), or null when none is given.</summary>
    public static string? ResolveStore(string? storeOverride)
    {
        var path = storeOverride;
        if (string.IsNullOrWhiteSpace(path)) path = Environment.GetEnvironmentVariable("TRAUM_STORE");
        return string.IsNullOrWhiteSpace(path) ? null : Path.GetFullPath(ExpandHome(path.Trim()));
    }

    /// <summary>The model cache: <c>TRAUM_MODELS</c>, else <c>$XDG_CACHE_HOME/traum/models</c>.</summary>
    public static string ResolveModels(IConfiguration? configuration = null)
    {
        var path = configuration?["models:root"];
        if (string.IsNullOrWhiteSpace(path)) path = Environment.GetEnvironmentVariable("TRAUM_MODELS");
        if (string.IsNullOrWhiteSpace(path)) path = Path.Combine(XdgCacheHome(), "traum", "models");
        return Path.GetFullPath(ExpandHome(path));
    }

    /// <summary>Binds a section to an options record and validates it.</summary>
    /// <exception cref="InvalidInputException">A value has the wrong type.</exception>
    public static T Bind<T>(IConfiguration configuration, string section) where T : new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        try
        {
            return configuration.GetSection(section).Get<T>() ?? new T();
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidInputException($"Setting '{section}' is invalid: {e.Message}", e);
        }
    }

    private static string Home() => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private static string ExpandHome(string p) => p.StartsWith('~') ? Home() + p[1..] : p;

    private static string XdgDataHome() => Env("XDG_DATA_HOME") ?? Path.Combine(Home(), ".local", "share");

    private static string XdgCacheHome() => Env("XDG_CACHE_HOME") ?? Path.Combine(Home(), ".cache");

    private static string XdgConfigHome() => Env("XDG_CONFIG_HOME") ?? Path.Combine(Home(), ".config");

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}
