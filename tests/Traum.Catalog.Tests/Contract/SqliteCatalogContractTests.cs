using Traum.TestKit;

namespace Traum.Catalog.Tests.Contract;

/// <summary>The catalog contract on the SQLite provider: each test gets a new catalog file in a temporary folder.</summary>
public sealed class SqliteCatalogContractTests() : CatalogContractTests(new SqliteProvider())
{
    private sealed class SqliteProvider : ICatalogTestProvider
    {
        private readonly TempDir _dir = new("catalog-contract");
        private int _count;

        public ICatalog Create(TimeProvider? time = null) => CatalogStore.Open(_dir.File($"catalog-{Interlocked.Increment(ref _count)}.db"), time);

        public void Dispose() => _dir.Dispose();
    }
}
