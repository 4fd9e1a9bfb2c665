using BenchmarkDotNet.Running;

namespace Traum.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Traum.Benchmarks -- [suite filter]</c> runs the BenchmarkDotNet suites;
/// <c>-- e2e NAME</c> runs an end-to-end benchmark command that prints ratios measured in one run.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] == "e2e")
        {
            return EndToEnd.Run(args[1..]);
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
