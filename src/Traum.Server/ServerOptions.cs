namespace Traum.Server;

/// <summary>
/// Settings of <c>traum serve</c>, bound from the <c>server</c> section of the configuration
/// (<c>traum.json</c>, <c>TRAUM_SERVER__*</c>, flags). Every default is written here once.
/// </summary>
public sealed record ServerOptions
{
    /// <summary>Addresses Kestrel listens on, separated by ';'. Loopback by default; any other address requires the API key.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5170";

    /// <summary>Largest accepted upload (whole request body) in bytes.</summary>
    public long MaxUploadBytes { get; init; } = 1L << 30;

    /// <summary>Server-side folders that <c>POST /api/ingest</c> may read from (the library is always allowed).</summary>
    public IReadOnlyList<string> IngestRoots { get; init; } = [];

    /// <summary>Origins allowed by CORS. Empty (the default) turns CORS off.</summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];

    /// <summary>
    /// Host names (besides localhost, 127.0.0.1 and [::1]) that a loopback-only server answers to; any other Host
    /// header is refused, which closes the door to DNS rebinding. A server on other addresses answers any name (it
    /// requires the API key there).
    /// </summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>Require the API key even on loopback (it is always required on other addresses).</summary>
    public bool AlwaysRequireApiKey { get; init; }

    /// <summary>Concurrent separation jobs (heavy: ONNX inference over whole tracks).</summary>
    public int SeparationWorkers { get; init; } = 1;

    /// <summary>Concurrent training jobs (heavy: TorchSharp).</summary>
    public int TrainingWorkers { get; init; } = 1;

    /// <summary>Concurrent generation jobs.</summary>
    public int GenerationWorkers { get; init; } = 1;

    /// <summary>Concurrent ingest jobs.</summary>
    public int IngestWorkers { get; init; } = 2;

    /// <summary>Concurrent jobs of other kinds (reindex…).</summary>
    public int OtherWorkers { get; init; } = 1;

    /// <summary>
    /// Run job workers in this process (the default). False (<c>traum serve --no-worker</c>): the server only queues
    /// jobs in the catalog, for <c>traum worker</c> processes sharing it to run.
    /// </summary>
    public bool RunJobs { get; init; } = true;

    /// <summary>Lanes whose workers run here: separate, train, generate, ingest, other; empty for all (<c>traum worker --lanes</c>).</summary>
    public IReadOnlyList<string> Lanes { get; init; } = [];

    /// <summary>The lane names <see cref="Lanes"/> may hold.</summary>
    public static IReadOnlyList<string> LaneNames { get; } = ["separate", "train", "generate", "ingest", "other"];

    /// <summary>
    /// Longest silence on a job event stream before the server sends a <c>ping</c> event: proxies close idle
    /// connections (nginx after 60 s unless told otherwise), and a client cannot otherwise tell a quiet job from a
    /// dead connection.
    /// </summary>
    public TimeSpan EventKeepAlive { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Environment name of the host; "Production" shows no exception details to clients.</summary>
    public string Environment { get; init; } = "Production";

    /// <summary>Addresses parsed from <see cref="Urls"/>.</summary>
    internal IReadOnlyList<string> UrlList =>
        Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
