using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Traum.Generative;

/// <summary>
/// Shape of an <see cref="AudioVae"/>. <see cref="Architecture"/> "conv" (the default, <see cref="ConvVae"/>): a 1-D
/// convolutional VAE over spectrogram frames (bins are channels, time is convolved). "mlp" (<see cref="MlpVae"/>): for each
/// width in <see cref="Hidden"/>, Linear → ReLU → Dropout; then two Linear heads to μ and log σ²; the decoder mirrors it.
/// Both end in a linear output (identity), because the targets are standardised (unbounded).
/// </summary>
public sealed record VaeConfig
{
    /// <summary>Length of a feature vector (bins × frames).</summary>
    public int InputDim { get; init; }

    /// <summary>Frequency bins of a feature vector (set from the data; needed by "conv").</summary>
    public int Bins { get; init; }

    /// <summary>STFT frames of a feature vector (set from the data; needed by "conv").</summary>
    public int Frames { get; init; }

    /// <summary>"conv" (default) or "mlp".</summary>
    public string Architecture { get; init; } = "conv";

    /// <summary>Hidden layer widths of the "mlp" encoder, outermost first (the decoder mirrors them).</summary>
    public IReadOnlyList<int> Hidden { get; init; } = [512, 256];

    /// <summary>Channels of every convolution of "conv".</summary>
    public int Channels { get; init; } = 64;

    /// <summary>Stride-2 convolution levels of "conv" (0 = as many as bring the frames to at most 16, from 2 to 6).</summary>
    public int Levels { get; init; }

    /// <summary>Latent dimensions.</summary>
    public int Latent { get; init; } = 32;

    /// <summary>Dropout probability after each encoder hidden layer (training only).</summary>
    public double Dropout { get; init; } = 0.1;

    /// <summary>The output activation: always "linear" for standardised targets (a sigmoid only suits min-max scaling).</summary>
    public string OutputActivation { get; init; } = "linear";

    /// <summary>Stride-2 levels in effect for <see cref="Frames"/>.</summary>
    public int EffectiveLevels()
    {
        if (Levels > 0) return Levels;
        var levels = 0;
        for (var t = Frames; t > 16 && levels < 6; t /= 2) levels++;
        return Math.Max(2, levels);
    }

    /// <summary>Throws <see cref="Core.InvalidInputException"/> naming a bad value.</summary>
    public void Validate()
    {
        if (InputDim <= 0) throw new Core.InvalidInputException("The VAE input size must be positive.");
        if (Architecture is not ("mlp" or "conv")) throw new Core.InvalidInputException($"Unknown architecture '{Architecture}'; use conv (default) or mlp.");
        if (Architecture == "mlp" && (Hidden.Count == 0 || Hidden.Any(h => h <= 0))) throw new Core.InvalidInputException("The MLP VAE needs at least one hidden layer, all widths positive (default 512,256).");
        if (Architecture == "conv")
        {
            if (Bins <= 0 || Frames <= 0 || Bins * Frames != InputDim) throw new Core.InvalidInputException("The convolutional VAE needs bins × frames equal to the input size.");
            if (Channels is < 1 or > 4096) throw new Core.InvalidInputException($"Channels {Channels} out of range; use 1–4096 (default 64).");
            if (Levels is < 0 or > 10) throw new Core.InvalidInputException($"Levels {Levels} out of range; use 0 (automatic) to 10.");
            if (Frames >> EffectiveLevels() < 1) throw new Core.InvalidInputException($"{Frames} frames are too few for {EffectiveLevels()} stride-2 levels; use longer excerpts or fewer levels.");
        }
        if (Latent is <= 0 or > 4096) throw new Core.InvalidInputException($"Latent size {Latent} is out of range; use 1–4096 (default 32).");
        if (Dropout is < 0 or >= 1) throw new Core.InvalidInputException($"Dropout {Dropout} must be in [0, 1) (default 0.1).");
        if (OutputActivation != "linear") throw new Core.InvalidInputException($"Output activation '{OutputActivation}' does not fit standardised targets; only 'linear' is supported.");
    }

    /// <summary>Trainable parameters of a network of this shape.</summary>
    public long ParameterCount()
    {
        if (Architecture == "mlp")
        {
            long n = 0;
            var w = InputDim;
            foreach (var h in Hidden) { n += ((long)w * h) + h; w = h; }
            n += 2 * (((long)w * Latent) + Latent);
            w = Latent;
            for (var i = Hidden.Count - 1; i >= 0; i--) { n += ((long)w * Hidden[i]) + Hidden[i]; w = Hidden[i]; }
            return n + ((long)w * InputDim) + InputDim;
        }
        var levels = EffectiveLevels();
        var c = (long)Channels;
        var flat = c * (Frames >> levels);
        long conv = (Bins * c * ConvVae.Kernel) + c + ((levels - 1) * ((c * c * ConvVae.Kernel) + c));
        long heads = 2 * ((flat * Latent) + Latent);
        long dec = (Latent * flat) + flat + ((levels - 1) * ((c * c * ConvVae.Kernel) + c)) + (c * Bins * ConvVae.Kernel) + Bins;
        return conv + heads + dec;
    }

