using Microsoft.Data.Sqlite;
using Traum.Core;
using Traum.TestKit;
using static Traum.Catalog.Tests.CatalogFixtures;

namespace Traum.Catalog.Tests;

public sealed class StemIdentityTests
{
    [Fact]
    public void Open_Version2CatalogWithDuplicates_MergesIntoOldestKeepingTagsAndAnalysis()
    {
        using var dir = new TempDir("identity");
        var path = dir.File("catalog.db");
        long keeper, dup1, dup2, other;
        using (var old = CatalogStore.Open(path, Schema.Migrations.Take(2).ToList()))
        {
            // Version 2 had no identity constraint: concurrent ingests left three rows of one sound.
            keeper = old.AddStem(Stem(1, tags: ["a"])).Id;
            dup1 = old.AddStem(Stem(1, tags: ["b"])).Id;
            dup2 = old.AddStem(Stem(1)).Id;
            other = old.AddStem(Stem(2)).Id;
            // Written as a version-2 build did: the descriptors table only.
            using (var c = old.Connect())
            {
                CatalogStore.Exec(c, null, "INSERT INTO descriptors (stem_id, duration, bpm, is_one_shot) VALUES ($s, 1, 124, 0);", ("$s", dup1));
            }
            old.SetEmbedding(dup2, new Embedding("clap", [1f, 0f, 0f]));
        }
        using var store = CatalogStore.Open(path);
        var seqBefore = 0L;
        Assert.Equal(new[] { keeper, other }, store.ListStems().Select(s => s.Id).Order());
        var kept = store.GetStem(keeper)!;
        Assert.Equal(new[] { "a", "b" }, kept.Tags.Order());
        Assert.Equal(124, store.GetDescriptors(keeper)!.Bpm);
        Assert.Equal(new[] { 1f, 0f, 0f }, store.GetEmbedding(keeper, "clap")!.Vector);
        var changes = store.GetChangesSince(seqBefore);
        Assert.Contains(changes, c => c.Kind == CatalogChangeKind.StemRemoved && c.StemId == dup1);
        Assert.Contains(changes, c => c.Kind == CatalogChangeKind.StemRemoved && c.StemId == dup2);
        Assert.Contains(changes, c => c.Kind == CatalogChangeKind.EmbeddingSet && c.StemId == keeper && c.ModelId == "clap");
        Assert.Throws<StemExistsException>(() => store.AddStem(Stem(1)));
    }
}
