using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine;
using Traum.Server;
using Traum.TestKit;

namespace Traum.Benchmarks.Reliability;

/// <summary>
/// <c>reliability [--kills 8] [--files 120] [--mutations 300] [--requests 40]</c>: the fault probe, rerunnable by anyone.
/// <list type="number">
/// <item>kill -9 a real <c>traum ingest</c> process at a random moment, rerun it and <c>doctor --repair</c>, and count
/// stems lost, doubled, or left without a file;</item>
/// <item>decode mutated audio files (truncations, flipped bytes, damaged header fields) in this process and count how
/// each ended: decoded, refused with a clear error, other exception, or over the time or memory bound;</item>
/// <item>send malformed requests to a real server on 127.0.0.1 per endpoint group and count 4xx and 5xx answers.</item>
/// </list>
/// The CLI must be built (<c>dotnet build src/Traum.Cli -c Release</c>; <c>TRAUM_CLI_DLL</c> points at another build).
/// </summary>
public static class ReliabilityProbe
{
    public static int Run(string[] args)
    {
        var kills = Arg(args, "--kills", 8);
        var files = Arg(args, "--files", 120);
        var mutations = Arg(args, "--mutations", 300);
        var requests = Arg(args, "--requests", 40);
        Console.WriteLine($"reliability probe, {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC, load {BenchArgs.LoadAverage()}");
        var bad = 0;
        bad += KillTrials(kills, files);
        bad += MutatedFiles(mutations);
        bad += MalformedRequestsAsync(requests).GetAwaiter().GetResult();
        Console.WriteLine(bad == 0 ? "reliability: every check held" : $"reliability: {bad} check(s) failed");
        return bad == 0 ? 0 : 1;
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static Process Cli(string dll, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    private static int RunToEnd(string dll, params string[] args)
    {
        using var p = Cli(dll, args);
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode;
    }

    // ───────────── 1. kill -9 during ingest ─────────────

    private static int KillTrials(int trials, int files)
    {
        var dll = BenchArgs.CliDll();
        using var dir = new TempDir("probe-kill");
        var src = Path.Combine(dir.Path, "src");
        Directory.CreateDirectory(src);
        for (var i = 0; i < files; i++)
        {
            AudioFile.Write(Path.Combine(src, $"s{i:000}.wav"),
                new AudioBuffer([Signals.WhiteNoise(0.8, 44100, 0.3, seed: i + 1), Signals.Sine(40 + i, 0.8, 44100)], 44100), new AudioWriteOptions(SampleFormat.Pcm16));
        }
        var rng = new Random(5);
        int lost = 0, doubled = 0, missingFiles = 0, unhealthy = 0, killedMidway = 0;
        for (var t = 0; t < trials; t++)
        {
            var lib = Path.Combine(dir.Path, $"lib{t}");
            using (var p = Cli(dll, "ingest", src, "--jobs", "2", "--library", lib))
            {
                Thread.Sleep(rng.Next(800, 4000));
                if (!p.HasExited)
                {
                    killedMidway++;
                    p.Kill(entireProcessTree: true);
                }
                p.WaitForExit();
            }
            RunToEnd(dll, "ingest", src, "--jobs", "2", "--library", lib);
            RunToEnd(dll, "doctor", "--repair", "--grace", "0", "--library", lib);
            using var library = Library.Open(lib);
            var stems = library.Catalog.ListStems();
            var distinct = stems.Select(s => s.ContentHash).Distinct().Count();
            lost += files - distinct;
            doubled += stems.Count - distinct;
            missingFiles += stems.Count(s => !File.Exists(library.GetFullPath(s.FilePath)));
            if (!new LibraryDoctor(library).Run(false, new DoctorOptions(TimeSpan.Zero)).Healthy) unhealthy++;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"kill -9 during ingest: {trials} trials ({killedMidway} killed mid-run) of {files} files: {lost} lost, {doubled} doubled, {missingFiles} rows without a file, {unhealthy} libraries unhealthy after repair   target: 0 / 0 / 0 / 0"));
        return lost + doubled + missingFiles + unhealthy == 0 ? 0 : 1;
    }

    // ───────────── 2. mutated files ─────────────

    private static int MutatedFiles(int count)
    {
        using var dir = new TempDir("probe-mutate");
        var baseWav = Path.Combine(dir.Path, "base.wav");
        AudioFile.Write(baseWav, new AudioBuffer([Signals.Chord([48, 55, 64], 1.5, 44100, 0.4), Signals.PinkNoise(1.5, 44100, 0.2, 2)], 44100),
            new AudioWriteOptions(SampleFormat.Pcm16));
        var bases = new List<string> { baseWav };
        foreach (var ext in new[] { ".flac", ".mp3", ".ogg" })
        {
            var path = Path.ChangeExtension(baseWav, ext);
            try
            {
                ExternalTools.Ffmpeg(baseWav, path);
                bases.Add(path);
            }
            catch (InvalidOperationException)
            {
                // ffmpeg lacks that encoder: fewer formats.
            }
        }
        var rng = new Random(17);
        int decoded = 0, refused = 0, other = 0, slow = 0, heavy = 0;
        var others = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var source = bases[i % bases.Count];
            var bytes = File.ReadAllBytes(source);
            var (mutated, what) = Mutate(bytes, rng);
            var path = Path.Combine(dir.Path, $"m{i:0000}{Path.GetExtension(source)}");
            File.WriteAllBytes(path, mutated);
            var before = GC.GetTotalAllocatedBytes(precise: false);
            var sw = Stopwatch.StartNew();
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                AudioFile.Read(path, cts.Token);
                decoded++;
            }
            catch (AudioFormatException)
            {
                refused++;
            }
            catch (OperationCanceledException)
            {
                slow++;
            }
            catch (Exception e)
            {
                other++;
                if (others.Count < 5) others.Add($"{what}: {e.GetType().Name}: {e.Message}");
            }
            if (sw.Elapsed > TimeSpan.FromSeconds(10)) slow++;
            if (GC.GetTotalAllocatedBytes(precise: false) - before > 512L << 20) heavy++;
            File.Delete(path);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mutated files: {count} ({bases.Count} formats): {decoded} decoded, {refused} refused with a clear error, {other} other exceptions, {slow} over 10 s, {heavy} over 512 MiB allocated   target: 0 other / 0 slow / 0 heavy"));
        foreach (var o in others) Console.WriteLine($"  {o}");
        return other + slow + heavy == 0 ? 0 : 1;
    }