    /// <summary>
    /// This shape made to fit <paramref name="maxParameters"/>: the MLP's widths or the convolution channels are scaled
    /// down (never below 8) until it does. Returns the shape unchanged when it already fits.
    /// </summary>
    public VaeConfig FitBudget(long maxParameters)
    {
        var c = this;
        for (var i = 0; i < 64 && c.ParameterCount() > maxParameters; i++)
        {
            if (c.Architecture == "mlp")
            {
                if (c.Hidden.All(h => h <= 8)) break;
                c = c with { Hidden = [.. c.Hidden.Select(h => Math.Max(8, (int)(h * 0.8)))] };
            }
            else
            {
                if (c.Channels <= 8) break;
                c = c with { Channels = Math.Max(8, (int)(c.Channels * 0.8)) };
            }
        }
        return c;
    }
}

/// <summary>
/// A variational autoencoder over flattened, standardised log-magnitude spectrograms. Input <c>[B, InputDim]</c> float32
/// (bins-major); <see cref="forward"/> returns (reconstruction <c>[B, InputDim]</c>, μ <c>[B, Latent]</c>, log σ² <c>[B, Latent]</c>).
/// </summary>
public abstract class AudioVae : Module<Tensor, (Tensor Reconstruction, Tensor Mu, Tensor LogVar)>
{
    /// <summary>Validates <paramref name="config"/> and names the module.</summary>
    /// <param name="name">Name of the root module (TorchSharp <c>Module</c> name).</param>
    /// <param name="config">Architecture and sizes; validated here.</param>
    protected AudioVae(string name, VaeConfig config) : base(name)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
    }

    /// <summary>Architecture and sizes of the network.</summary>
    public VaeConfig Config { get; }

    /// <summary>The network <paramref name="config"/> describes; weights from torch's global generator (seed it first).</summary>
    public static AudioVae Create(VaeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Architecture == "mlp" ? new MlpVae(config) : new ConvVae(config);
    }

    /// <summary>μ and log σ² of <c>q(z|x)</c> for <c>x [B, InputDim]</c>: each <c>[B, Latent]</c>.</summary>
    public abstract (Tensor Mu, Tensor LogVar) Encode(Tensor x);

    /// <summary>Decodes latents <c>[B, Latent]</c> to standardised features <c>[B, InputDim]</c> (linear output).</summary>
    public abstract Tensor Decode(Tensor z);

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

    /// <summary>Encodes <paramref name="input"/> <c>[B, InputDim]</c>, samples z (<see cref="Reparameterize"/>) and decodes it.</summary>
    /// <param name="input">Standardised features <c>[B, InputDim]</c>.</param>
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
    public static (Tensor Total, Tensor Reconstruction, Tensor Kl) Loss(Tensor reconstruction, Tensor target, Tensor mu, Tensor logVar, double beta) =>
        Loss(reconstruction, target, mu, logVar, beta, 0);

    /// <summary>
    /// As <see cref="Loss(Tensor, Tensor, Tensor, Tensor, double)"/>, with free bits: in the total, each latent dimension's
    /// batch-mean KL (nats) counts at least <paramref name="freeBits"/>; the returned KL is the plain one.
    /// </summary>
    public static (Tensor Total, Tensor Reconstruction, Tensor Kl) Loss(Tensor reconstruction, Tensor target, Tensor mu, Tensor logVar, double beta, double freeBits)
    {
        ArgumentNullException.ThrowIfNull(reconstruction);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(mu);
        ArgumentNullException.ThrowIfNull(logVar);
        using var one = 1.0.ToScalar();
        using var two = 2.0.ToScalar();
        using var minusHalf = (-0.5).ToScalar();
        using var overD = (1.0 / target.shape[1]).ToScalar();
        using var b = beta.ToScalar();
        using var floor = freeBits.ToScalar();
        var recon = functional.mse_loss(reconstruction, target, Reduction.Mean);
        var perDim = logVar.add(one, one).sub(mu.pow(two)).sub(logVar.exp()).mul(minusHalf).mean([0]); // [Latent], nats
        var kl = perDim.sum().mul(overD);
        var klForLoss = freeBits > 0 ? perDim.clamp_min(floor).sum().mul(overD) : kl;
        return (recon.add(klForLoss, b), recon, kl);
    }
}

