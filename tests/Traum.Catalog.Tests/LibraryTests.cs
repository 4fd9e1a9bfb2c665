using Traum.Audio;
using Traum.Audio.IO;
using Traum.Core;
using Traum.TestKit;
using static Traum.Catalog.Tests.CatalogFixtures;

namespace Traum.Catalog.Tests;

public sealed class LibraryTests
{
    [Fact]
    public void Open_NewFolder_CreatesLayout()
    {
        using var dir = new TempDir("lib");
        var root = Path.Combine(dir.Path, "nested", "lib");
        using var lib = Library.Open(root);
        foreach (var d in new[] { "stems", "tracks", "models", "generated" }) Assert.True(Directory.Exists(Path.Combine(root, d)), d);
        Assert.True(File.Exists(Path.Combine(root, "catalog.db")));
    }

    [Fact]
    public void Open_PathIsAFile_ThrowsInvalidInput()
    {
        using var dir = new TempDir("lib");
        File.WriteAllText(dir.File("f"), "x");
        Assert.Throws<InvalidInputException>(() => Library.Open(dir.File("f")));
    }

    [Fact]
    public void StoreStemFile_CopiesBytesToHashedPath_AndLeavesNoTemp()
    {
        using var dir = new TempDir("lib");
        using var lib = Library.Open(dir.File("lib"));
        var src = dir.File("Kick 01.WAV");
        var bytes = new byte[10_000];
        new Random(5).NextBytes(bytes);
        File.WriteAllBytes(src, bytes);
        var hash = Hash(9);
        var rel = lib.StoreStemFile(src, hash);
        Assert.Equal($"stems/{hash[..2]}/{hash}.wav", rel);
        Assert.Equal(bytes, File.ReadAllBytes(lib.GetFullPath(rel)));
        Assert.Single(Directory.EnumerateFiles(lib.StemsPath, "*", SearchOption.AllDirectories));
        Assert.True(File.Exists(src));
        // Same hash again: the stored file is kept as it is.
        File.WriteAllBytes(src, [1, 2, 3]);
        Assert.Equal(rel, lib.StoreStemFile(src, hash, moveSource: true));
        Assert.Equal(bytes, File.ReadAllBytes(lib.GetFullPath(rel)));
        Assert.False(File.Exists(src));
    }

    [Fact]
    public void StoreStemFile_MoveSource_RenamesTheFileIntoTheStore()
    {
        using var dir = new TempDir("lib");
        using var lib = Library.Open(dir.File("lib"));
        // A file inside the library folder (where generation and the server's separation write): one file system.
        var src = Path.Combine(lib.Root, "generated", "take.wav");
        Directory.CreateDirectory(Path.GetDirectoryName(src)!);
        var bytes = new byte[50_000];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(src, bytes);
        var length = new FileInfo(src).Length;
        var hash = Hash(4);
        var rel = lib.StoreStemFile(src, hash, moveSource: true);
        var stored = lib.GetFullPath(rel);
        Assert.Equal(bytes, File.ReadAllBytes(stored));
        Assert.False(File.Exists(src));
        Assert.Equal(length, new FileInfo(stored).Length);
        // Nothing left under a temporary name, and the store's file carries the store's own write time.
        Assert.Single(Directory.EnumerateFiles(lib.StemsPath, "*", SearchOption.AllDirectories));
        Assert.True(DateTime.UtcNow - File.GetLastWriteTimeUtc(stored) < TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void AtomicFileMoveInto_TargetExists_ReplacesItWhole()
    {
        using var dir = new TempDir("lib");
        var src = dir.File("a.bin");
        var target = dir.File("store/b.bin");
        File.WriteAllBytes(src, [1, 2, 3, 4]);
        Directory.CreateDirectory(dir.File("store"));
        File.WriteAllBytes(target, [9]);
        AtomicFile.MoveInto(src, target);
        Assert.Equal([1, 2, 3, 4], File.ReadAllBytes(target));
        Assert.False(File.Exists(src));
        Assert.Single(Directory.EnumerateFiles(dir.File("store")));
        Assert.Throws<FileNotFoundException>(() => AtomicFile.MoveInto(dir.File("missing.bin"), target));
        Assert.Equal([1, 2, 3, 4], File.ReadAllBytes(target));
    }

    [Fact]
    public void WriteStemAudio_FloatWav_RereadsToTheSameHash()
    {
        using var dir = new TempDir("lib");
        using var lib = Library.Open(dir.File("lib"));
        var buffer = new AudioBuffer([Signals.Sine(220, 0.2, 48000), Signals.WhiteNoise(0.2, 48000)], 48000);
        var (rel, hash) = lib.WriteStemAudio(buffer);
        Assert.Equal(ContentHasher.Of(buffer), hash);
        Assert.Equal(hash, ContentHasher.Of(AudioFile.Read(lib.GetFullPath(rel), TestContext.Current.CancellationToken)));
    }

    [Theory]
    [InlineData("../outside.wav")]
    [InlineData("/etc/passwd")]
    [InlineData("stems/../../x")]
    public void GetFullPath_EscapingPath_ThrowsInvalidInput(string rel)
    {
        using var dir = new TempDir("lib");
        using var lib = Library.Open(dir.File("lib"));
        Assert.Throws<InvalidInputException>(() => lib.GetFullPath(rel));
    }

    [Fact]
    public void DeleteStem_LastUser_RemovesFile_SharedKeepsIt()
    {
        using var dir = new TempDir("lib");
        using var lib = Library.Open(dir.File("lib"));
        var src = dir.File("a.wav");
        File.WriteAllBytes(src, [1, 2, 3, 4]);
        var rel = lib.StoreStemFile(src, Hash(1));
        var a = lib.Catalog.AddStem(Stem(1, file: rel));
        var b = lib.Catalog.AddStem(Stem(1, file: rel, origin: StemOrigin.Separated));
        Assert.True(lib.DeleteStem(a.Id).FileShared);
        Assert.True(File.Exists(lib.GetFullPath(rel)));
        Assert.False(lib.DeleteStem(b.Id).FileShared);
        Assert.False(File.Exists(lib.GetFullPath(rel)));
    }

    [Fact]
    public void AtomicWrite_WriterThrows_LeavesNeitherTempNorFinal()
    {
        using var dir = new TempDir("atomic");
        var final = dir.File("out.bin");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(final, temp =>
        {
            File.WriteAllBytes(temp, [1, 2, 3]);
            throw new InvalidOperationException("disk full");
        }));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void AtomicWrite_FolderRemovedBeforeTheFirstByte_IsMadeAgainAndTheWriteCompletes()
    {
        // What the doctor's removal of an empty store folder does to an ingest that just created it.
        using var dir = new TempDir("atomic");
        var final = dir.File("stems/ab/out.bin");
        var calls = 0;
        AtomicFile.Write(final, temp =>
        {
            if (calls++ == 0) Directory.Delete(Path.GetDirectoryName(temp)!);
            File.WriteAllBytes(temp, [1, 2, 3]);
        });
        Assert.Equal(2, calls);
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(final));
        Assert.Equal(new[] { final }, Directory.EnumerateFiles(Path.GetDirectoryName(final)!));
    }

    [Fact]
    public void AtomicWrite_ExistingFile_IsReplacedWhole()
    {
        using var dir = new TempDir("atomic");
        var final = dir.File("out.txt");
        File.WriteAllText(final, "old content that is longer");
        AtomicFile.WriteAllText(final, "new");
        Assert.Equal("new", File.ReadAllText(final));
        Assert.Equal(new[] { final }, Directory.EnumerateFiles(dir.Path));
    }
}
