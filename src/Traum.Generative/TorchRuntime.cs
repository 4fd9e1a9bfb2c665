using System.Reflection;
using static TorchSharp.torch;

namespace Traum.Generative;

/// <summary>Process-wide TorchSharp settings: device choice, CPU threads, seeding, versions.</summary>
public static class TorchRuntime
{
    /// <summary>
    /// Serialises work that depends on torch's global state (the global generator seeded by <c>manual_seed</c>, the
    /// thread count), so two trainings in one process cannot disturb each other's repeatability.
    /// </summary>
    internal static readonly Lock GlobalState = new();

    /// <summary>"cuda" when requested or "auto" and a CUDA build of TorchSharp with a device is present, else "cpu".</summary>
    /// <exception cref="Core.InvalidInputException">"cuda" requested but not available, or an unknown name.</exception>
    public static Device SelectDevice(string? requested)
    {
        var name = string.IsNullOrWhiteSpace(requested) ? "auto" : requested.Trim().ToLowerInvariant();
        return name switch
        {
            "cpu" => CPU,
            "auto" => cuda.is_available() ? CUDA : CPU,
            "cuda" when cuda.is_available() => CUDA,
            "cuda" => throw new Core.InvalidInputException("CUDA was requested but this TorchSharp build has no CUDA device; use --device cpu, or install the TorchSharp-cuda package for your platform."),
            _ => throw new Core.InvalidInputException($"Unknown device '{requested}'; use auto, cpu or cuda."),
        };
    }

    /// <summary>Sets torch's intra-op CPU threads when <paramref name="threads"/> &gt; 0; returns the count in effect.</summary>
    public static int ConfigureThreads(int threads)
    {
        if (threads > 0 && get_num_threads() != threads) set_num_threads(threads);
        return get_num_threads();
    }

    /// <summary>The TorchSharp assembly's version.</summary>
    public static string TorchSharpVersion { get; } =
        typeof(TorchSharp.torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>Traum's version (of this assembly).</summary>
    public static string TraumVersion { get; } =
        typeof(TorchRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
