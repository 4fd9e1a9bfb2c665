using System.Text.Json;
using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.TestKit;
using Xunit;

namespace Traum.Cli.Tests.Commands;

[Collection("Console")]
public sealed class CatalogCommandsTests : IDisposable
{
    private readonly TempDir _dir = new("cli-catalog");

    public void Dispose() => _dir.Dispose();

    private string Lib => _dir.File("lib");

    private string Samples(int kicks = 2, int pads = 1)
    {
        var root = _dir.File("samples");
        for (var i = 0; i < kicks; i++) Write(Path.Combine(root, "Kicks", $"k{i}.wav"), 60 + (i * 10), 0.3);
        for (var i = 0; i < pads; i++) Write(Path.Combine(root, $"Warm Pad {i}.wav"), 220 + (i * 5), 1.5);
        return root;
    }

    private static void Write(string path, double hz, double seconds)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AudioFile.Write(path, new AudioBuffer([Signals.Sine(hz, seconds, 44100)], 44100), new AudioWriteOptions(SampleFormat.Pcm16));
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public async Task Ingest_FolderTwice_SecondRunSaysNothingNew()
    {
        var root = Samples();
        var first = await CatalogCli.RunAsync("ingest", root, "--recursive", "--library", Lib);
        Assert.True(first.ExitCode == 0, first.Err);
        Assert.Contains("Added 3 stem(s)", first.Out, StringComparison.Ordinal);
        var second = await CatalogCli.RunAsync("ingest", root, "-r", "--library", Lib);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("Nothing new: all 3 file(s) are already in the library.", second.Out, StringComparison.Ordinal);
        // Each known file is named with the stem it is.
        foreach (var f in Directory.EnumerateFiles(root, "*.wav", SearchOption.AllDirectories))
        {
            Assert.Contains($"already in the library: {f} (stem ", second.Err, StringComparison.Ordinal);
        }
        using var lib = Library.Open(Lib);
        Assert.Equal(3, lib.Catalog.CountStems());
    }

