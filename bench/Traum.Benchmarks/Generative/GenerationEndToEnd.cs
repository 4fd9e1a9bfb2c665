using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Traum.Audio;
using Traum.Audio.Descriptors;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Engine.Hosting;
using Traum.Engine.Ingest;
using Traum.Engine.StemGeneration;
using Traum.Engine.Training;
using Traum.Generative;
using Traum.TestKit;

namespace Traum.Benchmarks.Generative;

/// <summary>
/// <c>e2e generation [--stems 24] [--threads 2] [--arch conv,mlp] [--epochs 100]</c>: the issue-12 targets in one run. Two
/// synthetic categories of rendered loops at 44.1 kHz stereo, 120 BPM, 2 bars (4 s): "bassline" (riffs: four eight-note
/// patterns transposed to seeded roots, MIDI 33–44, three harmonics, 0.25 s decay) and "hatloop" (seeded noise bursts on eighths or sixteenths, 20–50 ms
/// decay, a high-pass). Both are ingested with descriptors into a temporary library, each architecture is trained with the
/// default options, then evaluated with 8 random stems, and one 4 s stem is generated (decode + Griffin-Lim + render).
/// </summary>
public static class GenerationEndToEnd
{
    private const int Rate = 44_100;
    private const double Bpm = 120;
    private const double Seconds = 4.0; // 2 bars at 120 BPM

    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var stems = IntArg(args, "--stems", 24);
        var threads = IntArg(args, "--threads", 2);
        var epochs = IntArg(args, "--epochs", new TrainingOptions().Epochs);
        var archs = StringArg(args, "--arch", "conv,mlp").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var root = Path.Combine(Path.GetTempPath(), "traum-gen-bench-" + Guid.NewGuid().ToString("N"));
        Console.WriteLine($"generation: {stems} loops per category, {Seconds} s stereo {Rate} Hz at {Bpm} BPM; {threads} threads; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}; {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC");
        try
        {
            using var library = Library.Open(root);
            var analyzer = new DescriptorAnalyzer();
            // The product's composition with descriptors as the only analyser (the figures are about the VAE, not CLAP).
            using var engine = EngineServices.Build(Traum.Engine.TraumContext.ForLibrary(root), library,
                s => s.AddSingleton<IReadOnlyList<IStemAnalyzer>>([new DescriptorStemAnalyzer((a, ct) => analyzer.Analyze(a, ct))]));
            var ingester = engine.GetRequiredService<StemIngester>();
            var src = Path.Combine(root, "src");
            Directory.CreateDirectory(src);
            for (var i = 0; i < stems; i++)
            {
                Add(ingester, src, $"bass_{i}.wav", Bassline(i), "bass", "bassline");
                Add(ingester, src, $"hat_{i}.wav", HatLoop(i), "drums", "hatloop");
            }
            var service = engine.GetRequiredService<TrainingService>();
            foreach (var arch in archs)
            {
                foreach (var category in Categories(args))
                {
                    var request = new TrainingRequest
                    {
                        Category = category,
                        ModelName = $"{category}-{arch}",
                        Shape = new VaeConfig { Architecture = arch, Channels = IntArg(args, "--channels", new VaeConfig().Channels) },
                        Training = new TrainingOptions { Threads = threads, Epochs = epochs, Device = "cpu", LearningRate = DoubleArg(args, "--lr", new TrainingOptions().LearningRate), Patience = IntArg(args, "--patience", new TrainingOptions().Patience) },
                    };
                    var clock = Stopwatch.StartNew();
                    TrainedVae trained;
                    try
                    {
                        trained = service.Train(request);
                    }
                    catch (TrainingFailedException e)
                    {
                        Console.WriteLine($"  {category} {arch}: FAILED after {clock.Elapsed.TotalSeconds:F1} s: {e.Message}");
                        if (e.Model?.Metadata is { } fm)
                        {
                            Console.WriteLine("    losses (train/validation reconstruction): " + string.Join(" ", fm.Losses.Select(l => $"{l.TrainReconstruction:G3}/{l.ValidationReconstruction:G3}")));
                        }
                        continue;
                    }
                    var seconds = clock.Elapsed.TotalSeconds;
                    var m = trained.Metadata;
                    var size = Directory.EnumerateFiles(trained.Directory).Sum(f => new FileInfo(f).Length);
                    var best = m.Losses[m.BestEpoch - 1];
                    Console.WriteLine($"  {category} {arch}: {seconds:F1} s, {m.Losses.Count} epochs (best {m.BestEpoch}), {m.Parameters:N0} parameters, folder {size / 1e6:F2} MB; "
                        + $"validation {m.InitialValidationLoss:G4} untrained → {best.Validation:G4}; reconstruction {best.ValidationReconstruction:G4} vs mean baseline {m.MeanBaselineValidation:G4}; "
                        + $"active latents {m.ActiveLatents}/{m.Model.Latent}; excerpt {m.Features.ExcerptSeconds:F2} s");
                    if (m.Evaluation is { } rec)
                    {
                        Console.WriteLine($"    held-out spectral convergence: VAE {rec.Vae.SpectralConvergence:F3}, mean {rec.Mean.SpectralConvergence:F3}, PCA-{rec.PcaComponents} {rec.Pca.SpectralConvergence:F3}");
                    }
                }
            }
            var generator = engine.GetRequiredService<GenerativeService>();
            foreach (var arch in archs)
            {
                foreach (var category in new[] { "bassline", "hatloop" })
                {
                    VaeModel model;
                    try
                    {
                        model = generator.ResolveModel($"{category}-{arch}").Model;
                    }
                    catch (Traum.Core.ModelNotFoundException)
                    {
                        continue;
                    }
                    var report = new GenerationEvaluator(library).Evaluate(model, category, 8, 1, 32);
                    Console.WriteLine($"  eval {category} {arch}: diversity {report.Diversity:F3}, nearest-training {report.NearestTraining:F3} (training's own {report.TrainingNearest:F3}, copies {report.Copies}), "
                        + $"Fréchet {report.Frechet:F3} vs other category {report.FrechetOtherCategory:F3} ({report.OtherCategory}), nearer own centroid {report.NearerOwnCentroid}/8");
                    // One 4 s stem, decode + Griffin-Lim (64) + render, timed (second run, after warm-up).
                    var render = GenerativeService.RenderFor(model.Metadata, new GenerationRequest { Category = category, Seconds = 4 });
                    double ms = 0;
                    RenderedStem? last = null;
                    for (var k = 0; k < 3; k++)
                    {
                        var t = Stopwatch.StartNew();
                        var log = model.DecodeLog(Latents.Random(1, model.Latent, 1.0, 10 + k));
                        last = StemRenderer.Render(log, model.Features, render, PhaseMode.GriffinLim, 64, 10 + k);
                        if (k > 0) ms += t.Elapsed.TotalMilliseconds / 2;
                    }
                    Console.WriteLine($"  generate one 4 s stem ({category} {arch}): {ms:F0} ms; {last!.Audio.ChannelCount} ch {last.Audio.SampleRate} Hz {last.Audio.Duration:F2} s, "
                        + $"{last.LoudnessLufs:F1} LUFS (target {render.LoudnessLufs:F1}), spectral convergence after Griffin-Lim {last.SpectralConvergence:F3}");
                }
            }
            return 0;
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private static void Add(StemIngester ingester, string folder, string name, AudioBuffer audio, string kind, string category)
    {
        var path = Path.Combine(folder, name);
        AudioFile.Write(path, audio, new AudioWriteOptions(SampleFormat.Float32));
        var r = ingester.Ingest(new IngestItem(path) { Kind = kind, Category = category });
        if (r.Stem is null) throw new InvalidOperationException(r.Error);
    }

    /// <summary>Riffs: one of four eight-note interval patterns (a quarter note each at 120 BPM) transposed to a seeded root (MIDI 33–44), stereo (equal channels, slightly different gain).</summary>
    private static AudioBuffer Bassline(int seed)
    {
        int[][] patterns = [[0, 0, 7, 0, 5, 0, 7, 10], [0, 12, 0, 10, 0, 7, 5, 3], [0, 0, 0, 3, 5, 5, 7, 5], [0, 7, 12, 7, 0, 7, 10, 7]];
        var rng = new Random(100 + seed);
        var root = 33 + rng.Next(12);
        var pattern = patterns[seed % patterns.Length];
        var n = (int)(Seconds * Rate);
        var x = new float[n];
        var step = n / 8;
        for (var k = 0; k < 8; k++)
        {
            var f = 440 * Math.Pow(2, (root + pattern[k] - 69) / 12.0);
            for (var i = 0; i < step; i++)
            {
                var t = (double)i / Rate;
                var env = Math.Min(1, t / 0.005) * Math.Exp(-t / 0.25) * Math.Min(1, (step - i) / 200.0);
                double v = 0;
                for (var h = 1; h <= 3; h++) v += Math.Sin(2 * Math.PI * f * h * t) / h;
                x[(k * step) + i] = (float)(0.4 * env * v);
            }
        }
        return new AudioBuffer([x, [.. x.Select(v => v * 0.9f)]], Rate);
    }

    /// <summary>Noise bursts on eighths or sixteenths, seeded decay 20–50 ms, first-differenced; stereo with independent noise per channel.</summary>
    private static AudioBuffer HatLoop(int seed)
    {
        var rng = new Random(500 + seed);
        var n = (int)(Seconds * Rate);
        var per = rng.Next(2) == 0 ? 8 : 16;
        var period = (int)(60.0 / Bpm / (per / 4.0) * Rate);
        var decay = 0.02 + (0.03 * rng.NextDouble());
        var ch = new float[2][];
        for (var c = 0; c < 2; c++)
        {
            ch[c] = new float[n];
            double prev = 0;
            for (var i = 0; i < n; i++)
            {
                var t = (double)(i % period) / Rate;
                var w = (rng.NextDouble() * 2) - 1;
                ch[c][i] = (float)(0.5 * (w - prev) * Math.Exp(-t / decay));
                prev = w;
            }
        }
        return new AudioBuffer(ch, Rate);
    }

    private static string[] Categories(string[] args) => StringArg(args, "--categories", "bassline,hatloop").Split(',', StringSplitOptions.RemoveEmptyEntries);

    private static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;
    }

    private static double DoubleArg(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : fallback;
    }

    private static string StringArg(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