    private static (byte[] Bytes, string What) Mutate(byte[] original, Random rng)
    {
        var b = (byte[])original.Clone();
        var isWav = b.Length > 12 && Encoding.ASCII.GetString(b, 0, 4) == "RIFF";
        switch (rng.Next(isWav ? 6 : 3))
        {
            case 0:
                return (b[..rng.Next(0, b.Length)], "truncated");
            case 1:
                for (var k = 0; k < 1 + rng.Next(32); k++) b[rng.Next(b.Length)] = (byte)rng.Next(256);
                return (b, "bytes flipped");
            case 2:
                for (var k = 0; k < 8; k++) b[rng.Next(Math.Min(b.Length, 64))] = (byte)rng.Next(256);
                return (b, "header bytes flipped");
            case 3:
                BitConverter.GetBytes((uint)rng.NextInt64(0, uint.MaxValue)).CopyTo(b, 24); // sample rate
                return (b, "sample rate");
            case 4:
                BitConverter.GetBytes((ushort)rng.Next(0, 65536)).CopyTo(b, 22); // channels
                return (b, "channels");
            default:
                BitConverter.GetBytes((uint)rng.NextInt64(0, uint.MaxValue)).CopyTo(b, 40); // data size
                return (b, "data size");
        }
    }

    // ───────────── 3. malformed requests ─────────────

