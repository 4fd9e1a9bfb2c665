using System.Net;
using System.Net.Sockets;
using Npgsql;
using Traum.Catalog.Postgres;
using Traum.Core;
using Traum.TestKit;
using Traum.TestKit.Postgres;
using static Traum.Catalog.Tests.CatalogFixtures;

namespace Traum.Catalog.Tests.Postgres;

/// <summary>What only the PostgreSQL provider has: migrations under a lock, its own refusals, pgvector indexes.</summary>
public sealed class PostgresCatalogTests(PostgresCluster cluster)
{
    private static long Scalar(NpgsqlConnection c, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, c);
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string FirstLine(string s) => s.Split('\n')[0];

    [Fact]
    public void Open_ManyProcessesAtOnceOnAnEmptyDatabase_MigrateOnce()
    {
        var db = cluster.CreateEmptyDatabase();
        // Six password handshakes and backend starts at once on a loaded two-core machine have needed more than
        // Npgsql's 15 s connect timeout: this test is about one migration, not about speed.
        var url = cluster.Url(db) + "?connect_timeout=60";
        var catalogs = new PostgresCatalog[6];
        Parallel.For(0, catalogs.Length, new ParallelOptions { MaxDegreeOfParallelism = 6 }, i => catalogs[i] = PostgresCatalog.Open(url));
        try
        {
            Assert.All(catalogs, c => Assert.Equal(PostgresCatalog.LatestSchemaVersion, c.SchemaVersion));
            // Exactly one of them applied the migrations; the others found the catalog current.
            Assert.Single(catalogs, c => c.OpenedAtVersion == 0);
            using var conn = catalogs[0].Connect();
            Assert.Equal(PostgresCatalog.LatestSchemaVersion, Scalar(conn, "SELECT COUNT(*) FROM traum_schema_version;"));
            var s = catalogs[1].AddStem(Stem(1));
            Assert.Equal(s.Id, catalogs[2].GetStem(s.Id)!.Id);
        }
        finally
        {
            foreach (var c in catalogs) c?.Dispose();
            cluster.DropDatabase(db);
        }
    }

