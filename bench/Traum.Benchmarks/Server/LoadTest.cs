using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine;
using Traum.Engine.Search;
using Traum.Engine.Semantic;
using Traum.Models.Clap;
using Traum.Server;
using Traum.TestKit;
using Traum.TestKit.Fixtures;

namespace Traum.Benchmarks.Server;

/// <summary>
/// <c>load [--stems 100000] [--clients 8] [--seconds 60] [--ingest 400] [--cli-search N]</c>: a real server on 127.0.0.1 over a library
/// of synthetic stems (random unit 512-d embeddings written straight into the catalog), N clients sending top-10 text
/// searches for the given time while an ingest job of real audio files runs. The text side is the CLAP fixture graph
/// behind the embedder's text cache, so the figures are the server's (HTTP, index scan, catalog reads), not CLAP's.
/// </summary>
public static class LoadTest
{
    private static readonly string[] s_queries =
    [
        "dusty vinyl drum loop", "deep sub bass", "airy female vocal", "bright plucked guitar", "dark ambient pad",
        "punchy kick", "lofi hip hop keys", "distorted 808", "crisp hi-hats", "warm analog synth",
    ];

    public static int Run(string[] args)
    {
        var stems = Arg(args, "--stems", 100_000);
        var clients = Arg(args, "--clients", 8);
        var seconds = Arg(args, "--seconds", 60);
        var ingestFiles = Arg(args, "--ingest", 400);
        var cliSearches = Arg(args, "--cli-search", 0);
        return RunAsync(stems, clients, seconds, ingestFiles, cliSearches).GetAwaiter().GetResult();
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>
    /// <c>--cli-search N</c>: times <c>traum search "…" -k 10</c> end to end (process start, library open, index load,
    /// text embedding, scan, output) N times over the library just written, instead of the server run.
    /// </summary>
    private static int CliSearch(string library, string clapFolder, string models, int stemCount, int runs)
    {
        // The pieces, in this process: reading the vectors from the catalog, and building the index from them.
        using (var lib = Library.Open(library))
        {
            var read = Stopwatch.StartNew();
            var vectors = lib.Catalog.GetEmbeddings(ClapFixture.ModelId).ToList();
            var readMs = read.Elapsed.TotalMilliseconds;
            var build = Stopwatch.StartNew();
            using var index = new Traum.Catalog.Vectors.VectorIndex(ClapFixture.ModelId, ClapFixture.Dimension, new Traum.Catalog.Vectors.VectorIndexOptions());
            index.UpsertRange(vectors.Select(v => (v.StemId, v.Vector)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"in process: {vectors.Count:N0} vectors read from the catalog in {readMs:0} ms, index (int8) built in {build.Elapsed.TotalMilliseconds:0} ms"));
        }
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { BenchArgs.CliDll(), "search", s_queries[i % s_queries.Length], "-k", "10", "--library", library }) psi.ArgumentList.Add(a);
            psi.Environment["TRAUM_MODELS__CLAP__PATH"] = clapFolder;
            psi.Environment["TRAUM_MODELS__ROOT"] = models;
            var sw = Stopwatch.StartNew();
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            var error = p.StandardError.ReadToEnd();
            p.WaitForExit();
            times.Add(sw.Elapsed.TotalMilliseconds);
            if (p.ExitCode != 0)
            {
                Console.WriteLine($"traum search failed (exit {p.ExitCode}): {output}{error}");
                return 1;
            }
        }
        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"traum search over {stemCount:N0} stems, end to end, {runs} runs: median {times[times.Count / 2]:0} ms, fastest {times[0]:0} ms, slowest {times[^1]:0} ms (target < 1 s); load average {BenchArgs.LoadAverage()}"));
        return 0;
    }

    private static async Task<int> RunAsync(int stemCount, int clients, int seconds, int ingestFiles, int cliSearches)
    {
        using var dir = new TempDir("load");
        var library = Path.Combine(dir.Path, "library");
        var clapFolder = ClapFixture.CreateModelFolder(Path.Combine(dir.Path, "clap"));

        Console.WriteLine($"Writing {stemCount:N0} synthetic stems with embeddings…");
        var fill = Stopwatch.StartNew();
        using (var lib = Library.Open(library))
        {
            var rng = new Random(11);
            var kinds = StemKinds.Separation;
            for (var i = 0; i < stemCount; i++)
            {
                var stem = lib.Catalog.AddStem(new NewStem
                {
                    Name = $"synthetic {i:000000}",
                    Kind = kinds[i % kinds.Count],
                    Category = kinds[i % kinds.Count],
                    Origin = StemOrigin.Imported,
                    FilePath = $"stems/synthetic/{i:000000}.wav",
                    ContentHash = $"{i:x64}",
                    SampleRate = 44100,
                    Channels = 2,
                    Duration = 4,
                });
                var v = new float[ClapFixture.Dimension];
                for (var j = 0; j < v.Length; j++) v[j] = (float)(rng.NextDouble() * 2 - 1);
                var norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(v));
                System.Numerics.Tensors.TensorPrimitives.Divide(v, norm, v);
                lib.Catalog.SetEmbedding(stem.Id, new Embedding(ClapFixture.ModelId, v));
                // Descriptors as ingest writes them, so the library is complete: a reindex has nothing to describe.
                lib.Catalog.SetDescriptors(stem.Id, new Traum.Core.Descriptors
                {
                    Duration = 4, PeakDb = -6, RmsDb = -14, Lufs = -14, SpectralCentroid = 500 + rng.Next(0, 4000), SpectralBandwidth = 800,
                    SpectralRolloff = 4000, SpectralFlatness = 0.2, ZeroCrossingRate = 0.05, OnsetDensity = 2, Bpm = 80 + rng.Next(0, 100),
                    BpmConfidence = 0.9, Key = "A", Mode = i % 2 == 0 ? "minor" : "major", KeyConfidence = 0.8, IsOneShot = false,
                });
                if ((i + 1) % 20_000 == 0) Console.WriteLine($"  {i + 1:N0} ({fill.Elapsed.TotalSeconds:0} s)");
            }
        }
        Console.WriteLine($"Library written in {fill.Elapsed.TotalSeconds:0.0} s.");
        if (cliSearches > 0) return CliSearch(library, clapFolder, Path.Combine(dir.Path, "models"), stemCount, cliSearches);

        var source = Path.Combine(dir.Path, "incoming");
        Directory.CreateDirectory(source);
        for (var i = 0; i < ingestFiles; i++)
        {
            var samples = i % 2 == 0 ? Signals.DrumHit(0.5, 22050, seed: i) : Signals.Sine(110 + i, 2.0, 22050, 0.4);
            AudioFile.Write(Path.Combine(source, $"sample {i:0000}.wav"), AudioBuffer.Mono(samples, 22050), new AudioWriteOptions(SampleFormat.Pcm16));
        }

        var context = TraumContext.ForLibrary(library, new Dictionary<string, string?> { ["models:root"] = Path.Combine(dir.Path, "models") });
        var options = new ServerOptions { Urls = "http://127.0.0.1:0", IngestRoots = [source] };
        await using var app = TraumServer.Build(["--Logging:LogLevel:Default=Warning"], context, options, services => services.AddSingleton(_ =>
        {
            var clap = ClapEmbedder.Load(new ClapOptions { Path = clapFolder }, Path.Combine(dir.Path, "models"));
            return new SearchModels(clap, clap, null, PromptSet.Load(library), null, clap);
        }));
        await app.StartAsync().ConfigureAwait(false);
        // Semantic profiles for every synthetic stem (from its stored vector, as ingest makes them), before the clock
        // starts: the measured run then does what a complete library's ingest does, not a first full reindex.
        var profiled = Stopwatch.StartNew();
        var completed = app.Services.GetRequiredService<SearchService>().Reindex();
        Console.WriteLine($"Profiles for {completed.Profiled:N0} stems in {profiled.Elapsed.TotalSeconds:0.0} s.");
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients * 2 }) { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };

        // Warm up: loads the vector index and fills the text-embedding cache for every query.
        var warm = Stopwatch.StartNew();
        foreach (var q in s_queries) (await http.GetAsync($"/api/search?q={Uri.EscapeDataString(q)}&k=10").ConfigureAwait(false)).EnsureSuccessStatusCode();
        Console.WriteLine($"Warm-up (index load + text cache) {warm.Elapsed.TotalSeconds:0.0} s.");

        using var ingest = await http.PostAsJsonAsync("/api/ingest", new { path = source }).ConfigureAwait(false);
        ingest.EnsureSuccessStatusCode();
        var job = (await ingest.Content.ReadFromJsonAsync<JobInfo>(ServerJson.Options).ConfigureAwait(false))!;

        Console.WriteLine($"{clients} clients searching for {seconds} s while ingest job {job.Id} runs…");
        var latencies = new List<double>[clients];
        var errors = new int[clients];
        var stop = TimeProvider.System.GetUtcNow().AddSeconds(seconds);
        var run = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = new List<double>(100_000);
            var i = c;
            while (TimeProvider.System.GetUtcNow() < stop)
            {
                var q = s_queries[i++ % s_queries.Length];
                var sw = Stopwatch.StartNew();
                try
                {
                    using var r = await http.GetAsync($"/api/search?q={Uri.EscapeDataString(q)}&k=10").ConfigureAwait(false);
                    var body = await r.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                    sw.Stop();
                    if (!r.IsSuccessStatusCode || body.Length < 10) errors[c]++;
                    else mine.Add(sw.Elapsed.TotalMilliseconds);
                }
                catch (HttpRequestException)
                {
                    errors[c]++;
                }
                catch (TaskCanceledException)
                {
                    errors[c]++;
                }
            }
        }))).ConfigureAwait(false);
        var elapsed = run.Elapsed.TotalSeconds;
        var after = (await http.GetFromJsonAsync<JobInfo>($"/api/jobs/{job.Id}", ServerJson.Options).ConfigureAwait(false))!;
        await app.StopAsync().ConfigureAwait(false);

        var all = latencies.SelectMany(l => l).Order().ToArray();
        double P(double q) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)Math.Ceiling(q * all.Length) - 1)];
        Console.WriteLine();
        Console.WriteLine("| stems | clients | seconds | requests | throughput (req/s) | p50 (ms) | p99 (ms) | max (ms) | errors | ingest during run |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {stemCount:N0} | {clients} | {elapsed:0.0} | {all.Length:N0} | {all.Length / elapsed:0.0} | {P(0.50):0.0} | {P(0.99):0.0} | {(all.Length == 0 ? 0 : all[^1]):0.0} | {errors.Sum()} | {after.State.ToString().ToLowerInvariant()}, {after.Progress * 100:0} % of {ingestFiles} files |"));
        return errors.Sum() == 0 ? 0 : 1;
    }
}
