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
            // Version 2 had no identity constraint: concurrent ingests left three rows of one sound. Rows are written
            // with SQL as a version-2 build did (today's AddStem reads columns that version 2 does not have).
            keeper = AddAtVersion2(old, 1, "a");
            dup1 = AddAtVersion2(old, 1, "b");
            dup2 = AddAtVersion2(old, 1);
            other = AddAtVersion2(old, 2);
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

    private static long AddAtVersion2(CatalogStore old, int n, params string[] tags)
    {
        using var c = old.Connect();
        CatalogStore.Exec(c, null,
            "INSERT INTO stems (name, kind, category, origin, file_path, content_hash, sample_rate, channels, duration, created_at) " +
            "VALUES ($n, 'drums', 'kick', 'imported', $f, $h, 44100, 2, 1.0, '2024-01-02T03:04:05.0000000Z');",
            ("$n", $"stem {n}"), ("$f", Library.StemFileName(Hash(n), ".wav")), ("$h", Hash(n)));
        using var last = new Microsoft.Data.Sqlite.SqliteCommand("SELECT last_insert_rowid();", c);
        var id = Convert.ToInt64(last.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        foreach (var t in tags) CatalogStore.Exec(c, null, "INSERT INTO stem_tags (stem_id, tag) VALUES ($s, $t);", ("$s", id), ("$t", t));
        return id;
    }
}