    [Fact]
    public void Open_SchemaFromANewerTraum_RefusesInOneLineNamingBothVersionsAndTheFix()
    {
        var url = cluster.CreateCatalogDatabase();
        try
        {
            using (var c = PostgresCatalog.Open(url))
            {
                using var conn = c.Connect();
                using var cmd = new NpgsqlCommand("INSERT INTO traum_schema_version (version, applied_at) VALUES (42, now());", conn);
                cmd.ExecuteNonQuery();
            }
            var e = Assert.Throws<TraumException>(() => PostgresCatalog.Open(url));
            Assert.DoesNotContain('\n', e.Message);
            Assert.Contains("schema version 42", e.Message, StringComparison.Ordinal);
            Assert.Contains($"up to {PostgresCatalog.LatestSchemaVersion}", e.Message, StringComparison.Ordinal);
            Assert.Contains("update Traum", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            cluster.DropDatabase(url);
        }
    }

    [Fact]
    public void Open_OlderSchema_IsMigratedAndKeepsItsRows()
    {
        var db = cluster.CreateEmptyDatabase();
        var url = cluster.Url(db);
        // A later migration that this build does not have yet: opening with the prefix, then with it, applies only it.
        string[] withNext = [.. PostgresSchema.Migrations, "ALTER TABLE stems ADD COLUMN test_extra INTEGER NOT NULL DEFAULT 7;"];
        try
        {
            long id;
            using (var old = PostgresCatalog.Open(url))
            {
                id = old.AddStem(Stem(1)).Id;
            }
            using var next = PostgresCatalog.Open(url, withNext);
            Assert.Equal(PostgresCatalog.LatestSchemaVersion, next.OpenedAtVersion);
            Assert.Equal(withNext.Length, next.SchemaVersion);
            Assert.Equal("stem 1", next.GetStem(id)!.Name);
            using var conn = next.Connect();
            Assert.Equal(7, Scalar(conn, $"SELECT test_extra FROM stems WHERE id = {id};"));
        }
        finally
        {
            cluster.DropDatabase(db);
        }
    }

    [Fact]
    public void Open_WrongPassword_SaysTheLoginWasRefused()
    {
        var url = cluster.Url("postgres", password: "not-the-password");
        var e = Assert.Throws<TraumException>(() => PostgresCatalog.Open(url));
        Assert.Contains("refused the login", e.Message, StringComparison.Ordinal);
        Assert.Contains("password", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_MissingDatabase_SaysToCreateIt()
    {
        var e = Assert.Throws<TraumException>(() => PostgresCatalog.Open(cluster.Url("no_such_catalog")));
        Assert.Contains("no_such_catalog", e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("CREATE DATABASE", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NothingListening_SaysTheServerCannotBeReached()
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
        }
        var e = Assert.Throws<TraumException>(() => PostgresCatalog.Open($"postgresql://traum:secret@127.0.0.1:{port}/traum?Timeout=3"));
        Assert.StartsWith($"Cannot reach PostgreSQL at traum@127.0.0.1:{port}/traum", e.Message, StringComparison.Ordinal);
        Assert.Contains("server runs", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_UserWhoMayNotEnablePgvector_IsToldToAskASuperuser()
    {
        var role = $"r_{Guid.NewGuid():N}"[..12];
        cluster.Admin($"CREATE ROLE {role} LOGIN PASSWORD 'pw';");
        var db = cluster.CreateEmptyDatabase(owner: role);
        try
        {
            var e = Assert.Throws<TraumException>(() => PostgresCatalog.Open(cluster.Url(db, role, "pw")));
            Assert.Contains("CREATE EXTENSION vector", e.Message, StringComparison.Ordinal);
            Assert.Contains(db, e.Message, StringComparison.Ordinal);
            // Once a superuser enabled it, the database owner migrates and uses the catalog.
            cluster.Admin("CREATE EXTENSION vector;", db);
            using var c = PostgresCatalog.Open(cluster.Url(db, role, "pw"));
            Assert.Equal(PostgresCatalog.LatestSchemaVersion, c.SchemaVersion);
            c.SetEmbedding(c.AddStem(Stem(1)).Id, new Embedding("m", [1f, 0f]));
            Assert.Single(c.SearchVectors(new VectorSearchRequest { ModelId = "m", Vector = [1f, 0f], K = 1 }, TestContext.Current.CancellationToken).Matches);
        }
        finally
        {
            cluster.DropDatabase(db);
        }
    }

    [Fact]
    public void SetEmbedding_AnotherDimensionForAKnownModel_IsRefusedAndWritesNothing()
    {
        var url = cluster.CreateCatalogDatabase();
        try
        {
            using var c = PostgresCatalog.Open(url);
            var a = c.AddStem(Stem(1)).Id;
            var b = c.AddStem(Stem(2)).Id;
            c.SetEmbedding(a, new Embedding("clap", [0.6f, 0.8f, 0f]));
            var start = c.ChangeSequence;
            var e = Assert.Throws<InvalidInputException>(() => c.SetEmbedding(b, new Embedding("clap", [1f, 0f])));
            Assert.Contains("3 dimensions", e.Message, StringComparison.Ordinal);
            Assert.Null(c.GetEmbedding(b, "clap"));
            Assert.Equal(start, c.ChangeSequence);
            Assert.Empty(c.IntegrityCheck());
        }
        finally
        {
            cluster.DropDatabase(url);
        }
    }

    [Fact]
    public void SearchVectors_Approximate_UsesTheModelsHnswIndex_Exact_DoesNot()
    {
        var url = cluster.CreateCatalogDatabase();
        try
        {
            using var c = PostgresCatalog.Open(url);
            var rng = new Random(5);
            for (var i = 0; i < 300; i++)
            {
                var v = new float[8];
                for (var j = 0; j < v.Length; j++) v[j] = (float)rng.NextDouble() - 0.5f;
                c.SetEmbedding(c.AddStem(Stem(i)).Id, new Embedding("model's \"id\"", v)); // quotes in an id reach the index predicate safely
            }
            using var conn = c.Connect();
            var index = PostgresCatalog.IndexName("model's \"id\"");
            Assert.Equal(1, Scalar(conn, $"SELECT COUNT(*) FROM pg_indexes WHERE indexname = '{index}' AND indexdef LIKE '%hnsw%vector_cosine_ops%';"));
            using (var analyze = new NpgsqlCommand("ANALYZE embeddings;", conn)) analyze.ExecuteNonQuery();
            string Plan(string order)
            {
                using var cmd = new NpgsqlCommand(
                    $"EXPLAIN SELECT stem_id FROM embeddings e WHERE e.model_id = 'model''s \"id\"' ORDER BY {order} LIMIT 10;", conn);
                using var r = cmd.ExecuteReader();
                var lines = new List<string>();
                while (r.Read()) lines.Add(r.GetString(0));
                return string.Join('\n', lines);
            }
            var q = "'[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8]'";
            // A table this small is cheaper to sort: forbid the other plans, so what is tested is that the index applies at all.
            using (var off = new NpgsqlCommand("SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off;", conn)) off.ExecuteNonQuery();
            var approximate = Plan($"e.vector::vector(8) <=> {q}::vector(8)");
            Assert.True(approximate.Contains(index, StringComparison.Ordinal), approximate);
            Assert.DoesNotContain(index, Plan($"e.vector <=> {q}"), StringComparison.Ordinal);
        }
        finally
        {
            cluster.DropDatabase(url);
        }
    }

    [Theory]
    [InlineData("postgresql://alice:p%40ss@db.example:6543/traum?sslmode=require", "alice", "p@ss", "db.example", 6543, "traum")]
    [InlineData("postgres://bob@10.0.0.5/lib", "bob", null, "10.0.0.5", 5432, "lib")]
    public void Parse_Urls_GiveTheirParts(string url, string user, string? password, string host, int port, string database)
    {
        var b = PostgresLocation.Parse(url);
        Assert.Equal((user, password, host, port, database), (b.Username, b.Password, b.Host, b.Port, b.Database));
        Assert.DoesNotContain("p@ss", PostgresLocation.Redact(url), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgresql://host:5432")]
    [InlineData("postgresql://host/")]
    [InlineData("postgresql://user@host/db?frobnicate=1")]
    public void Parse_Malformed_SaysHowToWriteIt(string url) =>
        Assert.Throws<InvalidInputException>(() => PostgresLocation.Parse(url));

    [Fact]
    public void IndexSettings_FromTheUrl_DefaultsOtherwise_BadValuesRefused()
    {
        Assert.Equal(new PostgresIndexSettings(32, 128, 100), PostgresLocation.IndexSettings("postgresql://u@h/db?sslmode=disable"));
        Assert.Equal(new PostgresIndexSettings(32, 128, 300), PostgresLocation.IndexSettings("postgresql://u@h/db?hnsw_m=32&hnsw_ef_construction=128&hnsw_ef_search=300"));
        // The connection string never sees them.
        Assert.Equal("db", PostgresLocation.Parse("postgresql://u@h/db?hnsw_m=32&sslmode=disable").Database);
        foreach (var bad in new[] { "hnsw_m=1", "hnsw_m=abc", "hnsw_ef_search=0", "hnsw_ef_search=1001", "hnsw_m=40&hnsw_ef_construction=64", "hnsw_m=80" })
        {
            var e = Assert.Throws<InvalidInputException>(() => PostgresLocation.IndexSettings("postgresql://u@h/db?" + bad));
            Assert.Contains("hnsw_", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void IndexSettings_FromTheUrl_BuildTheModelsIndex_AndSetTheSearchList()
    {
        var url = cluster.CreateCatalogDatabase();
        try
        {
            using var catalog = PostgresCatalog.Open(url + "?hnsw_m=24&hnsw_ef_construction=96&hnsw_ef_search=250");
            Assert.Equal(250, catalog.EfSearch);
            catalog.SetEmbedding(catalog.AddStem(Stem(1)).Id, new Embedding("m", [1f, 0f, 0f]));
            using var c = new NpgsqlConnection(PostgresLocation.Parse(url).ConnectionString);
            c.Open();
            using var cmd = new NpgsqlCommand($"SELECT array_to_string(reloptions, ',') FROM pg_class WHERE relname = '{PostgresCatalog.IndexName("m")}';", c);
            Assert.Equal("m=24,ef_construction=96", cmd.ExecuteScalar() as string);
        }
        finally
        {
            cluster.DropDatabase(url);
        }
    }

    [Fact]
    public void RebuildVectorIndex_TakesTheCatalogsSettings_KeepsItsName_AndSearchesFindTheSameStems()
    {
        var url = cluster.CreateCatalogDatabase();
        try
        {
            var rng = new Random(11);
            var vectors = new Dictionary<long, float[]>();
            using (var old = PostgresCatalog.Open(url + "?hnsw_m=16&hnsw_ef_construction=64"))
            {
                for (var i = 0; i < 300; i++)
                {
                    var v = Enumerable.Range(0, 8).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
                    var id = old.AddStem(Stem(i)).Id;
                    old.SetEmbedding(id, new Embedding("m", v));
                    vectors[id] = v;
                }
                var built = Assert.Single(old.VectorIndexes());
                Assert.Equal((16, 64, 300L, true, false), (built.M!.Value, built.EfConstruction!.Value, built.Vectors, built.Valid, built.NeedsRebuild));
                Assert.True(built.Bytes > 0);
            }
            using var catalog = PostgresCatalog.Open(url);
            var stale = Assert.Single(catalog.VectorIndexes());
            Assert.True(stale.NeedsRebuild);
            Assert.Equal((32, 128), (stale.WantedM, stale.WantedEfConstruction));

            var reports = new List<ProgressInfo>();
            Assert.Contains("not a memory size", Assert.Throws<InvalidInputException>(() => catalog.RebuildVectorIndex("m", "lots", cancellationToken: Ct)).Message, StringComparison.Ordinal);
            catalog.RebuildVectorIndex("m", "64MB", new SyncProgress(reports.Add), Ct);
            var rebuilt = Assert.Single(catalog.VectorIndexes());
            Assert.Equal((stale.IndexName, 32, 128, true, false), (rebuilt.IndexName, rebuilt.M!.Value, rebuilt.EfConstruction!.Value, rebuilt.Valid, rebuilt.NeedsRebuild));
            Assert.All(reports, p => Assert.InRange(p.Done, 0, p.Total));
            using (var c = catalog.Connect())
            {
                Assert.Equal(1, Scalar(c, "SELECT count(*) FROM pg_indexes WHERE tablename = 'embeddings' AND indexdef LIKE '%USING hnsw%';"));
            }
            // The rebuilt index answers as the exact scan does.
            for (var q = 0; q < 5; q++)
            {
                var query = Enumerable.Range(0, 8).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
                var approximate = catalog.SearchVectors(new VectorSearchRequest { ModelId = "m", Vector = query, K = 10 }, Ct).Matches.Select(m => m.StemId);
                var exact = catalog.SearchVectors(new VectorSearchRequest { ModelId = "m", Vector = query, K = 10, Exact = true }, Ct).Matches.Select(m => m.StemId);
                Assert.Equal(exact.Order(), approximate.Order());
            }

            // A rebuild stopped after the new index was complete and the old one dropped: the next one only renames it.
            using (var c = catalog.Connect())
            {
                using var rename = new NpgsqlCommand($"ALTER INDEX {rebuilt.IndexName} RENAME TO {PostgresCatalog.NextIndexName(rebuilt.IndexName!)};", c);
                rename.ExecuteNonQuery();
            }
            var missing = Assert.Single(catalog.VectorIndexes());
            Assert.True(missing.NeedsRebuild);
            Assert.Null(missing.M);
            catalog.RebuildVectorIndex("m", cancellationToken: Ct);
            Assert.False(Assert.Single(catalog.VectorIndexes()).NeedsRebuild);

            Assert.Contains("no embeddings of 'other'", Assert.Throws<InvalidInputException>(() => catalog.RebuildVectorIndex("other", cancellationToken: Ct)).Message, StringComparison.Ordinal);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            cluster.DropDatabase(url);
        }
    }

    [Fact]
    public async Task RebuildVectorIndex_WaitsForWritersWhileSearchesAndWritesGoOn_ThenTakesOver()
    {
        var url = cluster.CreateCatalogDatabase();
        try
        {
            var rng = new Random(12);
            float[] Random8() => Enumerable.Range(0, 8).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            using var catalog = PostgresCatalog.Open(url + "?hnsw_m=16&hnsw_ef_construction=64");
            for (var i = 0; i < 200; i++) catalog.SetEmbedding(catalog.AddStem(Stem(i)).Id, new Embedding("m", Random8()));
            using var wanting = PostgresCatalog.Open(url);

            // An ingest's open transaction holds the table: a concurrent build waits for it before it starts.
            using var writer = catalog.Connect();
            using var tx = OpenWrite(writer, catalog.AddStem(Stem(1000)).Id, Random8());
            var phases = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var rebuild = Task.Run(() => wanting.RebuildVectorIndex("m", progress: new SyncProgress(p => phases.Enqueue(p.Message ?? "")), cancellationToken: Ct), Ct);
            for (var i = 0; i < 300 && !phases.Any(p => p.StartsWith("waiting for writers", StringComparison.Ordinal)); i++) await Task.Delay(100, Ct);
            Assert.Contains(phases, p => p.StartsWith("waiting for writers", StringComparison.Ordinal));
            Assert.False(rebuild.IsCompleted);

            // Meanwhile searches are answered (from the old index) and other stems are written.
            var query = Random8();
            var hits = wanting.SearchVectors(new VectorSearchRequest { ModelId = "m", Vector = query, K = 10 }, Ct).Matches;
            Assert.Equal(10, hits.Count);
            catalog.SetEmbedding(catalog.AddStem(Stem(1001)).Id, new Embedding("m", Random8()));

            tx.Commit();
            await rebuild.WaitAsync(TimeSpan.FromSeconds(60), Ct);
            var state = Assert.Single(wanting.VectorIndexes());
            Assert.Equal((32, 128, 202L, false), (state.M!.Value, state.EfConstruction!.Value, state.Vectors, state.NeedsRebuild));
            var exact = wanting.SearchVectors(new VectorSearchRequest { ModelId = "m", Vector = query, K = 10, Exact = true }, Ct).Matches.Select(m => m.StemId).Order();
            Assert.Equal(exact, wanting.SearchVectors(new VectorSearchRequest { ModelId = "m", Vector = query, K = 10 }, Ct).Matches.Select(m => m.StemId).Order());
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            cluster.DropDatabase(url);
        }
    }

    [Fact]
    public async Task RebuildVectorIndex_Cancelled_LeavesTheOldIndexInUseAndNoUnfinishedCopy()
    {
        var url = cluster.CreateCatalogDatabase();
        try
        {
            using var catalog = PostgresCatalog.Open(url + "?hnsw_m=16&hnsw_ef_construction=64");
            for (var i = 0; i < 50; i++) catalog.SetEmbedding(catalog.AddStem(Stem(i)).Id, new Embedding("m", [i + 1f, 1f, -i]));
            using var wanting = PostgresCatalog.Open(url);
            using var writer = catalog.Connect();
            using var tx = OpenWrite(writer, catalog.AddStem(Stem(100)).Id, [1f, 2f, 3f]);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            var phases = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var rebuild = Task.Run(() => wanting.RebuildVectorIndex("m", progress: new SyncProgress(p => phases.Enqueue(p.Message ?? "")), cancellationToken: stop.Token), Ct);
            for (var i = 0; i < 300 && phases.IsEmpty; i++) await Task.Delay(100, Ct);
            stop.Cancel();
            // The ingest's transaction ends a moment later; the unfinished copy is dropped once it has.
            await Task.Delay(500, Ct);
            tx.Rollback();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rebuild.WaitAsync(TimeSpan.FromSeconds(60), Ct));

            var state = Assert.Single(wanting.VectorIndexes());
            Assert.Equal((16, true), (state.M!.Value, state.Valid));
            using var c = wanting.Connect();
            Assert.Equal(1, Scalar(c, "SELECT count(*) FROM pg_indexes WHERE tablename = 'embeddings' AND indexdef LIKE '%USING hnsw%';"));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            cluster.DropDatabase(url);
        }
    }

    /// <summary>A transaction that has written an embedding of model "m" and is still open, as an ingest's is.</summary>
    private static NpgsqlTransaction OpenWrite(NpgsqlConnection writer, long stemId, float[] vector)
    {
        var tx = writer.BeginTransaction();
        using var insert = new NpgsqlCommand("INSERT INTO embeddings (stem_id, model_id, vector, created_at) VALUES (@id, 'm', @v, now());", writer, tx);
        insert.Parameters.AddWithValue("id", stemId);
        insert.Parameters.AddWithValue("v", new Pgvector.Vector(vector));
        insert.ExecuteNonQuery();
        return tx;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class SyncProgress(Action<ProgressInfo> report) : IProgress<ProgressInfo>
    {
        private readonly Lock _gate = new();

        public void Report(ProgressInfo value)
        {
            lock (_gate) report(value);
        }
    }

    [Fact]
    public void LibraryOpen_WithAUrl_KeepsFilesInTheStoreAndRowsInTheDatabase()
    {
        var url = cluster.CreateCatalogDatabase();
        using var store = new TempDir("pg-store");
        try
        {
            using (var lib = Library.Open(store.Path, url))
            {
                Assert.True(lib.IsSharedCatalog);
                Assert.DoesNotContain(PostgresCluster.Password, lib.CatalogLocation, StringComparison.Ordinal);
                lib.Catalog.AddStem(Stem(1));
                Assert.False(File.Exists(store.File(Library.CatalogFileName)));
                Assert.True(Directory.Exists(store.File(Library.StemsFolder)));
            }
            using var again = Library.OpenExisting(store.Path, url);
            Assert.Equal(1, again.Catalog.CountStems());
        }
        finally
        {
            cluster.DropDatabase(url);
        }
    }

    [Fact]
    public async Task SearchedCount_IsKept_OwnChangesShowAtOnce_AnotherProcesssWithinItsLifetime()
    {
        var url = cluster.CreateCatalogDatabase();
        try
        {
            using var a = PostgresCatalog.Open(url);
            using var b = PostgresCatalog.Open(url);
            a.VectorCountLifetime = TimeSpan.FromMilliseconds(200);
            var rng = new Random(3);
            float[] V() => Enumerable.Range(0, 8).Select(_ => (float)rng.NextDouble() + 0.1f).ToArray();
            long Searched() => a.SearchVectors(new VectorSearchRequest { ModelId = "m", Vector = V(), K = 3 }, TestContext.Current.CancellationToken).Indexed;
            for (var i = 0; i < 3; i++) a.SetEmbedding(a.AddStem(Stem(i)).Id, new Embedding("m", V()));
            Assert.Equal(3, Searched());
            // This process's change: counted at once.
            a.SetEmbedding(a.AddStem(Stem(10)).Id, new Embedding("m", V()));
            Assert.Equal(4, Searched());
            // Another process's change: the kept count until its lifetime passes, then counted again in the background.
            b.SetEmbedding(b.AddStem(Stem(20)).Id, new Embedding("m", V()));
            var deadline = TimeProvider.System.GetUtcNow().AddSeconds(20);
            while (Searched() != 5 && TimeProvider.System.GetUtcNow() < deadline) await Task.Delay(50, TestContext.Current.CancellationToken);
            Assert.Equal(5, Searched());
            // A removal in this process: at once.
            var first = a.ListStems().First();
            a.DeleteStem(first.Id);
            Assert.Equal(4, Searched());
        }
        finally
        {
            cluster.DropDatabase(url);
        }
    }
}
