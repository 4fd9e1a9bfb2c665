using System.Net.Sockets;
using Npgsql;
using Traum.Core;

namespace Traum.Catalog.Postgres;

/// <summary>
/// The PostgreSQL provider of the catalog ports (<see cref="ICatalog"/>): the catalog of a library shared by any number
/// of processes and machines. Embeddings live in pgvector columns with an HNSW cosine index per embedding model, job
/// claims use <c>FOR UPDATE SKIP LOCKED</c>, and the change log is written under a transaction advisory lock so its
/// sequences commit in order. Opening migrates the database under a session advisory lock. One partial file per
/// aggregate, like the SQLite provider. Calls are short and synchronous; connections come from Npgsql's pool.
/// </summary>
internal sealed partial class PostgresCatalog : ICatalog, IJobNotifications
{
    private readonly NpgsqlDataSource _source;
    private readonly TimeProvider _time;
    private readonly string _connectionString;

    private PostgresCatalog(NpgsqlDataSource source, string connectionString, string description, TimeProvider time)
    {
        _source = source;
        _connectionString = connectionString;
        Description = description;
        _time = time;
    }

    /// <summary>The schema version this build writes.</summary>
    public static int LatestSchemaVersion => PostgresSchema.Migrations.Count;

    /// <summary>user@host:port/database, for messages.</summary>
    public string Description { get; }

    /// <inheritdoc/>
    public event EventHandler<CatalogChangedEventArgs>? Changed;

    /// <summary>Opens the catalog at <paramref name="url"/> and migrates it to the newest schema (under an advisory lock).</summary>
    /// <exception cref="InvalidInputException">The URL is malformed.</exception>
    /// <exception cref="TraumException">The server cannot be reached, refuses the login, has no such database or no pgvector, or the schema is newer than this build's.</exception>
    public static PostgresCatalog Open(string url, TimeProvider? time = null) => Open(url, PostgresSchema.Migrations, time);

    /// <summary>Opens with an explicit migration list (tests use a prefix of it).</summary>
    internal static PostgresCatalog Open(string url, IReadOnlyList<string> migrations, TimeProvider? time = null)
    {
        var builder = PostgresLocation.Parse(url);
        var description = PostgresLocation.Describe(builder);
        var sourceBuilder = new NpgsqlDataSourceBuilder(builder.ConnectionString);
        sourceBuilder.UseVector();
        var index = PostgresLocation.IndexSettings(url);
        var catalog = new PostgresCatalog(sourceBuilder.Build(), builder.ConnectionString, description, time ?? TimeProvider.System)
        {
            IndexSettings = index,
            EfSearch = index.EfSearch,
        };
        try
        {
            catalog.Migrate(migrations);
        }
        catch
        {
            catalog.Dispose();
            throw;
        }
        return catalog;
    }

    /// <inheritdoc/>
    public int SchemaVersion
    {
        get
        {
            using var c = Connect();
            return ReadVersion(c, null);
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> IntegrityCheck()
    {
        var list = new List<string>();
        using var c = Connect();
        using (var cmd = Cmd(c, null,
            "SELECT e.model_id, count(*) FROM embeddings e JOIN embedding_models m ON m.model_id = e.model_id WHERE vector_dims(e.vector) <> m.dimension GROUP BY e.model_id;"))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read()) list.Add($"{r.GetInt64(1)} embedding(s) of '{r.GetString(0)}' do not have the model's dimension");
        }
        using (var cmd = Cmd(c, null,
            "SELECT m.model_id, m.index_name FROM embedding_models m WHERE m.index_name IS NOT NULL AND to_regclass(quote_ident(m.index_name)) IS NULL;"))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read()) list.Add($"the vector index {r.GetString(1)} of '{r.GetString(0)}' is missing; run 'traum catalog migrate'");
        }
        return list;
    }

    // ───────────────────────────── plumbing ─────────────────────────────

    /// <summary>An open pooled connection.</summary>
    /// <exception cref="TraumException">The server cannot be reached or refuses the login (the message says what to do).</exception>
    internal NpgsqlConnection Connect()
    {
        try
        {
            return _source.OpenConnection();
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            throw Explain(e);
        }
    }

    /// <summary>A one-line message for a failure to connect: what went wrong and what to do.</summary>
    private TraumException Explain(Exception e)
    {
        var where = Description;
        if (e is PostgresException pg)
        {
            return pg.SqlState switch
            {
                "28P01" or "28000" => new TraumException($"PostgreSQL at {where} refused the login ({pg.MessageText}). Check the user and password in --catalog/TRAUM_CATALOG (or PGPASSWORD, ~/.pgpass).", e),
                "3D000" => new TraumException($"PostgreSQL at {where}: the database does not exist. Create it (createdb, or CREATE DATABASE) or name an existing one in --catalog.", e),
                "57P03" => new TraumException($"PostgreSQL at {where} is starting up or shutting down ({pg.MessageText}); try again in a moment.", e),
                "53300" => new TraumException($"PostgreSQL at {where} has no free connections ({pg.MessageText}); raise max_connections or run fewer workers.", e),
                _ => new TraumException($"PostgreSQL at {where}: {pg.MessageText} ({pg.SqlState}).", e),
            };
        }
        var inner = e.InnerException is { } i and (SocketException or IOException or TimeoutException) ? i.Message : e.Message;
        return new TraumException($"Cannot reach PostgreSQL at {where} ({inner}). Check that the server runs and accepts connections there, and the host and port in --catalog/TRAUM_CATALOG.", e);
    }

    internal static NpgsqlCommand Cmd(NpgsqlConnection c, NpgsqlTransaction? tx, string sql, params (string Name, object? Value)[] ps)
    {
        var cmd = new NpgsqlCommand(sql, c, tx);
        foreach (var (name, value) in ps) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    internal static void Exec(NpgsqlConnection c, NpgsqlTransaction? tx, string sql, params (string, object?)[] ps)
    {
        using var cmd = Cmd(c, tx, sql, ps);
        cmd.ExecuteNonQuery();
    }

    /// <summary>Now, to the microsecond (what a timestamptz keeps), so what is returned equals what is stored.</summary>
    internal DateTimeOffset Now() => Micro(_time.GetUtcNow());

    private static DateTimeOffset Micro(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % 10, TimeSpan.Zero);

    private static DateTimeOffset? TimeOrNull(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);

    private static string Norm(string s) => s.Trim().ToLowerInvariant();

    private static NotFoundException NoStem(long id) => new($"There is no stem {id} in this library; list them with 'traum stems list'.");

    private static bool IsForeignKey(PostgresException e) => e.SqlState == PostgresErrorCodes.ForeignKeyViolation;

    /// <summary>Runs <paramref name="cmd"/>; a foreign-key failure means the stem is not there.</summary>
    private static void ExecuteForStem(NpgsqlCommand cmd, long stemId)
    {
        try
        {
            cmd.ExecuteNonQuery();
        }
        catch (PostgresException e) when (IsForeignKey(e))
        {
            throw NoStem(stemId);
        }
    }

    /// <summary>Closes the pool.</summary>
    public void Dispose() => _source.Dispose();
}
