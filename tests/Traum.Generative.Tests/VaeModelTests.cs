using Traum.Core;
using Traum.TestKit;
using static TorchSharp.torch;

using Xunit;

namespace Traum.Generative.Tests;

public sealed class VaeModelTests
{
    private static VaeModel TrainTiny(out AudioDataset ds, VaeConfig? shape = null)
    {
        ds = TinySetup.BassDataset();
        var r = VaeTrainer.Train(ds, shape ?? TinySetup.Shape, TinySetup.Training with { Epochs = 3 }, cancellationToken: CancellationToken.None);
        return new VaeModel(r.Model, r.Scaler, new VaeMetadata
        {
            Category = "bass",
            Model = r.Model.Config,
            Features = ds.Options,
            Training = TinySetup.Training,
            Losses = r.Losses,
            Evaluation = r.Report,
            Posteriors = r.Posteriors,
        });
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("conv")]
    public void SaveLoad_RoundTrip_BitExactWeightsAndOutputs(string architecture)
    {
        using var dir = new TempDir("vae");
        using var model = TrainTiny(out var ds, architecture == "conv" ? TinySetup.Conv : TinySetup.Shape);
        model.Save(dir.Path);
        using var back = VaeModel.Load(dir.Path);
        var a = model.Network.state_dict();
        var b = back.Network.state_dict();
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, t) in a)
        {
            var x = t.data<float>().ToArray();
            var y = b[name].data<float>().ToArray();
            Assert.Equal(x.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));
        }
        var z = Latents.Random(3, model.Latent, 1.0, 11);
        Assert.Equal(model.DecodeLog(z), back.DecodeLog(z));
        Assert.Equal(model.EncodeMean(ds.Row(0)), back.EncodeMean(ds.Row(0)));
        Assert.Equal(model.Metadata.Losses, back.Metadata.Losses);
        Assert.Equal("linear", back.Metadata.OutputActivation);
        Assert.True(File.Exists(dir.File(VaeModel.PlotFile)));
        Assert.Equal(model.Metadata.Posteriors.Count, back.Metadata.Posteriors.Count);
        for (var i = 0; i < model.Metadata.Posteriors.Count; i++)
        {
            Assert.Equal(model.Metadata.Posteriors[i].Mean, back.Metadata.Posteriors[i].Mean);
            Assert.Equal(model.Metadata.Posteriors[i].Std, back.Metadata.Posteriors[i].Std);
        }
        Assert.Equal(model.SampleLatents(4, 1.0, 5), back.SampleLatents(4, 1.0, 5));
    }

    [Fact]
    public void SampleLatents_DrawsFromTheTrainingPosteriors()
    {
        using var model = TrainTiny(out var ds);
        var posteriors = model.Metadata.Posteriors;
        Assert.NotEmpty(posteriors);
        Assert.All(posteriors, p => Assert.All(p.Std, s => Assert.True(s > 0 && float.IsFinite(s))));
        // The kept posteriors' means are the encoder's means of training rows: the first is row 0's (the split keeps
        // its order, so compare against any row's encoding instead of assuming which row is first).
        var encoded = Enumerable.Range(0, ds.Count).Select(i => model.EncodeMean(ds.Row(i))).ToList();
        Assert.All(posteriors, p => Assert.Contains(encoded, e => e.Zip(p.Mean).All(t => Math.Abs(t.First - t.Second) < 1e-4)));
        // At temperature 0 every random latent is one of those means.
        var z = model.SampleLatents(16, 0, 3);
        for (var i = 0; i < 16; i++)
        {
            var row = z.AsSpan(i * model.Latent, model.Latent).ToArray();
            Assert.Contains(posteriors, p => p.Mean.SequenceEqual(row));
        }
    }

    [Fact]
    public void Load_MissingDirectory_ModelNotFoundSaysHowToTrain()
    {
        var e = Assert.Throws<ModelNotFoundException>(() => VaeModel.Load("/nonexistent/traum/models/bass/1"));
        Assert.Contains("traum train", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TruncatedWeights_ModelNotFoundNamesTheFile()
    {
        using var dir = new TempDir("vae");
        using (var model = TrainTiny(out _)) model.Save(dir.Path);
        var w = dir.File(VaeModel.WeightsFile);
        var bytes = File.ReadAllBytes(w);
        File.WriteAllBytes(w, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<ModelNotFoundException>(() => VaeModel.Load(dir.Path));
        Assert.Contains(VaeModel.WeightsFile, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_GarbageMetadata_ModelNotFound()
    {
        using var dir = new TempDir("vae");
        using (var model = TrainTiny(out _)) model.Save(dir.Path);
        File.WriteAllText(dir.File(VaeModel.MetadataFile), "not json");
        var e = Assert.Throws<ModelNotFoundException>(() => VaeModel.Load(dir.Path));
        Assert.Contains("corrupt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingWeights_ModelNotFound()
    {
        using var dir = new TempDir("vae");
        using (var model = TrainTiny(out _)) model.Save(dir.Path);
        File.Delete(dir.File(VaeModel.WeightsFile));
        Assert.Throws<ModelNotFoundException>(() => VaeModel.Load(dir.Path));
    }

    [Fact]
    public void AudioVae_Shapes_FollowTheConfig()
    {
        using var scope = NewDisposeScope();
        using var vae = new MlpVae(new VaeConfig { Architecture = "mlp", InputDim = 50, Hidden = [20, 10], Latent = 3 });
        vae.eval();
        var (recon, mu, logVar) = vae.forward(ones(4, 50));
        Assert.Equal([4L, 50], recon.shape);
        Assert.Equal([4L, 3], mu.shape);
        Assert.Equal([4L, 3], logVar.shape);
        // 50·20+20 + 20·10+10 + 2·(10·3+3) + 3·10+10 + 10·20+20 + 20·50+50
        Assert.Equal(1020 + 210 + 66 + 40 + 220 + 1050, VaeModel.CountParameters(vae));
    }

    [Fact]
    public void Loss_KnownInputs_MatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        // recon error 1 everywhere → MSE 1; μ = 1, log σ² = 0 → KL per latent = ½·μ² = 0.5, two latents → 1, ÷ d = 4 → 0.25.
        var x = zeros(1, 4);
        var r = ones(1, 4);
        var mu = ones(1, 2);
        var lv = zeros(1, 2);
        var (total, recon, kl) = AudioVae.Loss(r, x, mu, lv, beta: 2);
        Assert.Equal(1.0, recon.item<float>(), 6);
        Assert.Equal(0.25, kl.item<float>(), 6);
        Assert.Equal(1.5, total.item<float>(), 6);
    }
}
