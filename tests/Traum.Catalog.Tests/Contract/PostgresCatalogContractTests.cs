using Traum.Catalog.Postgres;
using Traum.TestKit.Postgres;

[assembly: AssemblyFixture(typeof(PostgresCluster))]

namespace Traum.Catalog.Tests.Contract;

/// <summary>
/// The catalog contract on the PostgreSQL provider, against a real PostgreSQL 17 + pgvector cluster started for this
/// test assembly: each test gets a new database copied from a migrated template.
/// </summary>
public sealed class PostgresCatalogContractTests(PostgresCluster cluster) : CatalogContractTests(new PostgresProvider(cluster))
{
    private sealed class PostgresProvider(PostgresCluster cluster) : ICatalogTestProvider
    {
        private readonly List<string> _databases = [];

        public ICatalog Create(TimeProvider? time = null)
        {
            var url = cluster.CreateCatalogDatabase();
            lock (_databases) _databases.Add(url);
            return PostgresCatalog.Open(url, time);
        }

        public void Dispose()
        {
            foreach (var url in _databases) cluster.DropDatabase(url);
        }
    }
}