    private static async Task<int> MalformedRequestsAsync(int perGroup)
    {
        using var dir = new TempDir("probe-http");
        var context = TraumContext.ForLibrary(Path.Combine(dir.Path, "library"),
            new Dictionary<string, string?> { ["models:root"] = Path.Combine(dir.Path, "models") });
        await using var app = TraumServer.Build([], context, new ServerOptions { Urls = "http://127.0.0.1:0", IngestRoots = [dir.Path] });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
        var rng = new Random(23);
        var groups = new (string Name, Func<int, HttpRequestMessage> Make)[]
        {
            ("uploads", i => Multipart("/api/uploads/" + (i % 2 == 0 ? "stems" : "track"), rng, i)),
            ("search", i => i % 3 == 0 ? Multipart("/api/search/audio", rng, i) : new HttpRequestMessage(HttpMethod.Get, $"/api/search?q={Junk(rng, i)}&k={Junk(rng, i)}&bpm={Junk(rng, i)}&key={Junk(rng, i)}")),
            ("stems", i => new HttpRequestMessage(i % 2 == 0 ? HttpMethod.Get : HttpMethod.Delete, $"/api/stems/{Junk(rng, i)}?limit={Junk(rng, i)}&bpm={Junk(rng, i)}")),
            ("ingest", i => Body(HttpMethod.Post, "/api/ingest", rng, i)),
            ("jobs", i => i % 2 == 0 ? new HttpRequestMessage(HttpMethod.Post, $"/api/jobs/{Junk(rng, i)}/retry") : Body(HttpMethod.Post, "/api/train", rng, i)),
            ("generate", i => Body(HttpMethod.Post, "/api/generate", rng, i)),
        };
        var total5xx = 0;
        foreach (var (name, make) in groups)
        {
            int c2 = 0, c4 = 0, c5 = 0, errors = 0;
            for (var i = 0; i < perGroup; i++)
            {
                using var request = make(i);
                try
                {
                    using var response = await client.SendAsync(request);
                    var code = (int)response.StatusCode;
                    if (code >= 500) c5++;
                    else if (code >= 400) c4++;
                    else c2++;
                }
                catch (HttpRequestException)
                {
                    errors++; // the server closed the connection (a malformed body Kestrel refuses outright)
                }
            }
            total5xx += c5;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"malformed requests, {name,-8}: {perGroup}: {c2} 2xx, {c4} 4xx, {c5} 5xx, {errors} connections closed   target: 0 5xx"));
        }
        await app.StopAsync();
        return total5xx == 0 ? 0 : 1;
    }

    private static string Junk(Random rng, int i) => (i % 6) switch
    {
        0 => "",
        1 => "-1",
        2 => "99999999999999999999",
        3 => Uri.EscapeDataString("../../etc/passwd"),
        4 => Uri.EscapeDataString(new string('x', 3000)),
        _ => Uri.EscapeDataString(Encoding.Latin1.GetString(Enumerable.Range(0, 16).Select(_ => (byte)rng.Next(1, 256)).ToArray())),
    };

    private static HttpRequestMessage Body(HttpMethod method, string url, Random rng, int i)
    {
        var body = (i % 5) switch
        {
            0 => "",
            1 => "{",
            2 => "{\"path\": 12, \"category\": [1,2], \"epochs\": -5, \"model\": null}",
            3 => "[]",
            _ => Encoding.Latin1.GetString(Enumerable.Range(0, 200).Select(_ => (byte)rng.Next(256)).ToArray()),
        };
        var content = new ByteArrayContent(Encoding.Latin1.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(i % 7 == 0 ? "application/json; charset=bogus" : i % 11 == 0 ? "text/plain" : "application/json");
        return new HttpRequestMessage(method, url) { Content = content };
    }

    private static HttpRequestMessage Multipart(string url, Random rng, int i)
    {
        var head = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n";
        var wav = new WavBytes().Fmt(1, 1 + (i % 3 == 0 ? 65534 : 0), i % 4 == 0 ? int.MaxValue : 44100, 16).Data(new byte[2000]).ToArray();
        var bytes = (i % 6) switch
        {
            0 => [],
            1 => Encoding.ASCII.GetBytes("--b\r\n"),
            2 => Encoding.ASCII.GetBytes(head + "RIFF"),
            3 => [.. Encoding.ASCII.GetBytes(head), .. wav, .. Encoding.ASCII.GetBytes("\r\n--b--\r\n")],
            4 => Enumerable.Range(0, 500).Select(_ => (byte)rng.Next(256)).ToArray(),
            _ => [.. Encoding.ASCII.GetBytes(head), .. Enumerable.Range(0, 3000).Select(_ => (byte)rng.Next(256)), .. Encoding.ASCII.GetBytes("\r\n--b--\r\n")],
        };
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(i % 5 == 0 ? "multipart/form-data" : i % 7 == 0 ? "multipart/form-data; boundary=b; charset=bogus" : "multipart/form-data; boundary=b");
        return new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
    }
}
