using System.CommandLine;
using System.Reflection;

namespace Traum.Cli.Commands;

internal static class VersionCommand
{
    public static string Version =>
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static Command Create(GlobalOptions globals)
    {
        var cmd = new Command("version", "Print the version of Traum and of its runtime");
        cmd.SetAction(pr =>
        {
            if (pr.GetValue(globals.Json))
            {
                Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { version = Version, runtime = Environment.Version.ToString() }));
            }
            else
            {
                Console.WriteLine($"traum {Version} (.NET {Environment.Version})");
            }
            return 0;
        });
        return cmd;
    }
}
