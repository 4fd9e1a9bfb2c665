using System.Diagnostics;
using System.Globalization;
using Traum.Audio;
using Traum.Generative;
using Traum.TestKit;

namespace Traum.Benchmarks.Generative;

/// <summary>
/// <c>e2e vae [--stems 64] [--epochs 3] [--threads 2] [--generate 4] [--iters 64]</c>: trains the default VAE on a
/// fixed synthetic data set and times generation. Data: <c>GenerativeSignals.BassCategory(stems, 2 s, 22 050 Hz)</c>
/// (bass notes, MIDI 33…56 cycling, three harmonics, 0.6 s decay), one 2 s excerpt each. Network and training are the
/// defaults (<see cref="VaeConfig"/>, <see cref="TrainingOptions"/>): 88 749 → 512 → 256 → (μ, log σ²) 32 → 256 → 512 →
/// 88 749, batch 32, Adam 1e-3, dropout 0.1, β 1; validation 15 %. Prints seconds per epoch (mean of all epochs after
/// the first, which includes warm-up), training samples per second, and per generated stem the decode time and the
/// decode + Griffin-Lim time.
/// </summary>
public static class VaeEndToEnd
{
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var stems = IntArg(args, "--stems", 64);
        var epochs = IntArg(args, "--epochs", 3);
        var threads = IntArg(args, "--threads", 2);
        var generate = IntArg(args, "--generate", 4);
        var iters = IntArg(args, "--iters", 64);
        var features = new SpectrogramOptions();
        var shape = new VaeConfig();
        var training = new TrainingOptions { Epochs = epochs, Threads = threads, Patience = 0, Device = "cpu" };
        Console.WriteLine($"vae: {stems} synthetic bass stems × {features.ExcerptSeconds} s at {features.SampleRate} Hz, n_fft {features.NFft}, hop {features.Hop}; "
            + $"{features.FeatureCount} features; hidden {string.Join(',', shape.Hidden)}, latent {shape.Latent}; batch {training.BatchSize}; {threads} threads; {Environment.ProcessorCount} processors");

        var clock = Stopwatch.StartNew();
        var sources = GenerativeSignals.BassCategory(stems, features.ExcerptSeconds, features.SampleRate)
            .Select((x, i) => new DatasetSource(AudioBuffer.Mono(x, features.SampleRate), $"s{i}")).ToList();
        var dataset = AudioDataset.Build(sources, features);
        Console.WriteLine($"  data set: {dataset.Count} excerpts in {clock.Elapsed.TotalSeconds:F2} s");

        var cpu0 = Cpu();
        var wall0 = Stopwatch.StartNew();
        var result = VaeTrainer.Train(dataset, shape, training);
        var trainCpu = (Cpu() - cpu0).TotalSeconds;
        var trainWall = wall0.Elapsed.TotalSeconds;
        using var model = new VaeModel(result.Model, result.Scaler, new VaeMetadata { Category = "bench", Model = result.Model.Config, Features = features, Training = training });
        var steady = result.Losses.Count > 1 ? result.Losses.Skip(1).Average(l => l.Seconds) : result.Losses[0].Seconds;
        Console.WriteLine($"  parameters: {VaeModel.CountParameters(result.Model):N0}");
        Console.WriteLine($"  epoch 1: {result.Losses[0].Seconds:F2} s; later epochs: {steady:F2} s each; {result.TrainExcerpts / steady:F1} training samples/s "
            + $"({result.TrainExcerpts} train, {result.ValidationExcerpts} validation excerpts; validation pass included)");
        Console.WriteLine($"  process CPU time during training: {trainCpu:F1} s over {trainWall:F1} s wall ({trainCpu / Math.Max(1, result.Losses.Count):F2} CPU-s per epoch incl. the final report)");
        Console.WriteLine($"  losses (train/val): {string.Join("  ", result.Losses.Select(l => $"{l.Train:F3}/{l.Validation:F3}"))}");

        var z = Latents.Random(generate, model.Latent, 1.0, 1);
        model.DecodeLog(z.AsSpan(0, model.Latent)); // warm-up
        var decode = Stopwatch.StartNew();
        var logs = model.DecodeLog(z);
        var decodeSeconds = decode.Elapsed.TotalSeconds / generate;
        SpectrogramAudio.ToAudio(logs.AsSpan(0, features.FeatureCount), features, PhaseMode.GriffinLim, 2, 0); // warm-up
        var glCpu0 = Cpu();
        var gl = Stopwatch.StartNew();
        for (var i = 0; i < generate; i++)
        {
            SpectrogramAudio.ToAudio(logs.AsSpan(i * features.FeatureCount, features.FeatureCount), features, PhaseMode.GriffinLim, iters, i);
        }
        var glSeconds = gl.Elapsed.TotalSeconds / generate;
        var glCpu = (Cpu() - glCpu0).TotalSeconds / generate;
        Console.WriteLine($"  generation per {features.ExcerptSeconds} s stem: decode {decodeSeconds * 1000:F1} ms; Griffin-Lim ({iters} iterations) {glSeconds * 1000:F1} ms; "
            + $"total {(decodeSeconds + glSeconds) * 1000:F1} ms ({features.ExcerptSeconds / (decodeSeconds + glSeconds):F1}× real time); Griffin-Lim CPU {glCpu * 1000:F0} ms per stem");
        Console.WriteLine($"  load average at the end: {LoadAverage()}");
        Console.WriteLine($"  held-out: {result.Report.Verdict}");
        return 0;
    }

    private static TimeSpan Cpu() => Process.GetCurrentProcess().TotalProcessorTime;

    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;
    }
}
