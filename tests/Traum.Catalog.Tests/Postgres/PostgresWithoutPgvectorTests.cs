using Traum.Catalog.Postgres;
using Traum.Core;
using Traum.TestKit.Postgres;

namespace Traum.Catalog.Tests.Postgres;

/// <summary>A server without pgvector: a PostgreSQL 15 cluster from this machine's other installation, which has no vector extension.</summary>
public sealed class PostgresWithoutPgvectorTests
{
    private const string Pg15 = "/usr/lib/postgresql/15/bin";

    [Fact]
    public void Open_ServerWithoutPgvector_SaysToInstallIt()
    {
        Assert.True(File.Exists(Path.Combine(Pg15, "initdb")), $"this test needs a PostgreSQL without pgvector at {Pg15}");
        Assert.False(File.Exists("/usr/share/postgresql/15/extension/vector.control"), "the PostgreSQL 15 here must not have pgvector");
        using var cluster = PostgresCluster.StartBare(Pg15);
        var e = Assert.Throws<TraumException>(() => PostgresCatalog.Open(cluster.Url("postgres")));
        Assert.Contains("no pgvector extension", e.Message, StringComparison.Ordinal);
        Assert.Contains("postgresql-17-pgvector", e.Message, StringComparison.Ordinal);
    }
}
