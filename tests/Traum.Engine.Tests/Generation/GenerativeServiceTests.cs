using System.Text.Json;
using Traum.Audio.IO;
using Traum.Core;
using Traum.Engine.StemGeneration;
using Traum.Engine.Tests.Training;
using Traum.Engine.Training;
using Traum.Generative;
using Xunit;

namespace Traum.Engine.Tests.StemGeneration;

public sealed class GenerativeServiceTests
{
    [Fact]
    public void Useless_SilentRender_IsRefused_AndASoundIsNot()
    {
        var silent = new Traum.Audio.AudioBuffer([new float[44100], new float[44100]], 44100);
        var lufsSilent = Traum.Audio.Loudness.LoudnessMeter.IntegratedLufs(silent);
        Assert.Contains("silent", GenerativeService.Useless(new RenderedStem(silent, 0, lufsSilent, 0, false)), StringComparison.Ordinal);
        Assert.NotNull(GenerativeService.Useless(new RenderedStem(silent, 0, double.NaN, 0, false)));
        var tone = new Traum.Audio.AudioBuffer([Traum.TestKit.Signals.Sine(220, 1.0, 44100, 0.3)], 44100);
        var lufs = Traum.Audio.Loudness.LoudnessMeter.IntegratedLufs(tone);
        Assert.True(lufs > -70);
        Assert.Null(GenerativeService.Useless(new RenderedStem(tone, 0, lufs, 0, false)));
    }

    private static GenerationRequest Quick(string category) => new()
    {
        Category = category, Count = 3, Seed = 42, GriffinLimIterations = 4, Steps = 3,
    };

