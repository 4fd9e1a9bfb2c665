using Traum.Audio;
using Traum.TestKit;

using Xunit;

namespace Traum.Generative.Tests;

public sealed class TrainingStabilityTests
{
    [Fact]
    public void Train_ExplodingConfiguration_FailsWithAReason()
    {
        var ds = TinySetup.BassDataset();
        // Learning rate 1 with no clipping and no warm-up: Adam steps of size ~1 on every weight.
        var options = TinySetup.Training with { Epochs = 6, LearningRate = 1.0, GradientClip = 0, WarmupSteps = 0 };
        var r = VaeTrainer.Train(ds, TinySetup.Shape, options, cancellationToken: TestContext.Current.CancellationToken);
        using var m = r.Model;
        Assert.False(r.Succeeded);
        Assert.Contains("lr", r.Failure!, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Train_ConvDefaults_FiniteAndBeatsUntrainedAndMeanSpectrogram()
    {
        var ds = TinySetup.BassDataset();
        var r = VaeTrainer.Train(ds, TinySetup.Conv, TinySetup.Training with { Epochs = 15 }, cancellationToken: TestContext.Current.CancellationToken);
        using var m = r.Model;
        Assert.True(r.Succeeded, r.Failure);
        Assert.All(r.Losses, l => Assert.True(double.IsFinite(l.Train) && double.IsFinite(l.Validation)));
        var best = r.Losses[r.BestEpoch - 1];
        Assert.True(best.Validation < r.InitialValidationLoss);
        // The mean spectrogram predicts z = 0: its loss is the mean of z² over the held-out rows, about 1 for standardised data.
        Assert.True(best.ValidationReconstruction < r.MeanBaselineValidation, $"{best.ValidationReconstruction} vs {r.MeanBaselineValidation}");
    }

    [Fact]
    public void Train_KlForcedToPrior_NoActiveLatents_AndNormalRunHasSome()
    {
        var ds = TinySetup.BassDataset();
        // β = 1e4 makes any information in q(z|x) cost far more than it saves: the posterior means collapse onto 0.
        var collapsed = VaeTrainer.Train(ds, TinySetup.Shape, TinySetup.Training with { Epochs = 10, Beta = 1e4, FreeBits = 0 },
            cancellationToken: TestContext.Current.CancellationToken);
        var normal = VaeTrainer.Train(ds, TinySetup.Shape, TinySetup.Training with { Epochs = 10 }, cancellationToken: TestContext.Current.CancellationToken);
        using (collapsed.Model)
        using (normal.Model)
        {
            Assert.Equal(0, collapsed.ActiveLatents);
            Assert.True(normal.ActiveLatents >= 2, $"{normal.ActiveLatents} active of {TinySetup.Shape.Latent}");
            Assert.Equal(TinySetup.Shape.Latent, normal.LatentActivity.Count);
        }
    }

    [Fact]
    public void Fit_NearSilentBin_StandardisedValuesStayBounded()
    {
        // 100 rows, 3 features: two with unit spread, one silent except a single 0.5 (a near-silent bin).
        const int n = 100;
        var data = new float[n * 3];
        for (var i = 0; i < n; i++)
        {
            data[(i * 3) + 0] = (i % 2 == 0) ? 1 : -1;
            data[(i * 3) + 1] = (i % 2 == 0) ? -1 : 1;
            data[(i * 3) + 2] = i == 0 ? 0.5f : 0;
        }
        var s = StandardScaler.Fit(data, 3, [.. Enumerable.Range(0, n)]);
        var z = new float[data.Length];
        s.Transform(data, z);
        // Column stds: 1, 1, and 0.5·√(0.01·0.99) ≈ 0.0497; the floor is their mean ≈ 0.683.
        var third = 0.5 * Math.Sqrt(0.01 * 0.99);
        var floor = (2 + third) / 3;
        Assert.Equal(floor, s.Std[2], 4);
        var silentColumn = Enumerable.Range(0, n).Select(i => Math.Abs(z[(i * 3) + 2]));
        Assert.True(silentColumn.Max() <= (0.5 / floor) + 1e-3);
    }

    [Fact]
    public void FitBudget_LargeMlp_ShrinksUnderTheBudget()
    {
        var big = new VaeConfig { Architecture = "mlp", InputDim = 88_749, Hidden = [512, 256], Latent = 32 };
        // Independent count for [512, 256]: 88749·512 + 512 + 512·256 + 256 + 2(256·32 + 32) + 32·256 + 256 + 256·512 + 512 + 512·88749 + 88749.
        long expected = (88_749L * 512) + 512 + (512 * 256) + 256 + (2 * ((256 * 32) + 32)) + (32 * 256) + 256 + (256 * 512) + 512 + (512L * 88_749) + 88_749;
        Assert.Equal(expected, big.ParameterCount());
        var fitted = big.FitBudget(4_000_000);
        Assert.True(fitted.ParameterCount() <= 4_000_000);
        using var net = AudioVae.Create(fitted);
        Assert.Equal(fitted.ParameterCount(), VaeModel.CountParameters(net));
    }

    [Fact]
    public void ConvVae_Shapes_ReconstructionHasTheInputShape()
    {
        var config = TinySetup.Conv with { InputDim = 129 * 32, Bins = 129, Frames = 33 - 1 };
        using var net = AudioVae.Create(config);
        using var scope = TorchSharp.torch.NewDisposeScope();
        // Input from System.Random, not torch's global generator (which a concurrent training test is seeded on).
        var rng = new Random(4);
        var x = TorchSharp.torch.tensor(Enumerable.Range(0, 3 * 129 * 32).Select(_ => (float)rng.NextDouble()).ToArray(), [3, 129 * 32]);
        var (rec, mu, lv) = net.forward(x);
        Assert.Equal([3L, 129 * 32], rec.shape);
        Assert.Equal([3L, 4], mu.shape);
        Assert.Equal([3L, 4], lv.shape);
        Assert.Equal(config.ParameterCount(), VaeModel.CountParameters(net));
    }

    [Fact]
    public void Generate_TwoTimbres_BandEnergyClassifierAssignsEachModelsStems()
    {
        var bass = TinySetup.BassDataset();
        var hats = AudioDataset.Build(GenerativeSignals.HatCategory(16, 1.0, TinySetup.Rate)
            .Select((x, i) => new DatasetSource(AudioBuffer.Mono(x, TinySetup.Rate), $"hat{i}")).ToList(), TinySetup.Features, TestContext.Current.CancellationToken);
        var opts = TinySetup.Training with { Epochs = 12 };
        var rb = VaeTrainer.Train(bass, TinySetup.Conv, opts, cancellationToken: TestContext.Current.CancellationToken);
        var rh = VaeTrainer.Train(hats, TinySetup.Conv, opts, cancellationToken: TestContext.Current.CancellationToken);
        var meta = new VaeMetadata { Category = "x", Model = rb.Model.Config, Features = TinySetup.Features, Training = opts };
        using var mb = new VaeModel(rb.Model, rb.Scaler, meta);
        using var mh = new VaeModel(rh.Model, rh.Scaler, meta with { Model = rh.Model.Config });
        var f = TinySetup.Features;
        // Classifier independent of the models: energy below 500 Hz against energy above 2 kHz of the linear magnitude.
        bool IsBass(float[] log, int row)
        {
            var m = log.AsSpan(row * f.FeatureCount, f.FeatureCount).ToArray();
            f.Expand(m);
            double low = 0, high = 0;
            for (var b = 0; b < f.Bins; b++)
            {
                var hz = b * (double)f.SampleRate / f.NFft;
                for (var t = 0; t < f.Frames; t++)
                {
                    var e = (double)m[(b * f.Frames) + t] * m[(b * f.Frames) + t];
                    if (hz < 500) low += e;
                    else if (hz > 2000) high += e;
                }
            }
            return low > high;
        }
        var lb = mb.DecodeLog(Latents.Random(8, 4, 1.0, 3));
        var lh = mh.DecodeLog(Latents.Random(8, 4, 1.0, 3));
        Assert.All(Enumerable.Range(0, 8), i => Assert.True(IsBass(lb, i), $"bass stem {i}"));
        Assert.All(Enumerable.Range(0, 8), i => Assert.False(IsBass(lh, i), $"hat stem {i}"));
    }

    [Fact]
    public void Interpolate_LowestToHighestNote_PitchRisesMonotonically()
    {
        // Truth: the category is bass notes at MIDI 33…56; the lowest and the highest are encoded and the latent path
        // between them decoded. An independent pitch measure (the energy-weighted mean frequency below 1.2 kHz of the
        // linear magnitude, which follows f0 because the notes' harmonics scale with it) must rise along the path.
        var bass = TinySetup.BassDataset();
        var opts = TinySetup.Training with { Epochs = 30 };
        var r = VaeTrainer.Train(bass, TinySetup.Conv, opts, cancellationToken: TestContext.Current.CancellationToken);
        var meta = new VaeMetadata { Category = "bass", Model = r.Model.Config, Features = TinySetup.Features, Training = opts };
        using var model = new VaeModel(r.Model, r.Scaler, meta);
        var f = TinySetup.Features;
        int First(string id) => Enumerable.Range(0, bass.Count).First(i => bass.Excerpts[i].SourceId == id);
        var low = model.EncodeMean(bass.Row(First("bass0")));   // MIDI 33, 55 Hz
        var high = model.EncodeMean(bass.Row(First("bass23"))); // MIDI 56, 208 Hz
        const int Steps = 8;
        var path = model.DecodeLog(Latents.Interpolate(low, high, Steps, spherical: false));

        double MeanFrequency(int row)
        {
            var m = path.AsSpan(row * f.FeatureCount, f.FeatureCount).ToArray();
            f.Expand(m);
            double weighted = 0, total = 0;
            for (var b = 1; b < f.Bins; b++)
            {
                var hz = b * (double)f.SampleRate / f.NFft;
                if (hz > 1200) break;
                for (var t = 0; t < f.Frames; t++)
                {
                    var e = (double)m[(b * f.Frames) + t] * m[(b * f.Frames) + t];
                    weighted += hz * e;
                    total += e;
                }
            }
            return weighted / total;
        }
        var pitch = Enumerable.Range(0, Steps).Select(MeanFrequency).ToArray();

        Assert.True(pitch[^1] > 1.5 * pitch[0], $"the path should span the notes' range: {string.Join(", ", pitch.Select(p => p.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} Hz");
        for (var i = 1; i < Steps; i++)
        {
            // Monotone, allowing 2 % wobble between neighbouring steps.
            Assert.True(pitch[i] >= 0.98 * pitch[i - 1], $"step {i}: {pitch[i]:F0} Hz after {pitch[i - 1]:F0} Hz ({string.Join(", ", pitch.Select(p => p.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))})");
        }
    }
}
