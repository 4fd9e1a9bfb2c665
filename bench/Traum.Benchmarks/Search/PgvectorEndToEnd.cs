using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Traum.Catalog;
using Traum.Catalog.Postgres;
using Traum.TestKit.Postgres;

namespace Traum.Benchmarks.Search;

/// <summary>
/// <c>e2e pgvector [--n 100000] [--dim 512] [--queries 50] [--clusters 0] [--ef 40,100,400] [--mwm 4GB] [--shared-buffers 64MB] [--m 16] [--ef-construction 64] [--catalog postgresql://…]</c>:
/// top-10 vector search in SQL on the PostgreSQL catalog. Loads n stems with random normalised vectors (Gaussian, or
/// with <c>--clusters C</c> drawn around C random centres, which is closer to real embeddings), builds the model's HNSW
/// index, then runs the same queries approximately (HNSW, at each <c>hnsw.ef_search</c> of --ef) and exactly (a scan), unfiltered
/// filtered to one kind (a quarter of the stems), and to one kind and a tempo range (kind bass, 120–130 BPM: about 2 % of the
/// stems; tempi are drawn uniformly from 70–180 BPM). Prints load and index build times (maintenance_work_mem --mwm),
/// the sizes of the index and the table, p50/p99 latencies of both
/// modes and recall@10 of HNSW against exact, all through <see cref="IVectorSearch"/>. Without --catalog it starts its
/// own PostgreSQL 17 cluster in a temporary folder (as the tests do) and removes it afterwards.
/// </summary>
public static class PgvectorEndToEnd
{
    private const string Model = "bench-clap";
    private static readonly string[] Kinds = ["drums", "bass", "other", "vocals"];

    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var n = BenchArgs.Int(args, "--n", 100_000);
        var dim = BenchArgs.Int(args, "--dim", 512);
        var queries = BenchArgs.Int(args, "--queries", 50);
        var clusters = BenchArgs.Int(args, "--clusters", 0);
        var efs = (BenchArgs.String(args, "--ef") ?? "40,100,400").Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        var url = BenchArgs.String(args, "--catalog");
        var mwm = BenchArgs.String(args, "--mwm") ?? "4GB";
        const int k = 10;

