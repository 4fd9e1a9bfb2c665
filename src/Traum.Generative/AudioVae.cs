using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Traum.Generative;

/// <summary>
/// Shape of an <see cref="AudioVae"/>. Encoder: for each width in <see cref="Hidden"/>, Linear → ReLU → Dropout;
/// then two Linear heads to μ and log σ² (<see cref="Latent"/> each). Decoder: Linear → ReLU for the widths in
/// reverse, then a Linear to <see cref="InputDim"/> with no activation (identity), because the targets are
/// standardised (unbounded); see <see cref="OutputActivation"/>.
/// </summary>
public sealed record VaeConfig
{
    /// <summary>Length of a feature vector (bins × frames).</summary>
    public int InputDim { get; init; }

    /// <summary>Hidden layer widths of the encoder, outermost first (the decoder mirrors them).</summary>
    public IReadOnlyList<int> Hidden { get; init; } = [512, 256];

    /// <summary>Latent dimensions.</summary>
    public int Latent { get; init; } = 32;

    /// <summary>Dropout probability after each encoder hidden layer (training only).</summary>
    public double Dropout { get; init; } = 0.1;

    /// <summary>The output activation: always "linear" for standardised targets (a sigmoid only suits min-max scaling).</summary>
    public string OutputActivation { get; init; } = "linear";

    /// <summary>Architecture name, for metadata.</summary>
    public string Architecture { get; init; } = "mlp";

    /// <summary>Throws <see cref="Core.InvalidInputException"/> naming a bad value.</summary>
    public void Validate()
    {
        if (InputDim <= 0) throw new Core.InvalidInputException("The VAE input size must be positive.");
        if (Hidden.Count == 0 || Hidden.Any(h => h <= 0)) throw new Core.InvalidInputException("The VAE needs at least one hidden layer, all widths positive (default 512,256).");
        if (Latent is <= 0 or > 4096) throw new Core.InvalidInputException($"Latent size {Latent} is out of range; use 1–4096 (default 32).");
        if (Dropout is < 0 or >= 1) throw new Core.InvalidInputException($"Dropout {Dropout} must be in [0, 1) (default 0.1).");
        if (OutputActivation != "linear") throw new Core.InvalidInputException($"Output activation '{OutputActivation}' does not fit standardised targets; only 'linear' is supported.");
    }
}

/// <summary>
/// The MLP variational autoencoder over flattened, standardised log-magnitude spectrograms. Input <c>[B, InputDim]</c>
/// float32; <see cref="forward"/> returns (reconstruction <c>[B, InputDim]</c>, μ <c>[B, Latent]</c>, log σ² <c>[B, Latent]</c>).
/// </summary>
public sealed class AudioVae : Module<Tensor, (Tensor Reconstruction, Tensor Mu, Tensor LogVar)>
{
    private readonly Sequential _encoder;
    private readonly Linear _fcMu;
    private readonly Linear _fcLogVar;
    private readonly Sequential _decoder;

    /// <summary>Builds the network; initial weights come from torch's global generator (seed it first for repeatability).</summary>
    public AudioVae(VaeConfig config) : base("AudioVae")
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        // Weight initialisation draws from torch's global generator: hold the lock so a concurrent training's draws are not disturbed.
        using var _ = TorchRuntime.GlobalState.EnterScope();
        var enc = new List<(string, Module<Tensor, Tensor>)>();
        var width = config.InputDim;
        for (var i = 0; i < config.Hidden.Count; i++)
        {
            enc.Add(($"linear{i}", Linear(width, config.Hidden[i])));
            enc.Add(($"relu{i}", ReLU()));
            enc.Add(($"dropout{i}", Dropout(config.Dropout)));
            width = config.Hidden[i];
        }
        _encoder = Sequential(enc);
        _fcMu = Linear(width, config.Latent);
        _fcLogVar = Linear(width, config.Latent);
        var dec = new List<(string, Module<Tensor, Tensor>)>();
        width = config.Latent;
        for (var i = config.Hidden.Count - 1; i >= 0; i--)
        {
            dec.Add(($"linear{i}", Linear(width, config.Hidden[i])));
            dec.Add(($"relu{i}", ReLU()));
            width = config.Hidden[i];
        }
        dec.Add(("output", Linear(width, config.InputDim)));
        _decoder = Sequential(dec);
        // Explicit names: they are the keys of the saved weights (encoder.linear0.weight, fc_mu.bias, …).
        register_module("encoder", _encoder);
        register_module("fc_mu", _fcMu);
        register_module("fc_logvar", _fcLogVar);
        register_module("decoder", _decoder);
    }

    public VaeConfig Config { get; }

    /// <summary>μ and log σ² of <c>q(z|x)</c> for <c>x [B, InputDim]</c>: each <c>[B, Latent]</c>.</summary>
    public (Tensor Mu, Tensor LogVar) Encode(Tensor x)
    {
        var h = _encoder.forward(x);
        return (_fcMu.forward(h), _fcLogVar.forward(h));
    }

    /// <summary>Decodes latents <c>[B, Latent]</c> to standardised features <c>[B, InputDim]</c> (linear output).</summary>
    public Tensor Decode(Tensor z) => _decoder.forward(z);

    /// <summary>z = μ + σ·ε, ε ~ N(0, I) from torch's generator, while training; μ otherwise.</summary>
    public Tensor Reparameterize(Tensor mu, Tensor logVar)
    {
        ArgumentNullException.ThrowIfNull(mu);
        ArgumentNullException.ThrowIfNull(logVar);
        if (!training) return mu.alias();
        // Scalars are owned and disposed here (see AdamOptimizer for why implicit conversions are avoided).
        using var half = 0.5.ToScalar();
        using var one = 1.0.ToScalar();
        var std = logVar.mul(half).exp();
        return mu.add(randn_like(std).mul(std), one);
    }

    public override (Tensor Reconstruction, Tensor Mu, Tensor LogVar) forward(Tensor input)
    {
        var (mu, logVar) = Encode(input);
        var z = Reparameterize(mu, logVar);
        return (Decode(z), mu, logVar);
    }

    /// <summary>
    /// Loss per batch (scalars): reconstruction = mean squared error per element; KL = Σ_latent −½(1 + log σ² − μ² − σ²),
    /// averaged over the batch and divided by InputDim (so it is per element like the MSE); total = recon + β·KL.
    /// This equals the usual summed ELBO (Gaussian decoder, unit variance, up to constants) divided by InputDim.
    /// </summary>
    public static (Tensor Total, Tensor Reconstruction, Tensor Kl) Loss(Tensor reconstruction, Tensor target, Tensor mu, Tensor logVar, double beta)
    {
        ArgumentNullException.ThrowIfNull(reconstruction);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(mu);
        ArgumentNullException.ThrowIfNull(logVar);
        using var one = 1.0.ToScalar();
        using var two = 2.0.ToScalar();
        using var minusHalfOverD = (-0.5 / target.shape[1]).ToScalar();
        using var b = beta.ToScalar();
        var recon = functional.mse_loss(reconstruction, target, Reduction.Mean);
        var kl = logVar.add(one, one).sub(mu.pow(two)).sub(logVar.exp()).sum(1).mean().mul(minusHalfOverD);
        return (recon.add(kl, b), recon, kl);
    }
}