    [Fact]
    public async Task Ingest_InPlace_ThenMoved_DoctorRelinksIt()
    {
        var root = Samples(kicks: 1, pads: 1);
        var r = await CatalogCli.RunAsync("ingest", root, "-r", "--in-place", "--library", Lib);
        Assert.True(r.ExitCode == 0, r.Err);
        using (var lib = Library.Open(Lib))
        {
            Assert.Empty(Directory.EnumerateFiles(lib.StemsPath, "*", SearchOption.AllDirectories));
            Assert.All(lib.Catalog.ListStems(), s => Assert.StartsWith(root, s.FilePath, StringComparison.Ordinal));
        }
        var moved = _dir.File("moved");
        Directory.Move(root, moved);
        var check = await CatalogCli.RunAsync("doctor", "--library", Lib);
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("doctor --relink FOLDER", check.Out, StringComparison.Ordinal);
        var repair = await CatalogCli.RunAsync("doctor", "--repair", "--library", Lib);
        Assert.Equal(1, repair.ExitCode); // the moved files are not repaired away
        var relink = await CatalogCli.RunAsync("doctor", "--relink", moved, "--library", Lib, "--json");
        Assert.True(relink.ExitCode == 0, relink.Out + relink.Err);
        Assert.Equal(2, Json(relink.Out).GetProperty("relinked").GetArrayLength());
        using var again = Library.Open(Lib);
        Assert.Equal(2, again.Catalog.CountStems());
        Assert.All(again.Catalog.ListStems(), s => Assert.True(File.Exists(s.FilePath) && s.FilePath.StartsWith(moved, StringComparison.Ordinal)));
        Assert.Contains("stem(s) indexed in place lost their file; run 'traum doctor --relink FOLDER'", check.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("run 'traum doctor --repair' to fix them", check.Out, StringComparison.Ordinal);

        // Removing an in-place stem says the file stays, and it does.
        var first = again.Catalog.ListStems()[0];
        var rm = await CatalogCli.RunAsync("stems", "rm", first.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--library", Lib);
        Assert.True(rm.ExitCode == 0, rm.Err);
        Assert.Contains("your file stays where it is", rm.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(first.FilePath));
    }

    [Fact]
    public async Task Ingest_WithUnreadableFile_ReportsItAndExitsOne()
    {
        var root = Samples(kicks: 1, pads: 0);
        var bad = Path.Combine(root, "broken.wav");
        File.WriteAllBytes(bad, [0x52, 0x49, 0x46, 0x46, 1, 2, 3]);
        var r = await CatalogCli.RunAsync("ingest", root, "-r", "--library", Lib, "--json");
        Assert.Equal(1, r.ExitCode);
        var s = Json(r.Out);
        Assert.Equal(1, s.GetProperty("added").GetInt32());
        Assert.Equal(1, s.GetProperty("failed").GetInt32());
        Assert.Equal(bad, s.GetProperty("failures")[0].GetProperty("path").GetString());
        var plain = await CatalogCli.RunAsync("ingest", bad, "--library", Lib);
        Assert.Equal(1, plain.ExitCode);
        Assert.Contains($"failed: {bad}: ", plain.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_KindAndCategoryFlags_AreRecorded()
    {
        var root = Samples(kicks: 1, pads: 1);
        var r = await CatalogCli.RunAsync("ingest", root, "-r", "--kind", "Bass", "--category", "Reese", "--library", Lib);
        Assert.Equal(0, r.ExitCode);
        var list = Json((await CatalogCli.RunAsync("stems", "list", "--json", "--library", Lib)).Out);
        Assert.Equal(2, list.GetArrayLength());
        Assert.All(list.EnumerateArray(), s => Assert.Equal(("bass", "reese"), (s.GetProperty("kind").GetString(), s.GetProperty("category").GetString())));
    }

    [Fact]
    public async Task StemsList_Filters_AndTableOutput()
    {
        await CatalogCli.RunAsync("ingest", Samples(kicks: 3, pads: 2), "-r", "--library", Lib);
        var kicks = Json((await CatalogCli.RunAsync("stems", "list", "--category", "kick", "--json", "--library", Lib)).Out);
        Assert.Equal(3, kicks.GetArrayLength());
        var longOnes = Json((await CatalogCli.RunAsync("stems", "list", "--min-duration", "1", "--sort", "name", "--desc", "--json", "--library", Lib)).Out);
        Assert.Equal(new[] { "Warm Pad 1", "Warm Pad 0" }, longOnes.EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        var table = await CatalogCli.RunAsync("stems", "list", "--kind", "other", "--library", Lib);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("Warm Pad 0", table.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("k0", table.Out, StringComparison.Ordinal);
        var none = await CatalogCli.RunAsync("stems", "list", "--kind", "vocals", "--library", Lib);
        Assert.Contains("No stems match these filters.", none.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bpm", "fast")]
    [InlineData("--key", "H minor")]
    [InlineData("--origin", "stolen")]
    [InlineData("--sort", "colour")]
    public async Task StemsList_BadFilter_ExitsOneWithMessage(string option, string value)
    {
        var r = await CatalogCli.RunAsync("stems", "list", option, value, "--library", Lib);
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("traum: ", r.Err, StringComparison.Ordinal);
        Assert.Contains(value, r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StemsShowTagSetRm_RoundTrip()
    {
        await CatalogCli.RunAsync("ingest", Samples(kicks: 1, pads: 0), "-r", "--library", Lib);
        long id;
        string file;
        using (var lib = Library.Open(Lib))
        {
            var stem = lib.Catalog.ListStems().Single();
            id = stem.Id;
            file = lib.GetFullPath(stem.FilePath);
        }
        var ids = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, (await CatalogCli.RunAsync("stems", "tag", ids, "punchy", "dark", "--library", Lib)).ExitCode);
        Assert.Equal(0, (await CatalogCli.RunAsync("stems", "untag", ids, "dark", "--library", Lib)).ExitCode);
        // A tag the stem does not have is reported; removing only such tags changes nothing and exits 1.
        var notThere = await CatalogCli.RunAsync("stems", "untag", ids, "dark", "--library", Lib);
        Assert.Equal(1, notThere.ExitCode);
        Assert.Contains("had no tag 'dark'", notThere.Err, StringComparison.Ordinal);
        var some = await CatalogCli.RunAsync("stems", "untag", ids, "missing", "--json", "--library", Lib);
        Assert.Equal(["missing"], Json(some.Out).GetProperty("notTagged").EnumerateArray().Select(t => t.GetString()!));
        Assert.Equal(0, (await CatalogCli.RunAsync("stems", "set", ids, "--category", "808", "--kind", "bass", "--library", Lib)).ExitCode);
        var shown = Json((await CatalogCli.RunAsync("stems", "show", ids, "--json", "--library", Lib)).Out).GetProperty("stem");
        Assert.Equal(["punchy"], shown.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!));
        Assert.Equal("808", shown.GetProperty("category").GetString());
        Assert.Equal(file, shown.GetProperty("file").GetString());
        using (var lib = Library.Open(Lib))
        {
            lib.Catalog.SetProfile(id, new Core.SemanticProfile("clap-test", new Dictionary<string, IReadOnlyList<Core.ProfileScore>>
            {
                ["energy"] = [new("calm", 0.25, 10), new("intense", 0.75, 90)],
            }));
        }
        var table = await CatalogCli.RunAsync("stems", "show", ids, "--library", Lib);
        Assert.Contains("content hash", table.Out, StringComparison.Ordinal);
        Assert.Contains("semantic profile (clap-test)", table.Out, StringComparison.Ordinal);
        Assert.Contains("intense  ███████████████░░░░░  0.75  p90", table.Out, StringComparison.Ordinal);

        // Unknown ids are all named and nothing is removed.
        var unknown = await CatalogCli.RunAsync("stems", "rm", ids, "99998", "99999", "--library", Lib);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no stems 99998, 99999 in this library, so nothing was removed", unknown.Err, StringComparison.Ordinal);
        Assert.True(File.Exists(file));

        var rm = await CatalogCli.RunAsync("stems", "rm", ids, "--library", Lib);
        Assert.Equal(0, rm.ExitCode);
        Assert.Contains("file deleted", rm.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
        var again = await CatalogCli.RunAsync("stems", "show", ids, "--library", Lib);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains($"no stem {ids}", again.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StemsSet_FavouriteAndRating_ListedAndFiltered()
    {
        await CatalogCli.RunAsync("ingest", Samples(kicks: 3, pads: 0), "-r", "--library", Lib);
        var all = Json((await CatalogCli.RunAsync("stems", "list", "--sort", "id", "--json", "--library", Lib)).Out).EnumerateArray()
            .Select(s => s.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(0, (await CatalogCli.RunAsync("stems", "set", all[0], "--favourite", "true", "--rating", "5", "--library", Lib)).ExitCode);
        Assert.Equal(0, (await CatalogCli.RunAsync("stems", "set", all[1], "--rating", "3", "--library", Lib)).ExitCode);
        IEnumerable<string> Ids(string text) => Json(text).EnumerateArray().Select(s => s.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal([all[0]], Ids((await CatalogCli.RunAsync("stems", "list", "--favourites", "--json", "--library", Lib)).Out));
        Assert.Equal([all[0], all[1]], Ids((await CatalogCli.RunAsync("stems", "list", "--min-rating", "3", "--json", "--library", Lib)).Out));
        Assert.Equal([all[0], all[1], all[2]], Ids((await CatalogCli.RunAsync("stems", "list", "--sort", "rating", "--desc", "--json", "--library", Lib)).Out));
        var table = await CatalogCli.RunAsync("stems", "list", "--sort", "id", "--library", Lib);
        Assert.Contains("fav 5/5", table.Out, StringComparison.Ordinal);
        var bad = await CatalogCli.RunAsync("stems", "set", all[2], "--rating", "6", "--library", Lib);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("1 to 5 stars", bad.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TracksListAndShow_ShowTrackWithItsStems()
    {
        var sep = _dir.File("sep");
        Write(Path.Combine(sep, "drums.wav"), 80, 0.5);
        long trackId;
        using (var lib = Library.Open(Lib))
        {
            trackId = lib.Catalog.AddTrack(new NewTrack { Name = "Song", SourcePath = "/music/song.flac", Format = "flac", Duration = 200, ContentHash = new string('c', 64) }).Id;
            var audio = AudioFile.Read(Path.Combine(sep, "drums.wav"), TestContext.Current.CancellationToken);
            var hash = ContentHasher.Of(audio);
            lib.Catalog.AddStem(new NewStem
            {
                Name = "drums", Kind = "drums", Category = "drums", Origin = Core.StemOrigin.Separated, TrackId = trackId,
                FilePath = lib.StoreStemFile(Path.Combine(sep, "drums.wav"), hash), ContentHash = hash, SampleRate = 44100, Channels = 1, Duration = 0.5,
            });
        }
        var list = Json((await CatalogCli.RunAsync("tracks", "list", "--json", "--library", Lib)).Out);
        Assert.Equal(1, list[0].GetProperty("stems").GetInt32());
        var show = await CatalogCli.RunAsync("tracks", "show", trackId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--library", Lib);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("/music/song.flac", show.Out, StringComparison.Ordinal);
        Assert.Contains("drums", show.Out, StringComparison.Ordinal);
        Assert.Equal(1, (await CatalogCli.RunAsync("tracks", "show", "999", "--library", Lib)).ExitCode);
    }

    [Fact]
    public async Task Doctor_OrphanAndTemp_FoundThenRepaired()
    {
        await CatalogCli.RunAsync("ingest", Samples(kicks: 1, pads: 0), "-r", "--library", Lib);
        string orphan;
        using (var lib = Library.Open(Lib))
        {
            var src = _dir.File("lost.wav");
            Write(src, 440, 0.2);
            orphan = lib.StoreStemFile(src, ContentHasher.Of(AudioFile.Read(src, TestContext.Current.CancellationToken)));
            File.WriteAllText(Path.Combine(lib.StemsPath, ".traum-half.wav.1.tmp"), "half");
        }
        var check = await CatalogCli.RunAsync("doctor", "--grace", "0", "--library", Lib);
        Assert.Equal(1, check.ExitCode);
        Assert.Contains(orphan, check.Out, StringComparison.Ordinal);
        Assert.Contains(".traum-half.wav.1.tmp", check.Out, StringComparison.Ordinal);
        Assert.Contains("traum doctor --repair", check.Out, StringComparison.Ordinal);
        var repair = await CatalogCli.RunAsync("doctor", "--repair", "--grace", "0", "--library", Lib);
        Assert.Equal(0, repair.ExitCode);
        var after = Json((await CatalogCli.RunAsync("doctor", "--grace", "0", "--json", "--library", Lib)).Out);
        Assert.True(after.GetProperty("healthy").GetBoolean());
        using var lib2 = Library.Open(Lib);
        Assert.Equal(1, lib2.Catalog.CountStems());
    }
}
