using Traum.Core;
using static Traum.Catalog.Tests.CatalogFixtures;

namespace Traum.Catalog.Tests.Contract;

/// <summary>Content identity: one row per sound, origin and track or generation, also under concurrent adds.</summary>
public abstract partial class CatalogContractTests
{
    [Fact]
    public void AddStem_SameSoundTwice_SecondGetsTheFirst()
    {
        var store = _store;
        var first = store.AddStem(Stem(1));
        var e = Assert.Throws<StemExistsException>(() => store.AddStem(Stem(1) with { Name = "again" }));
        Assert.Equal(first.Id, e.Existing.Id);
        Assert.Equal(1, store.CountStems());
    }

    [Fact]
    public void AddStem_SameSoundOfTwoTracks_AreTwoStems()
    {
        var store = _store;
        var t1 = store.AddTrack(new NewTrack { Name = "a", SourcePath = "/a.wav", Format = "wav", Duration = 1, ContentHash = Hash(100) });
        var t2 = store.AddTrack(new NewTrack { Name = "b", SourcePath = "/b.wav", Format = "wav", Duration = 1, ContentHash = Hash(101) });
        store.AddStem(Stem(1, origin: StemOrigin.Separated, trackId: t1.Id));
        store.AddStem(Stem(1, origin: StemOrigin.Separated, trackId: t2.Id));
        Assert.Throws<StemExistsException>(() => store.AddStem(Stem(1, origin: StemOrigin.Separated, trackId: t2.Id)));
        Assert.Equal(2, store.CountStems());
    }

    [Fact]
    public void AddStem_ConcurrentAddsOfOneSound_OneRowWins()
    {
        var store = _store;
        var added = 0;
        var existed = 0;
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            try
            {
                store.AddStem(Stem(i % 8));
                Interlocked.Increment(ref added);
            }
            catch (StemExistsException)
            {
                Interlocked.Increment(ref existed);
            }
        });
        Assert.Equal(8, added);
        Assert.Equal(56, existed);
        Assert.Equal(8, store.CountStems());
    }
}
