using Traum.Core;
using Traum.TestKit;
using static Traum.Catalog.Tests.CatalogFixtures;

namespace Traum.Catalog.Tests;

/// <summary>The one filter vocabulary (<see cref="StemFilters"/>) against the cases its documentation states.</summary>
public sealed class StemFilterTests
{
    private static readonly CategoryCount[] InUse =
    [
        new("drums", "kick", 3, 3), new("bass", "808", 2, 4), new("fx", "riser", 1, 8),
    ];

    [Theory]
    [InlineData("124", 123.5, 124.5)]
    [InlineData(" 124 ", 123.5, 124.5)]
    [InlineData("99.5", 99.0, 100.0)]
    [InlineData("120-130", 120.0, 130.0)]
    [InlineData(" 85 - 95 ", 85.0, 95.0)]
    [InlineData("120-", 120.0, null)]
    [InlineData("-130", null, 130.0)]
    [InlineData("99.5-100.5", 99.5, 100.5)]
    [InlineData("", null, null)]
    [InlineData(null, null, null)]
    public void ParseBpm_Forms_InclusiveBounds(string? text, double? min, double? max)
    {
        Assert.Equal((min, max), StemFilters.ParseBpm(text));
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("130-120")]
    [InlineData("1a-2")]
    [InlineData("-")]
    [InlineData("0")]
    [InlineData("120-130-140")]
    [InlineData("NaN")]
    public void ParseBpm_Malformed_SaysWhatIsWrongAndHowToWriteIt(string text)
    {
        var e = Assert.Throws<InvalidInputException>(() => StemFilters.ParseBpm(text));
        Assert.Contains(text.Trim(), e.Message, StringComparison.Ordinal);
        Assert.Contains("120-130", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("loop", false)]
    [InlineData("Loops", false)]
    [InlineData("one-shot", true)]
    [InlineData("oneshot", true)]
    [InlineData("one shot", true)]
    [InlineData(" ", null)]
    public void ParseShape_Words_MeanLoopOrOneShot(string text, bool? oneShot)
    {
        Assert.Equal(oneShot, StemFilters.ParseShape(text));
    }

    [Fact]
    public void ParseShape_OtherWord_NamesBoth()
    {
        var e = Assert.Throws<InvalidInputException>(() => StemFilters.ParseShape("pad"));
        Assert.Contains("loop or one-shot", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("length", StemSort.Duration)]
    [InlineData("duration", StemSort.Duration)]
    [InlineData("date", StemSort.Created)]
    [InlineData("Created", StemSort.Created)]
    [InlineData("tempo", StemSort.Bpm)]
    [InlineData("loudness", StemSort.Loudness)]
    [InlineData("key", StemSort.Key)]
    public void ParseSort_NamesAndAliases_MapToTheColumn(string text, StemSort sort)
    {
        Assert.Equal(sort, StemFilters.ParseSort(text));
    }

    [Fact]
    public void ToQuery_EveryField_BecomesItsCriterion()
    {
        var q = StemFilters.ToQuery(new StemFilter
        {
            Name = " kick ", Kind = "Drums", Category = "KICK", Tag = "dusty", Bpm = "124", HalfDouble = true, Key = "A minor",
            Compatible = "8A", MinDuration = 0.5, MaxDuration = 4, Shape = "one-shot", Origin = "imported", Sort = "length", Descending = true,
        }, InUse);
        Assert.Equal("kick", q.NameContains);
        Assert.Equal("drums", q.Kind);
        Assert.Equal("kick", q.Category);
        Assert.Equal("dusty", q.Tag);
        Assert.Equal((123.5, 124.5), (q.MinBpm!.Value, q.MaxBpm!.Value));
        Assert.True(q.BpmHalfDouble);
        Assert.Equal(new MusicalKey("A", "minor"), q.Key);
        Assert.Equal(new MusicalKey("A", "minor"), q.CompatibleWith); // 8A is A minor on the Camelot wheel
        Assert.Equal((0.5, 4.0), (q.MinDuration!.Value, q.MaxDuration!.Value));
        Assert.True(q.IsOneShot);
        Assert.Equal(StemOrigin.Imported, q.Origin);
        Assert.Equal(StemSort.Duration, q.Sort);
        Assert.True(q.Descending);
    }

    [Fact]
    public void ToQuery_UnknownKind_ListsTheKnownKinds()
    {
        var e = Assert.Throws<InvalidInputException>(() => StemFilters.ToQuery(new StemFilter { Kind = "drum" }, InUse));
        Assert.Contains("'drum'", e.Message, StringComparison.Ordinal);
        foreach (var k in new[] { "drums", "bass", "other", "vocals", "guitar", "piano", "fx" }) Assert.Contains(k, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToQuery_UnknownCategory_ListsTheCategoriesInUse()
    {
        var e = Assert.Throws<InvalidInputException>(() => StemFilters.ToQuery(new StemFilter { Category = "snare" }, InUse));
        Assert.Contains("'snare'", e.Message, StringComparison.Ordinal);
        Assert.Contains("808, kick, riser", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToQuery_CategoryInEmptyLibrary_SaysThereAreNoneYet()
    {
        var e = Assert.Throws<InvalidInputException>(() => StemFilters.ToQuery(new StemFilter { Category = "kick" }, []));
        Assert.Contains("no stems yet", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToQuery_WithoutKnownValues_ChecksSyntaxOnly()
    {
        Assert.Equal("snare", StemFilters.ToQuery(new StemFilter { Category = "Snare" }, inUse: null).Category);
        Assert.Throws<InvalidInputException>(() => StemFilters.ToQuery(new StemFilter { Bpm = "fast" }, inUse: null));
    }

    [Theory]
    [InlineData(-1.0, null)]
    [InlineData(null, -0.1)]
    [InlineData(5.0, 2.0)]
    public void ToQuery_BadLengths_Refused(double? min, double? max)
    {
        var e = Assert.Throws<InvalidInputException>(() => StemFilters.ToQuery(new StemFilter { MinDuration = min, MaxDuration = max }, InUse));
        Assert.Contains("length", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ToQuery_HalfDoubleWithoutTempo_SaysToGiveOne()
    {
        var e = Assert.Throws<InvalidInputException>(() => StemFilters.ToQuery(new StemFilter { HalfDouble = true }, InUse));
        Assert.Contains("BPM", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("H minor")]
    [InlineData("13A")]
    public void ToQuery_BadKey_NamesIt(string key)
    {
        var e = Assert.Throws<InvalidInputException>(() => StemFilters.ToQuery(new StemFilter { Key = key }, InUse));
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// "124" is [123.5, 124.5]; with half/double also [61.75, 62.25] and [247, 249]. Tempos on and just outside each
    /// edge: the expected sets follow from those intervals, written out by hand.
    /// </summary>
    [Fact]
    public void ListStems_SingleTempoWithHalfDouble_MatchesTheThreeIntervals()
    {
        using var dir = new TempDir("filter-bpm");
        using var store = CatalogStore.Open(dir.File("catalog.db"));
        double[] tempos = [61.7, 61.75, 62, 62.25, 62.3, 123.4, 123.5, 124, 124.5, 124.6, 246.9, 247, 249, 249.1];
        var ids = new Dictionary<double, long>();
        for (var i = 0; i < tempos.Length; i++)
        {
            var s = store.AddStem(Stem(i));
            store.SetDescriptors(s.Id, Descriptors(bpm: tempos[i]));
            ids[tempos[i]] = s.Id;
        }
        store.AddStem(Stem(99)); // no descriptors: never matches a tempo filter

        IEnumerable<double> Found(StemFilter f) =>
            store.ListStems(StemFilters.ToQuery(f, store.CountByCategory())).Select(s => ids.First(kv => kv.Value == s.Id).Key).Order();

        Assert.Equal([123.5, 124, 124.5], Found(new StemFilter { Bpm = "124" }));
        Assert.Equal([61.75, 62, 62.25, 123.5, 124, 124.5, 247, 249], Found(new StemFilter { Bpm = "124", HalfDouble = true }));
        Assert.Equal([61.7, 61.75, 62], Found(new StemFilter { Bpm = "-62" }));
        Assert.Equal([246.9, 247, 249, 249.1], Found(new StemFilter { Bpm = "246-" }));
        // An open range halved and doubled: ≥ 200 also finds ≥ 100 and ≥ 400, so everything from 123.4 up.
        Assert.Equal([123.4, 123.5, 124, 124.5, 124.6, 246.9, 247, 249, 249.1], Found(new StemFilter { Bpm = "200-", HalfDouble = true }));
    }

    [Fact]
    public void UpdateStem_FavouriteAndRating_AreKeptAndFiltered()
    {
        using var dir = new TempDir("filter-marks");
        using var store = CatalogStore.Open(dir.File("catalog.db"));
        var a = store.AddStem(Stem(1));
        var b = store.AddStem(Stem(2));
        var c = store.AddStem(Stem(3));
        Assert.False(a.Favourite);
        Assert.Null(a.Rating);
        store.UpdateStem(a.Id, favourite: true, rating: 5);
        store.UpdateStem(b.Id, rating: 3);
        store.UpdateStem(c.Id, rating: 2);
        store.UpdateStem(c.Id, rating: 0); // 0 removes the rating
        Assert.Equal((true, (int?)5), (store.GetStem(a.Id)!.Favourite, store.GetStem(a.Id)!.Rating));
        Assert.Null(store.GetStem(c.Id)!.Rating);

        long[] Ids(StemFilter f) => store.ListStems(StemFilters.ToQuery(f, store.CountByCategory())).Select(s => s.Id).ToArray();
        Assert.Equal([a.Id], Ids(new StemFilter { Favourites = true }));
        Assert.Equal([a.Id, b.Id], Ids(new StemFilter { MinRating = 3 }));
        Assert.Equal([b.Id, a.Id, c.Id], Ids(new StemFilter { Sort = "rating" })); // unrated last
        Assert.Throws<InvalidInputException>(() => store.UpdateStem(a.Id, rating: 6));
        Assert.Throws<InvalidInputException>(() => StemFilters.ToQuery(new StemFilter { MinRating = 0 }, null));
    }

    [Fact]
    public void UpdateStem_NameKindCategoryTagsAndMarks_OneChangeInTheLog()
    {
        using var dir = new TempDir("update-log");
        using var store = CatalogStore.Open(dir.File("catalog.db"));
        var s = store.AddStem(Stem(1, tags: ["old"]));
        var before = store.GetChangesSince(0).Count;
        var raised = 0;
        store.Changed += (_, _) => raised++;
        var after = store.UpdateStem(s.Id, kind: "Bass", category: "Sub", name: " Sub 1 ", tags: ["warm", "dark"], favourite: true, rating: 3);
        Assert.Equal(("Sub 1", "bass", "sub", true, (int?)3), (after.Name, after.Kind, after.Category, after.Favourite, after.Rating));
        Assert.Equal(["dark", "warm"], after.Tags);
        var log = store.GetChangesSince(0).Skip(before).ToList();
        var change = Assert.Single(log);
        Assert.Equal((CatalogChangeKind.StemUpdated, s.Id), (change.Kind, change.StemId));
        Assert.Equal(1, raised);
    }
}