/// <summary>
/// The convolutional VAE (default): input <c>[B, bins·frames]</c> viewed as <c>[B, bins, frames]</c>; encoder: Conv1d(bins → C,
/// kernel 4, stride 2, padding 1) → LeakyReLU, then (levels − 1) more of C → C; flatten <c>C·(frames ≫ levels)</c> → Linear heads
/// to μ and log σ². Decoder: Linear → view → ConvTranspose1d(C → C, kernel 4, stride 2, padding 1, output padding chosen so
/// the lengths retrace the encoder's exactly) → LeakyReLU, the last one to bins channels with no activation. Time is
/// convolved, so a kernel sees every bin of four neighbouring frames.
/// </summary>
public sealed class ConvVae : AudioVae
{
    /// <summary>Kernel size of every (transposed) convolution, in frames.</summary>
    public const int Kernel = 4;

    private readonly ModuleList<Module<Tensor, Tensor>> _enc = new();
    private readonly ModuleList<Module<Tensor, Tensor>> _dec = new();
    private readonly Linear _fcMu;
    private readonly Linear _fcLogVar;
    private readonly Linear _fcDecode;
    private readonly int[] _lengths;

    /// <summary>Builds the layers <paramref name="config"/> describes, with fresh weights from torch's global generator.</summary>
    /// <param name="config">Architecture and sizes.</param>
    public ConvVae(VaeConfig config) : base("ConvVae", config)
    {
        using var _ = TorchRuntime.GlobalState.EnterScope();
        var levels = config.EffectiveLevels();
        var c = config.Channels;
        _lengths = new int[levels + 1];
        _lengths[0] = config.Frames;
        for (var i = 1; i <= levels; i++) _lengths[i] = _lengths[i - 1] / 2; // floor((L + 2 − 4)/2) + 1 = floor(L/2)
        for (var i = 0; i < levels; i++) _enc.Add(Conv1d(i == 0 ? config.Bins : c, c, Kernel, stride: 2, padding: 1));
        var flat = c * _lengths[levels];
        _fcMu = Linear(flat, config.Latent);
        _fcLogVar = Linear(flat, config.Latent);
        _fcDecode = Linear(config.Latent, flat);
        for (var i = levels; i > 0; i--)
        {
            var outPad = _lengths[i - 1] - (2 * _lengths[i]);
            _dec.Add(ConvTranspose1d(c, i == 1 ? config.Bins : c, Kernel, stride: 2, padding: 1, output_padding: outPad));
        }
        register_module("encoder", _enc);
        register_module("fc_mu", _fcMu);
        register_module("fc_logvar", _fcLogVar);
        register_module("fc_decode", _fcDecode);
        register_module("decoder", _dec);
    }

    /// <inheritdoc/>
    public override (Tensor Mu, Tensor LogVar) Encode(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var h = x.view(x.shape[0], Config.Bins, Config.Frames);
        foreach (var conv in _enc) h = LeakyRelu(conv.forward(h));
        h = h.flatten(1);
        if (training && Config.Dropout > 0) h = functional.dropout(h, Config.Dropout, true);
        return (_fcMu.forward(h), _fcLogVar.forward(h));
    }

    /// <inheritdoc/>
    public override Tensor Decode(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        var h = _fcDecode.forward(z).view(z.shape[0], Config.Channels, _lengths[^1]);
        for (var i = 0; i < _dec.Count; i++)
        {
            h = _dec[i].forward(h);
            if (i < _dec.Count - 1) h = LeakyRelu(h);
        }
        return h.flatten(1);
    }

    /// <summary>max(x, 0.1·x) with an owned scalar (TorchSharp's leaky_relu(double) makes a scalar only the garbage collector frees; see AdamOptimizer).</summary>
    private static Tensor LeakyRelu(Tensor x)
    {
        using var slope = 0.1.ToScalar();
        return x.maximum(x.mul(slope));
    }
}

/// <summary>The MLP variational autoencoder (<c>--arch mlp</c>) over flattened, standardised log-magnitude spectrograms.</summary>
public sealed class MlpVae : AudioVae
{
    private readonly Sequential _encoder;
    private readonly Linear _fcMu;
    private readonly Linear _fcLogVar;
    private readonly Sequential _decoder;

    /// <summary>Builds the network; initial weights come from torch's global generator (seed it first for repeatability).</summary>
    public MlpVae(VaeConfig config) : base("AudioVae", config)
    {
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

    /// <inheritdoc/>
    public override (Tensor Mu, Tensor LogVar) Encode(Tensor x)
    {
        var h = _encoder.forward(x);
        return (_fcMu.forward(h), _fcLogVar.forward(h));
    }

    /// <inheritdoc/>
    public override Tensor Decode(Tensor z) => _decoder.forward(z);
}
