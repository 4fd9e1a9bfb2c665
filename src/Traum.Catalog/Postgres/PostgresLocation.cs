using Npgsql;
using Traum.Core;

namespace Traum.Catalog.Postgres;

/// <summary>
/// A PostgreSQL catalog location as people write it, <c>postgresql://user:password@host:port/database?sslmode=require</c>
/// (<c>postgres://</c> too), turned into an Npgsql connection string. A missing password is looked up the usual way
/// (<c>PGPASSWORD</c>, <c>~/.pgpass</c>); a missing port is 5432.
/// </summary>
internal static class PostgresLocation
{
    /// <summary>True when <paramref name="location"/> names a PostgreSQL database rather than a file.</summary>
    public static bool IsUrl(string? location) =>
        location is not null && (location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase));

    /// <summary>The connection string of <paramref name="url"/>.</summary>
    /// <exception cref="InvalidInputException">Not a PostgreSQL URL, or it names no database or an unknown parameter.</exception>
    public static NpgsqlConnectionStringBuilder Parse(string url)
    {
        if (!IsUrl(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new InvalidInputException($"'{Redact(url)}' is not a PostgreSQL URL; write it as postgresql://user@host:5432/database.");
        }
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0 || database.Contains('/', StringComparison.Ordinal))
        {
            throw new InvalidInputException($"'{Redact(url)}' names no database; add it after the host, e.g. postgresql://user@host:5432/traum.");
        }
        var b = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Database = database,
            ApplicationName = "traum",
        };
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            b.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0) b.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }
        else
        {
            b.Username = Environment.GetEnvironmentVariable("PGUSER") ?? Environment.UserName;
        }
        foreach (var part in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? part : part[..eq]);
            var value = eq < 0 ? "" : Uri.UnescapeDataString(part[(eq + 1)..]);
            if (IndexKeys.Contains(key)) continue; // Traum's own, read by IndexSettings
            try
            {
                b[key switch { "sslmode" => "SSL Mode", "connect_timeout" => "Timeout", "application_name" => "Application Name", _ => key }] = value;
            }
            catch (ArgumentException e)
            {
                throw new InvalidInputException($"'{Redact(url)}': '{key}' is not a connection parameter PostgreSQL's client knows ({e.Message}).", e);
            }
        }
        return b;
    }

    private static readonly string[] IndexKeys = ["hnsw_m", "hnsw_ef_construction", "hnsw_ef_search"];

    /// <summary>
    /// The vector index settings written in <paramref name="url"/>'s query (<c>hnsw_m</c>, <c>hnsw_ef_construction</c>,
    /// <c>hnsw_ef_search</c>), defaults for those not given.
    /// </summary>
    /// <exception cref="InvalidInputException">A value is not a whole number in its range.</exception>
    public static PostgresIndexSettings IndexSettings(string url)
    {
        var settings = new PostgresIndexSettings();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) return settings;
        foreach (var part in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? part : part[..eq]);
            if (!IndexKeys.Contains(key)) continue;
            var text = eq < 0 ? "" : Uri.UnescapeDataString(part[(eq + 1)..]);
            var (low, high) = key switch { "hnsw_m" => (2, 100), "hnsw_ef_construction" => (4, 1000), _ => (1, 1000) };
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < low || n > high)
            {
                throw new InvalidInputException($"'{Redact(url)}': {key} must be a whole number from {low} to {high} (it is '{text}').");
            }
            settings = key switch
            {
                "hnsw_m" => settings with { M = n },
                "hnsw_ef_construction" => settings with { EfConstruction = n },
                _ => settings with { EfSearch = n },
            };
        }
        if (settings.EfConstruction < 2 * settings.M)
        {
            throw new InvalidInputException($"'{Redact(url)}': hnsw_ef_construction ({settings.EfConstruction}) must be at least twice hnsw_m ({settings.M}), as pgvector requires.");
        }
        return settings;
    }

    /// <summary><paramref name="url"/> with its password replaced by <c>***</c>, for messages.</summary>
    public static string Redact(string? url)
    {
        if (url is null) return "";
        var at = url.IndexOf('@', StringComparison.Ordinal);
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (at < 0 || scheme < 0) return url;
        var colon = url.IndexOf(':', scheme + 3);
        return colon > 0 && colon < at ? url[..(colon + 1)] + "***" + url[at..] : url;
    }

    /// <summary>How the location reads in messages: user@host:port/database.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder b) => $"{b.Username}@{b.Host}:{b.Port}/{b.Database}";
}

/// <summary>How a catalog builds and searches its HNSW indexes (catalog URL parameters).</summary>
/// <param name="M">Edges per node (<c>hnsw_m</c>, pgvector's m; 32). More finds more true neighbours, at build time and index size.</param>
/// <param name="EfConstruction">Candidate list while building (<c>hnsw_ef_construction</c>; 128). With m 32 these find 0.99-1.00 of the exact top 10 at a million clustered vectors, where pgvector's 16 / 64 find 0.89.</param>
/// <param name="EfSearch">Candidate list while searching (<c>hnsw_ef_search</c>; 100), at least twice the results asked for.</param>
internal sealed record PostgresIndexSettings(int M = 32, int EfConstruction = 128, int EfSearch = 100);