    [Fact]
    public void Generate_Random_FiniteNonSilentStemsOfTheExcerptLengthWithLineage()
    {
        using var lib = new VaeTestLibrary();
        var model = new TrainingService(lib.Library).Train(VaeTestLibrary.Request("bass"), cancellationToken: TestContext.Current.CancellationToken);
        using var service = new GenerativeService(lib.Ingester);
        var made = service.Generate(Quick("bass"), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(3, made.Count);
        Assert.Equal(3, made.Select(m => m.Stem.Id).Distinct().Count());
        foreach (var g in made)
        {
            var audio = AudioFile.Read(lib.Library.GetFullPath(g.Stem.FilePath), TestContext.Current.CancellationToken);
            Assert.Equal(VaeTestLibrary.Rate, audio.SampleRate);
            Assert.Equal(VaeTestLibrary.Features.ExcerptSamples, audio.Length);
            var x = audio.Channels[0];
            Assert.All(x, v => Assert.True(float.IsFinite(v)));
            Assert.Equal(SpectrogramAudio.PeakLevel, x.Max(MathF.Abs), 4);
            Assert.Equal(StemOrigin.Generated, g.Stem.Origin);
            Assert.Equal("bass", g.Stem.Category);
            Assert.Equal("bass", g.Stem.Kind);
            Assert.Equal(g.Lineage.Id, g.Stem.GenerationId);
            var stored = lib.Library.Catalog.GetGeneration(g.Lineage.Id)!;
            Assert.Equal(model.Record.Id, stored.ModelId);
            Assert.Equal("v1", stored.ModelVersion);
            Assert.Equal("random", stored.Mode);
            Assert.Empty(stored.ParentStemIds);
            using var p = JsonDocument.Parse(stored.ParametersJson!);
            Assert.Equal(42, p.RootElement.GetProperty("batchSeed").GetInt32());
            Assert.Equal(4, p.RootElement.GetProperty("griffinLimIterations").GetInt32());
        }
        Assert.Equal([42L, 43, 44], made.Select(m => m.Lineage.Seed!.Value));
        // They are listed like any other stem.
        Assert.Equal(made.Select(m => m.Stem.Id), lib.Library.Catalog.ListStems(new Catalog.StemQuery { Origin = StemOrigin.Generated }).Select(s => s.Id));
        // The WAVs were moved from generated/ into the store: nothing is left half-written there.
        Assert.Empty(Directory.EnumerateFiles(lib.Library.GeneratedPath, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Generate_InterpolateBetweenStems_EndpointsAreTheStemsReconstructions()
    {
        using var lib = new VaeTestLibrary();
        new TrainingService(lib.Library).Train(VaeTestLibrary.Request("bass"), cancellationToken: TestContext.Current.CancellationToken);
        using var service = new GenerativeService(lib.Ingester);
        var (from, to) = (lib.BassIds[1], lib.BassIds[9]);
        var request = Quick("bass") with { Mode = GenerationMode.Interpolate, FromStemId = from, ToStemId = to, Steps = 4, Phase = PhaseMode.Random };
        var made = service.Generate(request, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(4, made.Count);
        Assert.All(made, m => Assert.Equal([from, to], m.Lineage.ParentStemIds));
        var (_, model) = service.ResolveModel("bass");
        // Independent path: encode each endpoint stem, decode its μ, same phase seed → must equal the path's ends.
        foreach (var (index, stem) in new[] { (0, from), (3, to) })
        {
            var mu = service.EncodeStem(model, stem, TestContext.Current.CancellationToken);
            var expected = StemRenderer.Render(model.DecodeLog(mu), model.Features, GenerativeService.RenderFor(model.Metadata, request), PhaseMode.Random, 1, 42 + index).Audio.Channels[0];
            var actual = AudioFile.Read(lib.Library.GetFullPath(made[index].Stem.FilePath), TestContext.Current.CancellationToken).Channels[0];
            Assert.Equal(expected.Length, actual.Length);
            for (var i = 0; i < actual.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4);
        }
    }

    [Fact]
    public void Generate_Hybrid_ParentsAreRealStemsOfTheCategory()
    {
        using var lib = new VaeTestLibrary();
        new TrainingService(lib.Library).Train(VaeTestLibrary.Request("bass"), cancellationToken: TestContext.Current.CancellationToken);
        using var service = new GenerativeService(lib.Ingester);
        var made = service.Generate(Quick("bass") with { Mode = GenerationMode.Hybrid }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(3, made.Count);
        Assert.All(made, m => Assert.Contains(Assert.Single(m.Lineage.ParentStemIds), lib.BassIds));
        Assert.All(made, m => Assert.Equal("hybrid", m.Lineage.Mode));
    }

    [Fact]
    public void Generate_Blend_BlendsTwoModelsAndRecordsBoth()
    {
        using var lib = new VaeTestLibrary(bassStems: 8, hatStems: 8);
        var training = new TrainingService(lib.Library);
        training.Train(VaeTestLibrary.Request("bass"), cancellationToken: TestContext.Current.CancellationToken);
        training.Train(VaeTestLibrary.Request("hihat"), cancellationToken: TestContext.Current.CancellationToken);
        using var service = new GenerativeService(lib.Ingester);
        var made = service.Generate(new GenerationRequest { Category = "bass", Mode = GenerationMode.Blend, BlendWith = "hihat", Mix = 0.25, Count = 2, Seed = 3, GriffinLimIterations = 2 },
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, made.Count);
        var lineage = made[0].Lineage;
        Assert.Equal("blend", lineage.Mode);
        Assert.Equal("bass", lineage.ModelCategory);
        using var p = JsonDocument.Parse(lineage.ParametersJson!);
        Assert.Equal(["bass", "hihat"], p.RootElement.GetProperty("blend").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(0.25, p.RootElement.GetProperty("mix").GetDouble());
    }

    [Fact]
    public void GenerateAll_EveryModelName_GetsItsBatch()
    {
        using var lib = new VaeTestLibrary(bassStems: 8, hatStems: 8);
        var training = new TrainingService(lib.Library);
        training.Train(VaeTestLibrary.Request("bass"), cancellationToken: TestContext.Current.CancellationToken);
        training.Train(VaeTestLibrary.Request("hihat"), cancellationToken: TestContext.Current.CancellationToken);
        using var service = new GenerativeService(lib.Ingester);
        var all = service.GenerateAll(Quick("ignored") with { Count = 1 }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(["bass", "hihat"], all.Keys.Order());
        Assert.All(all.Values, v => Assert.Single(v));
        Assert.Equal("hihat", all["hihat"][0].Stem.Category);
        Assert.Equal(StemKinds.Drums, all["hihat"][0].Stem.Kind);
    }

    [Fact]
    public void Generate_NoModel_ModelNotFoundSaysHowToTrain()
    {
        using var lib = new VaeTestLibrary(bassStems: 1);
        using var service = new GenerativeService(lib.Ingester);
        var e = Assert.Throws<ModelNotFoundException>(() => service.Generate(Quick("bass"), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("traum train --category bass", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_OnlyModelCorrupt_ClearError()
    {
        using var lib = new VaeTestLibrary();
        var m = new TrainingService(lib.Library).Train(VaeTestLibrary.Request("bass"), cancellationToken: TestContext.Current.CancellationToken);
        var weights = Path.Combine(m.Directory, VaeModel.WeightsFile);
        File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..100]);
        using var service = new GenerativeService(lib.Ingester);
        var e = Assert.Throws<ModelNotFoundException>(() => service.Generate(Quick("bass"), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains(VaeModel.WeightsFile, e.Message, StringComparison.Ordinal);
        Assert.Contains("train", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_NewestCorrupt_FallsBackToNewestGood_ButNamedVersionFails()
    {
        using var lib = new VaeTestLibrary();
        var training = new TrainingService(lib.Library);
        training.Train(VaeTestLibrary.Request("bass"), cancellationToken: TestContext.Current.CancellationToken);
        var v2 = training.Train(VaeTestLibrary.Request("bass"), cancellationToken: TestContext.Current.CancellationToken);
        File.Delete(Path.Combine(v2.Directory, VaeModel.MetadataFile));
        using var service = new GenerativeService(lib.Ingester);
        var made = service.Generate(Quick("bass") with { Count = 1 }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("v1", made[0].Lineage.ModelVersion);
        Assert.Throws<ModelNotFoundException>(() => service.Generate(Quick("bass") with { Version = "v2" }, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public void ResolveModel_TwiceSameFolder_LoadsOnce()
    {
        using var lib = new VaeTestLibrary();
        new TrainingService(lib.Library).Train(VaeTestLibrary.Request("bass"), cancellationToken: TestContext.Current.CancellationToken);
        using var service = new GenerativeService(lib.Ingester);
        Assert.Same(service.ResolveModel("bass").Model, service.ResolveModel("bass", "v1").Model);
    }
}