        PostgresCluster? cluster = null;
        try
        {
            if (url is null)
            {
                cluster = BenchArgs.String(args, "--shared-buffers") is { } sb ? PostgresCluster.StartWithSharedBuffers(sb) : new PostgresCluster();
                url = cluster.CreateCatalogDatabase();
            }
            Console.WriteLine($"pgvector: {n:N0} {(clusters > 0 ? $"clustered ({clusters} centres)" : "random")} normalised {dim}-d vectors, top-{k}, {queries} queries, hnsw.ef_search {string.Join('/', efs)}, {Environment.ProcessorCount} processors, load average {BenchArgs.LoadAverage()}");
            // --m and --ef-construction: the catalog URL's own index parameters, as a user would set them.
            foreach (var (flag, key) in new[] { ("--m", "hnsw_m"), ("--ef-construction", "hnsw_ef_construction") })
            {
                if (BenchArgs.String(args, flag) is { } value) url += (url!.Contains('?', StringComparison.Ordinal) ? "&" : "?") + key + "=" + value;
            }
            using var catalog = PostgresCatalog.Open(url!);
            var rng = new Random(11);
            var centres = Enumerable.Range(0, clusters).Select(_ => Normalised(Gaussian(rng, dim))).ToArray();
            float[] Draw()
            {
                var v = Gaussian(rng, dim);
                if (clusters == 0) return Normalised(v);
                var c = centres[rng.Next(clusters)];
                for (var i = 0; i < dim; i++) v[i] = c[i] + 0.35f / MathF.Sqrt(dim) * v[i];
                return Normalised(v);
            }

            var load = Stopwatch.StartNew();
            Load(catalog, n, dim, Draw);
            Console.WriteLine($"  load (COPY of stems and vectors): {load.Elapsed.TotalSeconds:F1} s");
            var build = Stopwatch.StartNew();
            using (var c = catalog.Connect())
            {
                Exec(c, $"SET maintenance_work_mem = '{mwm}';");
                Exec(c, PostgresCatalog.IndexDdl(Model, dim, PostgresCatalog.IndexName(Model), catalog.IndexSettings));
                Exec(c, "ANALYZE stems; ANALYZE embeddings; ANALYZE descriptors;");
            }
            Console.WriteLine($"  HNSW index build (m {catalog.IndexSettings.M}, ef_construction {catalog.IndexSettings.EfConstruction}, maintenance_work_mem {mwm}, {Setting(catalog, "max_parallel_maintenance_workers")} parallel maintenance workers): {build.Elapsed.TotalSeconds:F1} s; load average {BenchArgs.LoadAverage()}");
            using (var c = catalog.Connect())
            using (var cmd = new NpgsqlCommand(
                $"SELECT pg_size_pretty(pg_relation_size('{PostgresCatalog.IndexName(Model)}')), pg_relation_size('{PostgresCatalog.IndexName(Model)}'), pg_size_pretty(pg_total_relation_size('embeddings')), pg_size_pretty(pg_relation_size('embeddings'));", c))
            using (var r = cmd.ExecuteReader())
            {
                r.Read();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  sizes: HNSW index {r.GetString(0)} ({r.GetInt64(1) / (double)n:F0} B per vector), embeddings table {r.GetString(3)} (with TOAST and indexes {r.GetString(2)}); shared_buffers {Setting(catalog, "shared_buffers")}"));
            }

            var qs = Enumerable.Range(0, queries).Select(_ => Draw()).ToArray();
            var filters = new (string, StemQuery?)[]
            {
                ("unfiltered", null), ("kind = bass", new StemQuery { Kind = "bass" }), ("bass 120-130", new StemQuery { Kind = "bass", MinBpm = 120, MaxBpm = 130 }),
            };
            foreach (var (label, filter) in filters)
            {
                var exact = new List<double>();
                for (var i = 0; i < 2; i++) Search(catalog, qs[i], k, filter, exact: true); // warm up: plans, caches
                var truths = qs.Select(q =>
                {
                    var sw = Stopwatch.StartNew();
                    var truth = Search(catalog, q, k, filter, exact: true).Select(m => m.StemId).ToHashSet();
                    exact.Add(sw.Elapsed.TotalMilliseconds);
                    return truth;
                }).ToList();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {label,-12} exact scan p50 {P(exact, 50),8:F1} ms p99 {P(exact, 99),8:F1} ms"));
                foreach (var ef in efs)
                {
                    catalog.EfSearch = ef;
                    var approx = new List<double>();
                    var found = 0;
                    for (var i = 0; i < 2; i++) Search(catalog, qs[i], k, filter, exact: false);
                    for (var i = 0; i < qs.Length; i++)
                    {
                        var sw = Stopwatch.StartNew();
                        var got = Search(catalog, qs[i], k, filter, exact: false);
                        approx.Add(sw.Elapsed.TotalMilliseconds);
                        found += got.Count(m => truths[i].Contains(m.StemId));
                    }
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {label,-12} HNSW ef_search {ef,4} p50 {P(approx, 50),6:F1} ms p99 {P(approx, 99),6:F1} ms | recall@10 {found / (double)(queries * k):F3} | exact/HNSW p50 {P(exact, 50) / P(approx, 50):F1}x"));
                }
            }
            Console.WriteLine($"  load average at the end {BenchArgs.LoadAverage()}");
            return 0;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            cluster?.Dispose();
        }
    }

    private static string Setting(PostgresCatalog catalog, string name)
    {
        using var c = catalog.Connect();
        using var cmd = new NpgsqlCommand($"SHOW {name};", c);
        return (string)cmd.ExecuteScalar()!;
    }

    private static IReadOnlyList<VectorMatch> Search(PostgresCatalog catalog, float[] q, int k, StemQuery? filter, bool exact) =>
        catalog.SearchVectors(new VectorSearchRequest { ModelId = Model, Vector = q, K = k, Filter = filter, Exact = exact }).Matches;

    /// <summary>Registers the model through the port (one stem), drops its index, and COPYs the rest in (the index is built once afterwards).</summary>
    private static void Load(PostgresCatalog catalog, int n, int dim, Func<float[]> draw)
    {
        var first = catalog.AddStem(new NewStem
        {
            Name = "stem 0", Kind = Kinds[0], Category = Kinds[0], Origin = Core.StemOrigin.Imported, FilePath = "stems/00/0.wav",
            ContentHash = Hash(0), SampleRate = 44100, Channels = 2, Duration = 1,
        });
        catalog.SetEmbedding(first.Id, new Core.Embedding(Model, draw()));
        using var c = catalog.Connect();
        Exec(c, $"DROP INDEX IF EXISTS {PostgresCatalog.IndexName(Model)};");
        var now = TimeProvider.System.GetUtcNow();
        using (var w = c.BeginBinaryImport("COPY stems (id, name, kind, category, origin, file_path, content_hash, sample_rate, channels, duration, created_at) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 1; i < n; i++)
            {
                w.StartRow();
                w.Write(first.Id + i, NpgsqlDbType.Bigint);
                w.Write($"stem {i}");
                w.Write(Kinds[i % Kinds.Length]);
                w.Write(Kinds[i % Kinds.Length]);
                w.Write("imported");
                w.Write($"stems/{i % 256:x2}/{i}.wav");
                w.Write(Hash(i));
                w.Write(44100);
                w.Write(2);
                w.Write(1.0);
                w.Write(now, NpgsqlDbType.TimestampTz);
            }
            w.Complete();
        }
        using (var w = c.BeginBinaryImport("COPY embeddings (stem_id, model_id, vector, created_at) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 1; i < n; i++)
            {
                w.StartRow();
                w.Write(first.Id + i, NpgsqlDbType.Bigint);
                w.Write(Model);
                w.Write(new Pgvector.Vector(draw()));
                w.Write(now, NpgsqlDbType.TimestampTz);
            }
            w.Complete();
        }
        // Tempi for the tempo filter, uniform over 70–180 BPM (the first stem's descriptors are left out).
        var bpmRng = new Random(5);
        using (var w = c.BeginBinaryImport("COPY descriptors (stem_id, duration, bpm, is_one_shot) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 1; i < n; i++)
            {
                w.StartRow();
                w.Write(first.Id + i, NpgsqlDbType.Bigint);
                w.Write(1.0);
                w.Write(70 + (bpmRng.NextDouble() * 110));
                w.Write(false);
            }
            w.Complete();
        }
        Exec(c, "SELECT setval(pg_get_serial_sequence('stems', 'id'), (SELECT MAX(id) FROM stems));");
    }

    private static string Hash(int i) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)));

    private static void Exec(NpgsqlConnection c, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, c) { CommandTimeout = 0 };
        cmd.ExecuteNonQuery();
    }

    private static float[] Normalised(float[] v)
    {
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        for (var i = 0; i < v.Length; i++) v[i] /= norm;
        return v;
    }

    private static float[] Gaussian(Random rng, int dim)
    {
        var v = new float[dim];
        for (var i = 0; i < dim; i++)
        {
            var r = Math.Sqrt(-2 * Math.Log(1.0 - rng.NextDouble()));
            v[i] = (float)(r * Math.Cos(2 * Math.PI * rng.NextDouble()));
        }
        return v;
    }

    private static double P(List<double> xs, double p)
    {
        var s = xs.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * s.Length) - 1;
        return s[Math.Clamp(rank, 0, s.Length - 1)];
    }
}
