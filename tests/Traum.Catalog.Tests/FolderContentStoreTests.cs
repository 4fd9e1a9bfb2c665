using Traum.Core;
using Traum.TestKit;
using Xunit;

namespace Traum.Catalog.Tests;

/// <summary>The folder implementation of the content-store port that the catalog's relative paths name.</summary>
public sealed class FolderContentStoreTests : IDisposable
{
    private readonly TempDir _dir = new("store");

    public void Dispose() => _dir.Dispose();

    private string Source(string name, byte[] bytes)
    {
        var path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Put_CopyAndMove_StoreTheBytesUnderTheKey()
    {
        IContentStore store = new FolderContentStore(_dir.File("root"));
        var copied = Source("a.wav", [1, 2, 3]);
        store.Put("stems/aa/a.wav", copied, moveSource: false);
        Assert.True(store.Exists("stems/aa/a.wav"));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(store.LocalPath("stems/aa/a.wav")));
        Assert.True(File.Exists(copied));

        var moved = Source("b.wav", [4, 5]);
        store.Put("tracks/bb/b.wav", moved, moveSource: true);
        Assert.Equal([4, 5], File.ReadAllBytes(store.LocalPath("tracks/bb/b.wav")));
        Assert.False(File.Exists(moved));
        Assert.Equal(Path.Combine(_dir.File("root"), "tracks", "bb", "b.wav"), store.LocalPath("tracks/bb/b.wav"));
    }

    [Fact]
    public void Put_KeyThatExists_KeepsTheStoredContent()
    {
        IContentStore store = new FolderContentStore(_dir.File("root"));
        store.Put("stems/cc/c.wav", Source("c1.wav", [7, 7]), moveSource: false);
        var second = Source("c2.wav", [8]);
        store.Put("stems/cc/c.wav", second, moveSource: true);
        // Content-addressed: the same key is the same content, so the first copy stays and the moved source is gone.
        Assert.Equal([7, 7], File.ReadAllBytes(store.LocalPath("stems/cc/c.wav")));
        Assert.False(File.Exists(second));
    }

    [Fact]
    public void Delete_RemovesTheContent_AndAMissingKeyIsNoError()
    {
        IContentStore store = new FolderContentStore(_dir.File("root"));
        store.Put("stems/dd/d.wav", Source("d.wav", [1]), moveSource: false);
        store.Delete("stems/dd/d.wav");
        Assert.False(store.Exists("stems/dd/d.wav"));
        store.Delete("stems/dd/d.wav");
    }

    [Theory]
    [InlineData("../outside.wav")]
    [InlineData("stems/../../outside.wav")]
    [InlineData("/etc/passwd")]
    public void LocalPath_KeyOutsideTheStore_IsRefused(string key)
    {
        IContentStore store = new FolderContentStore(_dir.File("root"));
        var e = Assert.Throws<InvalidInputException>(() => store.LocalPath(key));
        Assert.Contains("is outside the library", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidInputException>(() => store.Put(key, Source("x.wav", [1]), moveSource: false));
        Assert.False(File.Exists(_dir.File("outside.wav")));
    }
}
