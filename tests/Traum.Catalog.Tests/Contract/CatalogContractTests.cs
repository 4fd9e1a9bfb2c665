using Traum.Core;
using static Traum.Catalog.Tests.CatalogFixtures;

namespace Traum.Catalog.Tests.Contract;

/// <summary>Makes empty catalogs of one provider for <see cref="CatalogContractTests"/>; disposing removes them.</summary>
public interface ICatalogTestProvider : IDisposable
{
    /// <summary>A new, empty catalog at the newest schema, reading the time from <paramref name="time"/> (the system clock by default).</summary>
    ICatalog Create(TimeProvider? time = null);
}

/// <summary>
/// The behaviour every catalog provider must have, written against the ports only (<see cref="ICatalog"/>). Each
/// provider adds one subclass that passes its <see cref="ICatalogTestProvider"/>; SQLite-only behaviour (PRAGMAs,
/// its file, process-liveness of job owners) is tested in <see cref="CatalogStoreTests"/>.
/// </summary>
public abstract partial class CatalogContractTests : IDisposable
{
    private readonly ICatalogTestProvider _provider;
    private readonly List<ICatalog> _extra = [];
    private readonly ICatalog _store;

    protected CatalogContractTests(ICatalogTestProvider provider)
    {
        _provider = provider ?? throw new ArgumentNullException(nameof(provider));
        _store = provider.Create();
    }

    /// <summary>Another empty catalog of the provider on a clock the test moves (disposed with the test).</summary>
    private ICatalog CreateWithClock(TimeProvider time)
    {
        var c = _provider.Create(time);
        _extra.Add(c);
        return c;
    }

