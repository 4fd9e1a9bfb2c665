using System.Diagnostics;
using System.Globalization;
using Traum.Generative;
using static TorchSharp.torch;

namespace Traum.Benchmarks.Generative;

/// <summary>
/// Seconds per training step of the default convolutional VAE on random standardised input, the same network and step
/// as <c>tools/vae/conv_reference.py</c> runs in PyTorch: forward, MSE + β·KL per element, backward, gradient clipping at
/// 1, Adam. Prints the network so the reference can be given the same shape.
/// </summary>
public static class VaeStepSpeed
{
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        int Arg(string name, int fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
        }
        var bins = Arg("--bins", 513);
        var frames = Arg("--frames", 173);
        var budget = Arg("--budget", 456_961);
        var batch = Arg("--batch", 8);
        var steps = Arg("--steps", 30);
        var threads = Arg("--threads", 2);
        set_num_threads(threads);
        manual_seed(1);
        var config = new VaeConfig { Architecture = "conv", InputDim = bins * frames, Bins = bins, Frames = frames }.FitBudget(budget);
        using var model = AudioVae.Create(config);
        model.train();
        using var adam = new AdamOptimizer(model.parameters(), 1e-3);
        var d = bins * frames;
        using var x = randn(batch, d);
        void Step()
        {
            using var scope = NewDisposeScope();
            adam.ZeroGrad();
            var (recon, mu, logVar) = model.forward(x);
            var (total, _, _) = AudioVae.Loss(recon, x, mu, logVar, 1.0);
            total.backward();
            adam.ClipGradNorm(1.0);
            adam.Step();
        }
        for (var i = 0; i < 3; i++) Step();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++) Step();
        var ms = clock.Elapsed.TotalMilliseconds / steps;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"TorchSharp conv VAE: bins {bins}, frames {frames}, channels {config.Channels}, levels {config.EffectiveLevels()}, latent {config.Latent}, parameters {VaeModel.CountParameters(model)}, batch {batch}, threads {threads}: {ms:F1} ms per step; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        return 0;
    }
}
