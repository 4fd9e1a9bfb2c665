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

    private static readonly Lazy<string?> s_problem = new(Probe);

    /// <summary>Why libtorch cannot be used here (one line naming the fix), or null when it loads.</summary>
    public static string? Problem => s_problem.Value;

    /// <summary>Throws a one-line <see cref="Core.TraumException"/> naming the fix when libtorch cannot load here.</summary>
    public static void EnsureAvailable()
    {
        if (Problem is { } problem) throw new Core.TraumException(problem);
    }

    private static string? Probe()
    {
        // TorchSharp prints a page of its own load trace to standard output when libtorch is missing; the one line
        // below says what matters.
        var stdout = Console.Out;
        Console.SetOut(TextWriter.Null);
        try
        {
            using var probe = zeros(1);
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or BadImageFormatException or EntryPointNotFoundException or InvalidOperationException)
        {
            var inner = e;
            while (inner.InnerException is not null) inner = inner.InnerException;
            var reason = inner.Message.Split('\n', 2)[0].Trim();
            if (reason.Length > 120) reason = reason[..120] + "…";
            return "Training and generation need libtorch, which cannot load here. Run 'scripts/bootstrap.sh --yes' from the Traum folder " +
                "(it installs what libtorch needs, such as libstdc++ from GCC 13+ on Debian 12), then try again. TorchSharp said: " + reason;
        }
        finally
        {
            Console.SetOut(stdout);
        }
    }

    /// <summary>The TorchSharp assembly's version.</summary>
    public static string TorchSharpVersion { get; } =
        typeof(TorchSharp.torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>Traum's version (of this assembly).</summary>
    public static string TraumVersion { get; } =
        typeof(TorchRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
