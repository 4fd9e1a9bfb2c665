using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Traum.Generative;

/// <summary>
/// Makes libtorch's CPU matrix products bitwise repeatable. libtorch's BLAS (Intel MKL) picks kernels by the memory
/// alignment of each input, so the same small batch can give results that differ in the last bit from call to call;
/// MKL's conditional numerical reproducibility mode <c>MKL_CBWR=AUTO,STRICT</c> removes that. MKL reads the variable
/// once, at its first call, so it is set (natively, unless the user set it already) when this assembly loads, before
/// any model code runs. Without it training losses with a seed still repeat in practice, but decoding the same
/// latents twice may differ by one ulp.
/// </summary>
internal static partial class ReproducibleMath
{
    public const string Variable = "MKL_CBWR";
    public const string Value = "AUTO,STRICT";

    /// <summary>True when the variable was already set or has been set before MKL could read it.</summary>
    public static bool Applied { get; private set; }

#pragma warning disable CA2255 // A module initializer is the only point guaranteed to run before this library's first torch call.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            Applied = true;
            return;
        }
        try
        {
            Environment.SetEnvironmentVariable(Variable, Value);
            if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
            {
                // .NET keeps its own copy of the environment on Unix; native code (MKL) reads libc's.
                Applied = SetEnv(Variable, Value, 0) == 0;
            }
            else
            {
                Applied = true;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Applied = false;
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
