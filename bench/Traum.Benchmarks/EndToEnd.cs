namespace Traum.Benchmarks;

/// <summary>End-to-end benchmark commands. Each feature registers its own in <see cref="Commands"/>.</summary>
public static class EndToEnd
{
    /// <summary>name → (description, run with the remaining arguments, returns exit code).</summary>
    public static IReadOnlyDictionary<string, (string Description, Func<string[], int> Run)> Commands { get; } =
        new Dictionary<string, (string, Func<string[], int>)>(StringComparer.OrdinalIgnoreCase)
        {
            ["generation"] = ("Issue 12 targets: train conv and mlp on two synthetic loop categories, evaluate, time one 4 s stem", Generative.GenerationEndToEnd.Run),
            ["vae"] = ("Default VAE: seconds per epoch and samples/s on fixed synthetic bass stems; decode + 64 Griffin-Lim per stem", Generative.VaeEndToEnd.Run),
            ["vae-step"] = ("Default conv VAE: milliseconds per training step on random input (compare tools/vae/conv_reference.py, same network in PyTorch)", Generative.VaeStepSpeed.Run),
            ["audio"] = ("Audio decode, resample, STFT, CLAP log-mel, Griffin-Lim: median times vs targets", Audio.AudioEndToEnd.Run),
            ["accuracy"] = ("Descriptor accuracy on a synthesized library (tempo Acc1, key MIREX, unpitched, one-shots, speed) beside the targets", Descriptors.DescriptorAccuracy.Run),
            ["descriptors"] = ("Descriptors and descriptor embedding over the demo kit: accuracy against the kit, seconds of audio per second", Descriptors.DescriptorsEndToEnd.Run),
            ["clap"] = ("CLAP per 10 s window: feature extraction, EmbedAudio with the fixture graph, graph alone (median ms)", Clap.ClapEndToEnd.Run),
            ["separation-memory"] = ("Peak RSS of separating 5- and 60-minute tracks in child processes (must match ±10 %)", Separation.SeparationMemory.Run),
            ["separation-memory-child"] = ("(child of separation-memory) separate N generated minutes and print peak RSS", Separation.SeparationMemory.RunChild),
            ["separation-overhead"] = ("Traum's time around the Demucs graph per minute of audio (fixture graph)", Separation.SeparationOverhead.Run),
            ["search"] = ("Top-10 vector search over 1M random 512-d vectors: stream floor, exact, int8 + re-rank", Search.SearchEndToEnd.Run),
            ["pgvector"] = ("Top-10 vector search in SQL on PostgreSQL over N stems (default 100 000 × 512-d): HNSW and exact latencies, recall@10 of HNSW against exact", Search.PgvectorEndToEnd.Run),
            ["pg-workers"] = ("Ingest throughput of 1 and 2 'traum worker' processes on one PostgreSQL catalog: files/s, × real time, and the ratio (target ≥ 1.7×)", Ingest.PgWorkersEndToEnd.Run),
            ["load"] = ("Server load: N clients searching top-10 by text for 60 s over 100 000 stems while an ingest job runs", Server.LoadTest.Run),
            ["ingest"] = ("Ingest 1 000 synthetic one-shots and 8-bar loops: stems/s and seconds of audio per second", Ingest.IngestEndToEnd.Run),
            ["ingest-memory"] = ("Peak RSS of `traum ingest` on 100 and 400 synthetic stems with CLAP (fixture graph), beside the 200 MB target", Ingest.IngestMemory.Run),
            ["reliability"] = ("Fault probe: kill -9 during ingest, mutated audio files, malformed HTTP requests; what each lost or how it ended", Reliability.ReliabilityProbe.Run),
        };

    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || !Commands.TryGetValue(args[0], out var cmd))
        {
            Console.WriteLine("End-to-end benchmarks:");
            foreach (var (name, (desc, _)) in Commands) Console.WriteLine($"  {name,-16} {desc}");
            return args.Length == 0 ? 0 : 1;
        }
        return cmd.Run(args[1..]);
    }
}
