using Traum.Core;
using Traum.Engine.Training;
using Traum.Generative;
using Xunit;

namespace Traum.Engine.Tests.Training;

public sealed class TrainingServiceTests
{
    [Fact]
    public void Train_Category_WritesVersionedFoldersAndRegistersThem()
    {
        using var lib = new VaeTestLibrary();
        var service = new TrainingService(lib.Library);
        var first = service.Train(VaeTestLibrary.Request("bass"), cancellationToken: TestContext.Current.CancellationToken);
        var second = service.Train(VaeTestLibrary.Request("bass"), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("v1", first.Record.Version);
        Assert.Equal("v2", second.Record.Version);
        Assert.Equal(Path.Combine(lib.Library.ModelsPath, "bass", "v1"), first.Directory);
        foreach (var f in new[] { VaeModel.WeightsFile, VaeModel.ScalerFile, VaeModel.MetadataFile, VaeModel.PlotFile })
        {
            Assert.True(File.Exists(Path.Combine(first.Directory, f)), f);
            Assert.True(File.Exists(Path.Combine(second.Directory, f)), f);
        }
        Assert.Equal(["v1", "v2"], lib.Library.Catalog.ListModels("bass").Select(m => m.Version));
        Assert.Equal(["v1", "v2"], Directory.EnumerateDirectories(Path.Combine(lib.Library.ModelsPath, "bass")).Select(Path.GetFileName).Order());
        var meta = VaeModel.ReadMetadata(first.Directory);
        Assert.Equal("bass", meta.Category);
        Assert.Equal("bass", meta.Data!.Kind);
        Assert.Equal(16, meta.Data.Summary.Sources);
        Assert.Equal(16.0, meta.Data.Summary.SourceSeconds, 6);
        Assert.Equal(meta.StoppedEarly ? meta.BestEpoch + meta.Training.Patience : 20, meta.Losses.Count);
        Assert.Equal(VaeMetadata.StatusOk, meta.Status);
        Assert.Equal("linear", meta.OutputActivation);
        Assert.NotNull(meta.Evaluation);
    }

    [Fact]
    public void Train_TooLittleAudio_SaysHowMuchItHasAndNeeds()
    {
        using var lib = new VaeTestLibrary(bassStems: 2);
        var service = new TrainingService(lib.Library);
        var e = Assert.Throws<InvalidInputException>(() => service.Train(VaeTestLibrary.Request("bass") with { MinimumSeconds = 20 },
            cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("2 stems with 2.0 s", e.Message, StringComparison.Ordinal);
        Assert.Contains("at least 20 s", e.Message, StringComparison.Ordinal);
        Assert.Empty(lib.Library.Catalog.ListModels());
    }

    [Fact]
    public void Train_UnknownCategory_SaysItHasNothing()
    {
        using var lib = new VaeTestLibrary(bassStems: 2);
        var e = Assert.Throws<InvalidInputException>(() => new TrainingService(lib.Library).Train(VaeTestLibrary.Request("vocals"),
            cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("'vocals' has 0 stems with 0.0 s", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_CancelledMidway_LeavesNoModelFolderOrRecord()
    {
        using var lib = new VaeTestLibrary();
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.Epoch >= 2) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => new TrainingService(lib.Library).Train(VaeTestLibrary.Request("bass", epochs: 50), progress, cts.Token));
        Assert.Empty(lib.Library.Catalog.ListModels());
        var folder = Path.Combine(lib.Library.ModelsPath, "bass");
        Assert.True(!Directory.Exists(folder) || !Directory.EnumerateFileSystemEntries(folder).Any());
    }

    [Fact]
    public void Train_ByExplicitIds_UsesExactlyThoseStems()
    {
        using var lib = new VaeTestLibrary(bassStems: 12);
        var ids = lib.BassIds.Take(10).ToList();
        var r = new TrainingService(lib.Library).Train(VaeTestLibrary.Request("bass") with { Category = null, StemIds = ids, ModelName = "six" },
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("six", r.Record.Category);
        Assert.Equal(ids.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), r.Metadata.Data!.StemIds);
    }

    [Fact]
    public void Train_TwoSelections_Rejected()
    {
        using var lib = new VaeTestLibrary(bassStems: 1);
        Assert.Throws<InvalidInputException>(() => new TrainingService(lib.Library).Train(VaeTestLibrary.Request("bass") with { Tag = "x" },
            cancellationToken: TestContext.Current.CancellationToken));
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

public sealed class TrainingFailureTests
{
    [Fact]
    public void Train_ExplodingConfiguration_FailsAndRegistersNoDefault()
    {
        using var lib = new VaeTestLibrary(bassStems: 8);
        var service = new TrainingService(lib.Library);
        var request = VaeTestLibrary.Request("bass", epochs: 6);
        request = request with { Training = request.Training with { LearningRate = 1.0, GradientClip = 0, WarmupSteps = 0 } };
        var e = Assert.Throws<TrainingFailedException>(() => service.Train(request, cancellationToken: TestContext.Current.CancellationToken));
        Assert.StartsWith("Training bass/v1 failed: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        var listed = Assert.Single(service.ListModels("bass"));
        Assert.Equal(VaeMetadata.StatusFailed, listed.Metadata!.Status);
        Assert.Null(service.DefaultVersion("bass"));
        Assert.Throws<InvalidInputException>(() => service.SetDefault("bass", "v1"));
        using var generator = new Traum.Engine.StemGeneration.GenerativeService(lib.Ingester);
        Assert.Throws<ModelNotFoundException>(() => generator.ResolveModel("bass"));
    }

    [Fact]
    public void SetDefault_OlderGoodVersion_GenerationUsesIt_DeleteClearsIt()
    {
        using var lib = new VaeTestLibrary(bassStems: 8);
        var service = new TrainingService(lib.Library);
        service.Train(VaeTestLibrary.Request("bass"), cancellationToken: TestContext.Current.CancellationToken);
        service.Train(VaeTestLibrary.Request("bass"), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("v2", service.DefaultVersion("bass"));
        service.SetDefault("bass", "v1");
        Assert.Equal("v1", service.DefaultVersion("bass"));
        using (var generator = new Traum.Engine.StemGeneration.GenerativeService(lib.Ingester))
        {
            Assert.Equal("v1", generator.ResolveModel("bass").Record.Version);
        }
        service.Delete("bass", "v1");
        Assert.Equal("v2", service.DefaultVersion("bass"));
        Assert.Single(service.ListModels("bass"));
    }
}