    public void Dispose()
    {
        foreach (var c in _extra) c.Dispose();
        _store.Dispose();
        _provider.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void AddStem_ThenGet_RoundTripsEveryField()
    {
        var track = _store.AddTrack(new NewTrack { Name = "song", SourcePath = "/music/song.flac", Format = "flac", Duration = 180.5, ContentHash = Hash(100) });
        var modified = new DateTimeOffset(2024, 5, 6, 7, 8, 9, 123, TimeSpan.Zero);
        var added = _store.AddStem(Stem(1, StemKinds.Bass, "808", StemOrigin.Separated, 2.25, ["Dark", "warm"], trackId: track.Id) with
        {
            SourcePath = "/in/a.wav", SourceSize = 1234, SourceModified = modified,
        });
        var got = _store.GetStem(added.Id)!;
        Assert.Equal("stem 1", got.Name);
        Assert.Equal("bass", got.Kind);
        Assert.Equal("808", got.Category);
        Assert.Equal(StemOrigin.Separated, got.Origin);
        Assert.Equal(track.Id, got.TrackId);
        Assert.Equal(Hash(1), got.ContentHash);
        Assert.Equal($"stems/{Hash(1)[..2]}/{Hash(1)}.wav", got.FilePath);
        Assert.Equal("/in/a.wav", got.SourcePath);
        Assert.Equal(44100, got.SampleRate);
        Assert.Equal(2, got.Channels);
        Assert.Equal(2.25, got.Duration);
        Assert.Equal(["Dark", "warm"], got.Tags);
        Assert.Equal(got.Id, _store.FindStemBySource("/in/a.wav", 1234, modified)!.Id);
        Assert.Null(_store.FindStemBySource("/in/a.wav", 1235, modified));
    }

    [Fact]
    public void RelinkStem_SetsTheFilePath_LogsAChange_AndKeepsEverythingElse()
    {
        var added = _store.AddStem(Stem(1, StemKinds.Bass, "808", tags: ["warm"]));
        var before = _store.ChangeSequence;
        var moved = _store.RelinkStem(added.Id, "/music/moved/a.wav");
        Assert.Equal("/music/moved/a.wav", moved.FilePath);
        Assert.Equal("/music/moved/a.wav", _store.GetStem(added.Id)!.FilePath);
        Assert.Equal((added.Name, added.ContentHash), (moved.Name, moved.ContentHash));
        Assert.Equal(added.Tags, moved.Tags);
        var change = Assert.Single(_store.GetChangesSince(before));
        Assert.Equal((CatalogChangeKind.StemUpdated, added.Id), (change.Kind, change.StemId));
        Assert.Throws<NotFoundException>(() => _store.RelinkStem(999, "/x.wav"));
        Assert.Throws<InvalidInputException>(() => _store.RelinkStem(added.Id, " "));
    }

    [Fact]
    public void AddStem_KindAndCategory_AreStoredLowerCase()
    {
        var s = _store.AddStem(Stem(1, " Drums ", "Kick"));
        Assert.Equal("drums", s.Kind);
        Assert.Equal("kick", s.Category);
    }

    [Fact]
    public void AddStem_UnknownTrack_ThrowsInvalidInput()
    {
        Assert.Throws<InvalidInputException>(() => _store.AddStem(Stem(1, trackId: 999)));
        Assert.Equal(0, _store.CountStems());
    }

    [Fact]
    public void AddStem_BadHash_ThrowsInvalidInput() =>
        Assert.Throws<InvalidInputException>(() => _store.AddStem(Stem(1) with { ContentHash = "xyz" }));

    [Fact]
    public void AddTrack_SameHashTwice_ReturnsExistingTrack()
    {
        var a = _store.AddTrack(new NewTrack { Name = "a", SourcePath = "/a.wav", Format = "wav", Duration = 1, ContentHash = Hash(7) });
        var b = _store.AddTrack(new NewTrack { Name = "b", SourcePath = "/b.flac", Format = "flac", Duration = 1, ContentHash = Hash(7) });
        Assert.Equal(a.Id, b.Id);
        Assert.Single(_store.ListTracks());
    }

    private long[] Seed()
    {
        // id order: 1 kick 120 Am one-shot, 2 snare 128 C, 3 bass 140 Am, 4 pad (no descriptors), 5 generated vocals 125 F#m
        var ids = new[]
        {
            _store.AddStem(Stem(1, StemKinds.Drums, "kick", duration: 0.5, tags: ["punchy"])).Id,
            _store.AddStem(Stem(2, StemKinds.Drums, "snare", duration: 0.4)).Id,
            _store.AddStem(Stem(3, StemKinds.Bass, "bass", duration: 8, tags: ["Punchy", "dark"])).Id,
            _store.AddStem(Stem(4, StemKinds.Other, "pad", duration: 16)).Id,
            _store.AddStem(Stem(5, StemKinds.Vocals, "vocals", StemOrigin.Generated, duration: 4)).Id,
        };
        _store.SetDescriptors(ids[0], Descriptors(120, "A", "minor", oneShot: true, lufs: -8));
        _store.SetDescriptors(ids[1], Descriptors(128, "C", "major", oneShot: true, lufs: -10));
        _store.SetDescriptors(ids[2], Descriptors(140, "A", "minor", lufs: -12));
        _store.SetDescriptors(ids[4], Descriptors(125, "F#", "minor", lufs: -20));
        return ids;
    }

    [Fact]
    public void ListStems_Filters_SelectExactlyTheMatchingStems()
    {
        var id = Seed();
        long[] Ids(StemQuery q) => _store.ListStems(q).Select(s => s.Id).ToArray();
        Assert.Equal(new[] { id[0], id[1] }, Ids(new StemQuery { Kind = "DRUMS" }));
        Assert.Equal(new[] { id[2] }, Ids(new StemQuery { Category = "bass" }));
        Assert.Equal(new[] { id[4] }, Ids(new StemQuery { Origin = StemOrigin.Generated }));
        Assert.Equal(new[] { id[0], id[4] }, Ids(new StemQuery { MinBpm = 120, MaxBpm = 125 }));
        Assert.Equal(new[] { id[0], id[2] }, Ids(new StemQuery { Key = MusicalKey.Parse("Am") }));
        Assert.Equal(new[] { id[4] }, Ids(new StemQuery { Key = MusicalKey.Parse("Gb minor") }));
        Assert.Equal("F#", MusicalKey.Parse("Gb minor").Tonic);
        Assert.Equal(new[] { id[2], id[4] }, Ids(new StemQuery { MinDuration = 1, MaxDuration = 10 }));
        Assert.Equal(new[] { id[0], id[2] }, Ids(new StemQuery { Tag = "PUNCHY" }));
        Assert.Equal(new[] { id[0], id[1] }, Ids(new StemQuery { IsOneShot = true }));
        Assert.Equal(new[] { id[1], id[3] }, Ids(new StemQuery { Ids = [id[1], id[3], 9999] }));
        Assert.Equal(new[] { id[2] }, Ids(new StemQuery { Kind = "bass", Tag = "dark", MinBpm = 100 }));
        Assert.Empty(Ids(new StemQuery { Kind = "bass", Tag = "missing" }));
        Assert.Equal(2, _store.CountStems(new StemQuery { Key = MusicalKey.Parse("Am") }));
    }

    [Fact]
    public void ListStems_Sorts_OrderByTheRequestedField()
    {
        var id = Seed();
        long[] Ids(StemQuery q) => _store.ListStems(q).Select(s => s.Id).ToArray();
        Assert.Equal(new[] { id[1], id[0], id[4], id[2], id[3] }, Ids(new StemQuery { Sort = StemSort.Duration }));
        Assert.Equal(new[] { id[3], id[2], id[4], id[0], id[1] }, Ids(new StemQuery { Sort = StemSort.Duration, Descending = true }));
        // BPM ascending, stems without a tempo last.
        Assert.Equal(new[] { id[0], id[4], id[1], id[2], id[3] }, Ids(new StemQuery { Sort = StemSort.Bpm }));
        Assert.Equal(new[] { id[2], id[1], id[4], id[0], id[3] }, Ids(new StemQuery { Sort = StemSort.Bpm, Descending = true }));
        Assert.Equal(new[] { id[4], id[2] }, Ids(new StemQuery { Sort = StemSort.Loudness, Limit = 2 }));
        Assert.Equal(new[] { id[2], id[3] }, Ids(new StemQuery { Limit = 2, Offset = 2 }));
    }

    [Fact]
    public void UpdateStem_KindCategoryAndTags_AreChanged()
    {
        var s = _store.AddStem(Stem(1, tags: ["a"]));
        _store.UpdateStem(s.Id, kind: "Bass", category: "Sub");
        _store.AddTags(s.Id, ["b", "A", " c "]);
        var after = _store.RemoveTags(s.Id, ["B"]);
        Assert.Equal("bass", after.Kind);
        Assert.Equal("sub", after.Category);
        Assert.Equal(["a", "c"], after.Tags);
    }

    [Fact]
    public void UpdateStem_UnknownId_ThrowsNotFound()
    {
        Assert.Throws<NotFoundException>(() => _store.UpdateStem(42, kind: "bass"));
        Assert.Throws<NotFoundException>(() => _store.AddTags(42, ["x"]));
        Assert.Throws<NotFoundException>(() => _store.DeleteStem(42));
        Assert.Throws<NotFoundException>(() => _store.SetDescriptors(42, Descriptors()));
    }

    [Fact]
    public void DeleteStem_SharedFile_ReportsSharedUntilTheLastOne()
    {
        var file = Library.StemFileName(Hash(1), ".wav");
        var a = _store.AddStem(Stem(1, file: file));
        var b = _store.AddStem(Stem(1, file: file) with { Origin = StemOrigin.Separated });
        _store.SetDescriptors(a.Id, Descriptors(120));
        _store.SetEmbedding(a.Id, new Embedding("m", [1f, 0f]));
        Assert.True(_store.DeleteStem(a.Id).FileShared);
        Assert.Null(_store.GetDescriptors(a.Id));
        Assert.Null(_store.GetEmbedding(a.Id, "m"));
        Assert.False(_store.DeleteStem(b.Id).FileShared);
        Assert.Empty(_store.ListReferencedFiles());
    }

    [Fact]
    public void SetDescriptors_ThenGet_RoundTripsIncludingInfinityAndNulls()
    {
        var s = _store.AddStem(Stem(1));
        var d = Descriptors(null, null, null, oneShot: true) with { Lufs = double.NegativeInfinity, PeakDb = double.NegativeInfinity };
        _store.SetDescriptors(s.Id, d);
        Assert.Equal(d, _store.GetDescriptors(s.Id));
        var d2 = Descriptors(174, "D#", "major");
        _store.SetDescriptors(s.Id, d2);
        Assert.Equal(d2, _store.GetDescriptors(s.Id));
    }

    [Fact]
    public void SetDescriptors_LoudnessMeterLoopAndStatedValues_RoundTrip()
    {
        var s = _store.AddStem(Stem(1));
        var d = Descriptors(128, "A", "minor") with
        {
            TruePeakDb = -0.3, MomentaryMaxLufs = -7.5, ShortTermMaxLufs = -8.25, LoudnessRange = 4.5, LoopBars = 4,
            StatedBpm = 128, StatedKey = "A", StatedMode = "minor",
        };
        _store.SetDescriptors(s.Id, d);
        Assert.Equal(d, _store.GetDescriptors(s.Id));
        var without = d with { LoudnessRange = null, LoopBars = null, StatedBpm = null, StatedKey = null, StatedMode = null };
        _store.SetDescriptors(s.Id, without);
        Assert.Equal(without, _store.GetDescriptors(s.Id));
    }

    [Fact]
    public void ListStems_KeyFilters_MatchEitherSpellingCompatibleKeysAndStatedValuesFirst()
    {
        var a = _store.AddStem(Stem(1)).Id;   // estimated A# minor (old sharp spelling) = Bb minor
        var b = _store.AddStem(Stem(2)).Id;   // estimated Db major (relative of Bb minor)
        var c = _store.AddStem(Stem(3)).Id;   // estimated F minor (a fifth above Bb minor)
        var d = _store.AddStem(Stem(4)).Id;   // estimated C major, but the name states Eb minor and 128 BPM
        var e = _store.AddStem(Stem(5)).Id;   // estimated G major: not compatible with Bb minor
        _store.SetDescriptors(a, Descriptors(120, "A#", "minor"));
        _store.SetDescriptors(b, Descriptors(120, "Db", "major"));
        _store.SetDescriptors(c, Descriptors(120, "F", "minor"));
        _store.SetDescriptors(d, Descriptors(100, "C", "major") with { StatedBpm = 128, StatedKey = "Eb", StatedMode = "minor" });
        _store.SetDescriptors(e, Descriptors(120, "G", "major"));
        long[] Ids(StemQuery q) => _store.ListStems(q).Select(s => s.Id).ToArray();

        Assert.Equal(new[] { a }, Ids(new StemQuery { Key = MusicalKey.Parse("Bbm") }));
        Assert.Equal(new[] { a }, Ids(new StemQuery { Key = MusicalKey.Parse("3A") }));
        // Bb minor (3A) mixes with Db major (3B), F minor (4A) and Eb minor (2A, stated by d's name).
        Assert.Equal(new[] { a, b, c, d }, Ids(new StemQuery { CompatibleWith = MusicalKey.Parse("Bb minor") }));
        Assert.Empty(Ids(new StemQuery { Key = MusicalKey.Parse("C") })); // d's estimate is C, but its name says Ebm
        Assert.Equal(new[] { d }, Ids(new StemQuery { MinBpm = 127, MaxBpm = 129 }));
        Assert.Equal(new[] { d }, Ids(new StemQuery { Key = MusicalKey.Parse("Ebm"), CompatibleWith = MusicalKey.Parse("Bbm") }));
    }

    [Fact]
    public void Embeddings_PerModel_AreKeptApartAndListed()
    {
        var a = _store.AddStem(Stem(1)).Id;
        var b = _store.AddStem(Stem(2)).Id;
        var c = _store.AddStem(Stem(3)).Id;
        float[] va = [0.6f, 0.8f, -0f];
        _store.SetEmbedding(a, new Embedding("clap-v1", va));
        _store.SetEmbedding(b, new Embedding("clap-v1", [1f, 0f, 0f]));
        _store.SetEmbedding(b, new Embedding("clap-v2", [0f, 1f]));
        _store.SetEmbedding(a, new Embedding("clap-v1", [0f, 0f, 1f])); // replaces
        Assert.Equal([0f, 0f, 1f], _store.GetEmbedding(a, "clap-v1")!.Vector);
        Assert.Equal(new[] { c }, _store.StemsWithoutEmbedding("clap-v1"));
        Assert.Equal(new[] { a, c }, _store.StemsWithoutEmbedding("clap-v2"));
        var all = _store.GetEmbeddings("clap-v1").ToList();
        Assert.Equal(new[] { a, b }, all.Select(e => e.StemId));
        Assert.Equal([1f, 0f, 0f], all[1].Vector);
        Assert.Equal(2, _store.CountEmbeddings("clap-v1"));
        Assert.Null(_store.GetEmbedding(c, "clap-v1"));
    }

    [Fact]
    public void Profiles_SetAndGet_RoundTrip()
    {
        var s = _store.AddStem(Stem(1)).Id;
        var p = new SemanticProfile("clap", new Dictionary<string, IReadOnlyList<ProfileScore>>
        {
            ["energy"] = [new("calm", 0.1, 12.5), new("intense", 0.9, 99)],
            ["mood"] = [new("dark", 0.7, 80)],
        });
        _store.SetProfile(s, p);
        var got = _store.GetProfile(s, "clap")!;
        Assert.Equal(["energy", "mood"], got.Families.Keys.Order());
        Assert.Equal(p.Families["energy"], got.Families["energy"]);
        Assert.Equal(p.Families["mood"], _store.GetLatestProfile(s)!.Families["mood"]);
        Assert.Single(_store.GetProfiles("clap"));
        Assert.Null(_store.GetProfile(s, "other"));
    }

    [Fact]
    public void BatchReads_EqualTheOneStemReads_AndLeaveOutMissingIds()
    {
        var ids = Seed();
        _store.SetProfile(ids[1], new SemanticProfile("clap", new Dictionary<string, IReadOnlyList<ProfileScore>> { ["mood"] = [new("dark", 0.7, 80)] }));
        _store.SetProfile(ids[2], new SemanticProfile("clap", new Dictionary<string, IReadOnlyList<ProfileScore>> { ["mood"] = [new("warm", 0.2, 10)] }));
        long[] asked = [.. ids, 999_999, ids[0]]; // an unknown id and a repeat

        var stems = _store.GetStems(asked);
        var descriptors = _store.GetDescriptors(asked);
        var profiles = _store.GetLatestProfiles(asked);

        Assert.Equal(ids.Order(), stems.Keys.Order());
        foreach (var id in ids)
        {
            Assert.Equal(_store.GetStem(id)!.Name, stems[id].Name);
            Assert.Equal(_store.GetStem(id)!.Tags, stems[id].Tags);
            Assert.Equal(_store.GetDescriptors(id), descriptors.GetValueOrDefault(id));
            Assert.Equal(_store.GetLatestProfile(id)?.Families.Keys, profiles.GetValueOrDefault(id)?.Families.Keys);
        }
        Assert.Equal(4, descriptors.Count); // the pad has none
        Assert.Equal([ids[1], ids[2]], profiles.Keys.Order());
        Assert.Empty(_store.GetStems([]));
        Assert.Empty(_store.GetDescriptors(Array.Empty<long>()));
    }

    [Fact]
    public void Models_AndGenerations_KeepLineage()
    {
        var m1 = _store.AddModel("bass", "v1", "models/bass/v1", "{\"epochs\":3}");
        var m2 = _store.AddModel("bass", "v2", "models/bass/v2");
        Assert.Throws<InvalidInputException>(() => _store.AddModel("bass", "v1", "x"));
        Assert.Equal(m2.Id, _store.GetLatestModel("bass")!.Id);
        Assert.Equal(new[] { m1.Id, m2.Id }, _store.ListModels("bass").Select(m => m.Id));
        var parent = _store.AddStem(Stem(1)).Id;
        var g = _store.AddGeneration(new Generation { ModelId = m1.Id, ModelCategory = "bass", ModelVersion = "v1", Mode = "hybrid", Seed = 42, ParametersJson = "{\"t\":0.8}", ParentStemIds = [parent] });
        var child = _store.AddStem(Stem(2, origin: StemOrigin.Generated) with { GenerationId = g.Id });
        Assert.True(_store.DeleteModel(m1.Id));
        var got = _store.GetGeneration(g.Id)!;
        Assert.Null(got.ModelId);
        Assert.Equal("v1", got.ModelVersion);
        Assert.Equal(42, got.Seed);
        Assert.Equal(new[] { parent }, got.ParentStemIds);
        Assert.Equal(new[] { child.Id }, _store.ListStems(new StemQuery { GenerationId = g.Id }).Select(s => s.Id));
    }

    [Fact]
    public void Jobs_Lifecycle_IsRecorded()
    {
        var j = _store.CreateJob("ingest", "{\"paths\":[\"/x\"]}");
        Assert.Equal(JobState.Queued, _store.GetJob(j.Id)!.State);
        _store.StartJob(j.Id);
        _store.UpdateJobProgress(j.Id, 0.5, "half");
        var mid = _store.GetJob(j.Id)!;
        Assert.Equal(JobState.Running, mid.State);
        Assert.Equal(0.5, mid.Progress);
        Assert.Equal("half", mid.Message);
        Assert.NotNull(mid.StartedAt);
        _store.FinishJob(j.Id, JobState.Succeeded, resultJson: "{\"added\":3}");
        var done = _store.GetJob(j.Id)!;
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal(1.0, done.Progress);
        Assert.Equal("{\"added\":3}", done.Result);
        Assert.NotNull(done.FinishedAt);
        Assert.Equal(new[] { j.Id }, _store.ListJobs(JobState.Succeeded, "ingest").Select(x => x.Id));
        Assert.Empty(_store.ListJobs(JobState.Running));
    }

    [Fact]
    public void ChangeLog_EveryStemWrite_AppendsIncreasingSequences()
    {
        var events = new List<CatalogChange>();
        _store.Changed += (_, e) => events.AddRange(e.Changes);
        var start = _store.ChangeSequence;
        var s = _store.AddStem(Stem(1)).Id;
        _store.SetEmbedding(s, new Embedding("m", [1f]));
        _store.AddTags(s, ["x"]);
        _store.DeleteStem(s);
        var changes = _store.GetChangesSince(start);
        Assert.Equal(
            new[] { CatalogChangeKind.StemAdded, CatalogChangeKind.EmbeddingSet, CatalogChangeKind.StemUpdated, CatalogChangeKind.StemRemoved },
            changes.Select(c => c.Kind));
        Assert.All(changes, c => Assert.Equal(s, c.StemId));
        Assert.Equal("m", changes[1].ModelId);
        Assert.True(changes.Zip(changes.Skip(1)).All(p => p.Second.Sequence > p.First.Sequence));
        Assert.Equal(changes[^1].Sequence, _store.ChangeSequence);
        Assert.Equal(changes.Select(c => c.Sequence), events.Select(c => c.Sequence));
        Assert.Empty(_store.GetChangesSince(_store.ChangeSequence));
    }

    [Fact]
    public void AddStem_FromManyThreads_AllRowsLand()
    {
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var s = _store.AddStem(Stem(i));
            _store.SetDescriptors(s.Id, Descriptors(100 + i));
        });
        Assert.Equal(64, _store.CountStems());
        Assert.Equal(64, _store.CountStems(new StemQuery { MinBpm = 100 }));
    }
}
