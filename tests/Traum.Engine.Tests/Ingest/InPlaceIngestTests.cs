using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Engine.Ingest;
using Traum.TestKit;
using Xunit;
using static Traum.Engine.Tests.Ingest.IngestTestKit;

namespace Traum.Engine.Tests.Ingest;

public sealed class InPlaceIngestTests : IDisposable
{
    private readonly TempDir _dir = new("in-place");
    private readonly Library _lib;

    public InPlaceIngestTests() => _lib = Library.Open(_dir.File("lib"));

    public void Dispose()
    {
        _lib.Dispose();
        _dir.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private StemIngester Ingester() => new(_lib, [new DescriptorStemAnalyzer(FakeDescribe)]);

    private static int StoredFiles(Library lib) => Directory.EnumerateFiles(lib.StemsPath, "*", SearchOption.AllDirectories).Count();

    [Fact]
    public void InPlace_RefersToTheUsersFile_AndCopiesNothing()
    {
        var src = _dir.File("samples/Kick 01.wav");
        WriteSound(src, 1);
        var r = Ingester().Ingest(new IngestItem(src) { InPlace = true }, Ct);
        Assert.Equal(IngestStatus.Added, r.Status);
        Assert.Equal(Path.GetFullPath(src), r.Stem!.FilePath);
        Assert.True(Library.IsInPlace(r.Stem.FilePath));
        Assert.Equal(Path.GetFullPath(src), _lib.ResolveFile(r.Stem.FilePath));
        Assert.Equal(0, StoredFiles(_lib));
        Assert.NotNull(_lib.Catalog.GetDescriptors(r.Stem.Id));

        // Copying stays the default.
        var other = _dir.File("samples/Snare 01.wav");
        WriteSound(other, 2);
        var copied = Ingester().Ingest(new IngestItem(other), Ct);
        Assert.False(Library.IsInPlace(copied.Stem!.FilePath));
        Assert.Equal(1, StoredFiles(_lib));
    }

    [Fact]
    public void DeletingAnInPlaceStem_NeverDeletesTheUsersFile()
    {
        var src = _dir.File("samples/a.wav");
        WriteSound(src, 3);
        var stem = Ingester().Ingest(new IngestItem(src) { InPlace = true }, Ct).Stem!;
        _lib.DeleteStem(stem.Id);
        Assert.Null(_lib.Catalog.GetStem(stem.Id));
        Assert.True(File.Exists(src));
    }

    [Fact]
    public void MovedFile_IsKeptByTheDoctor_AndFoundAgainByContentHash()
    {
        var src = _dir.File("samples/loops/Bass 120.wav");
        WriteSound(src, 4, seconds: 0.5);
        WriteSound(_dir.File("samples/loops/other.wav"), 5);
        var stem = Ingester().Ingest(new IngestItem(src) { InPlace = true }, Ct).Stem!;

        // The user reorganises: the file moves and is renamed; a different sound sits beside it, and a non-audio file.
        var moved = _dir.File("sorted/bass/renamed.wav");
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        File.Move(src, moved);
        File.WriteAllText(_dir.File("sorted/notes.txt"), "not audio");
        WriteSound(_dir.File("sorted/bass/different.wav"), 6);

        var report = new LibraryDoctor(_lib).Run(repair: true, cancellationToken: Ct);
        Assert.Contains(report.MissingStemFiles, s => s.Id == stem.Id);
        Assert.NotNull(_lib.Catalog.GetStem(stem.Id)); // an in-place row is never dropped for a missing file

        var relinked = new StemRelinker(_lib).Relink([_dir.File("sorted")], Ct);
        var r = Assert.Single(relinked);
        Assert.Equal((stem.Id, Path.GetFullPath(moved)), (r.StemId, r.To));
        Assert.Equal(Path.GetFullPath(moved), _lib.Catalog.GetStem(stem.Id)!.FilePath);
        Assert.Equal(stem.ContentHash, Traum.Audio.ContentHasher.Of(AudioFile.Read(_lib.ResolveFile(_lib.Catalog.GetStem(stem.Id)!.FilePath), Ct)));
        Assert.Empty(new LibraryDoctor(_lib).Run(repair: false, cancellationToken: Ct).MissingStemFiles);
        Assert.Empty(new StemRelinker(_lib).Relink([_dir.File("sorted")], Ct)); // nothing missing any more
    }

    [Fact]
    public void InPlaceIngestOfAMovedFile_MovesTheStemWithIt()
    {
        var src = _dir.File("a/kick.wav");
        WriteSound(src, 7);
        var stem = Ingester().Ingest(new IngestItem(src) { InPlace = true }, Ct).Stem!;
        var moved = _dir.File("b/kick renamed.wav");
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        File.Move(src, moved);
        var again = Ingester().Ingest(new IngestItem(moved) { InPlace = true }, Ct);
        Assert.Equal(IngestStatus.Duplicate, again.Status);
        Assert.Equal(stem.Id, again.Stem!.Id);
        Assert.Equal(Path.GetFullPath(moved), _lib.Catalog.GetStem(stem.Id)!.FilePath);
        Assert.Equal(1, _lib.Catalog.CountStems());
    }

    [Fact]
    public void Relink_UnknownFolder_SaysWhatToName() =>
        Assert.Contains("no such folder", Assert.Throws<Core.InvalidInputException>(() => new StemRelinker(_lib).Relink([_dir.File("nope")], Ct)).Message, StringComparison.Ordinal);
}
