using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Traum.Catalog;

namespace Traum.TestKit.Postgres;

/// <summary>
/// A real PostgreSQL 17 cluster (with pgvector) for one test assembly: made with <c>initdb</c> in a temporary folder and
/// started with <c>pg_ctl</c> on a free loopback port, with password logins over TCP. The server refuses to run as
/// root, so as root its programs run as the <c>postgres</c> user (<c>runuser</c>) and the folder is given to it.
/// Databases are copied from a migrated template, so a fresh catalog costs one file copy. Stopped and removed on dispose.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    /// <summary>Where Debian's PostgreSQL 17 keeps its server programs (used explicitly: other versions may be on PATH).</summary>
    public const string BinDirectory = "/usr/lib/postgresql/17/bin";

    /// <summary>The superuser's password.</summary>
    public const string Password = "traum-test-secret";

    private const string Template = "traum_template";
    private readonly string _bin;
    private int _databases;
    private string _options = "";
    private bool _running;

    /// <summary>Starts a PostgreSQL 17 cluster.</summary>
    public PostgresCluster() : this(BinDirectory, withTemplate: true)
    {
    }

    /// <summary>Starts a PostgreSQL 17 cluster with <paramref name="sharedBuffers"/> (e.g. "4GB") instead of the tests' 64 MB (benchmarks over large indexes).</summary>
    public static PostgresCluster StartWithSharedBuffers(string sharedBuffers) => new(BinDirectory, withTemplate: true, sharedBuffers);

    /// <summary>Starts a cluster with the server programs in <paramref name="binDirectory"/> (tests of other versions), without a template catalog.</summary>
    /// <exception cref="InvalidOperationException">The programs are missing (the message says how to install them), or the server did not start.</exception>
    public static PostgresCluster StartBare(string binDirectory) => new(binDirectory, withTemplate: false);

    private PostgresCluster(string binDirectory, bool withTemplate, string sharedBuffers = "64MB")
    {
        _bin = binDirectory;
        if (!File.Exists(Path.Combine(_bin, "initdb")))
        {
            throw new InvalidOperationException($"PostgreSQL is not installed at {_bin}; run 'CI=true scripts/bootstrap.sh --yes' (it installs postgresql-17 and postgresql-17-pgvector).");
        }
        Folder = Path.Combine(Path.GetTempPath(), $"traum-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
        try
        {
            var pwfile = Path.Combine(Folder, "pw");
            File.WriteAllText(pwfile, Password + "\n");
            if (Environment.IsPrivilegedProcess) Run("chown", ["-R", "postgres:postgres", Folder], asPostgres: false);
            var data = Path.Combine(Folder, "data");
            Run(Path.Combine(_bin, "initdb"), ["-D", data, "-U", "postgres", $"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
            Port = FreePort();
            var options = string.Join(' ',
                $"-p {Port.ToString(CultureInfo.InvariantCulture)}", "-c listen_addresses=127.0.0.1", $"-c unix_socket_directories={Folder}",
                "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=300", $"-c shared_buffers={sharedBuffers}");
            _options = options;
            Start();
            if (withTemplate)
            {
                Admin($"CREATE DATABASE {Template};");
                using (Library.Open(Path.Combine(Folder, "template-store"), Url(Template))) { }
                NpgsqlConnection.ClearAllPools();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The cluster's folder (data, log, socket).</summary>
    public string Folder { get; }

    /// <summary>The loopback TCP port it listens on.</summary>
    public int Port { get; }

    /// <summary>A catalog URL for <paramref name="database"/> as <paramref name="user"/> (the superuser by default).</summary>
    public string Url(string database, string user = "postgres", string password = Password) =>
        $"postgresql://{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(password)}@127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/{database}";

    /// <summary>A new database holding an empty catalog at the newest schema; returns its URL.</summary>
    public string CreateCatalogDatabase()
    {
        var name = $"t{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..20];
        Admin($"CREATE DATABASE {name} TEMPLATE {Template};");
        return Url(name);
    }

    /// <summary>A new empty database (no catalog, no extension); returns its name.</summary>
    public string CreateEmptyDatabase(string? owner = null)
    {
        var name = $"e{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..20];
        Admin(owner is null ? $"CREATE DATABASE {name};" : $"CREATE DATABASE {name} OWNER {owner};");
        return name;
    }

    /// <summary>Drops a database made here, closing its connections.</summary>
    public void DropDatabase(string urlOrName)
    {
        var name = urlOrName.Contains('/', StringComparison.Ordinal) ? urlOrName[(urlOrName.LastIndexOf('/') + 1)..] : urlOrName;
        Admin($"DROP DATABASE IF EXISTS {name} WITH (FORCE);");
    }

    /// <summary>Runs SQL as the superuser in <paramref name="database"/>.</summary>
    public void Admin(string sql, string database = "postgres")
    {
        using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Port, Username = "postgres", Password = Password, Database = database, Pooling = false,
        }.ConnectionString);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        cmd.ExecuteNonQuery();
    }

    /// <summary>Starts the server (again) on the same port and folder.</summary>
    public void Start()
    {
        Run(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(Folder, "data"), "-l", Path.Combine(Folder, "server.log"), "-w", "-t", "60", "-o", _options, "start"]);
        _running = true;
    }

    /// <summary>Stops the server (fast shutdown: open sessions are ended, as when an administrator restarts it).</summary>
    public void Stop()
    {
        Run(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(Folder, "data"), "-m", "fast", "-w", "-t", "60", "stop"]);
        _running = false;
    }

    /// <summary>Stops the server at once and removes its folder.</summary>
    public void Dispose()
    {
        if (_running)
        {
            _running = false;
            NpgsqlConnection.ClearAllPools();
            try
            {
                Run(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(Folder, "data"), "-m", "immediate", "-w", "stop"]);
            }
            catch (InvalidOperationException)
            {
                // Already gone: nothing to stop.
            }
        }
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
        catch (UnauthorizedAccessException)
        {
            // Best effort.
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static void Run(string program, IReadOnlyList<string> args, bool asPostgres = true)
    {
        var psi = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres && Environment.IsPrivilegedProcess)
        {
            psi.FileName = "runuser";
            foreach (var a in new[] { "-u", "postgres", "--", program }) psi.ArgumentList.Add(a);
        }
        else
        {
            psi.FileName = program;
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.WorkingDirectory = "/";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Cannot start {program}.");
        var stderr = new System.Text.StringBuilder();
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        p.BeginErrorReadLine();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited with {p.ExitCode}: {stderr}{stdout}");
    }
}
