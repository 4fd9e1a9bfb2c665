using System.Text.Json;
using System.Text.Json.Serialization;

namespace Traum.Server;

/// <summary>The JSON shape of the API: camelCase, enums as camelCase strings, ±infinity allowed (silence has −∞ LUFS).</summary>
internal static class ServerJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        o.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        return o;
    }
}
