using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Traum.Catalog.Vectors;

/// <summary>
/// The vectors of a <see cref="VectorIndex"/> saved to one file, so that a process that searches once (the command
/// line) reads them in one sequential pass instead of row by row from the catalog, then applies the catalog's changes
/// since the version the file names.
/// </summary>
/// <remarks>
/// Layout, little-endian: "TRAUMV01", dimension (int32), count (int32), catalog version (int64), the catalog's stamp
/// of that version (int64, see <see cref="SnapshotStamp"/>), the model id's length in bytes (int32) and its UTF-8, the
/// ids (count × int64), the normalised rows (count × dimension × float32), and XXH3-64 of everything before it. A file
/// of another length, magic, model (file names of model ids can collide) or dimension, or with a wrong hash, is ignored
/// (the index is then loaded from the catalog and the file written again).
/// </remarks>
public sealed partial class VectorIndex
{
    private static ReadOnlySpan<byte> SnapshotMagic => "TRAUMV01"u8;
    private const int SnapshotHeader = 8 + 4 + 4 + 8 + 8 + 4;

    /// <summary>Where this index's vectors are saved, or null when they are not (<see cref="VectorIndexOptions.GraphDirectory"/>).</summary>
    /// <remarks>The name carries a hash of the model id, so ids that map to the same safe name ("a:b", "a_b") keep apart.</remarks>
    internal string? SnapshotFile => Options.GraphDirectory is { } dir
        ? Path.Combine(dir, $"{SafeName(ModelId)}-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ModelId)))[..8]}.vectors")
        : null;

    /// <summary>
    /// Writes every held vector, with <see cref="CatalogVersion"/> and <paramref name="stamp"/>, to
    /// <see cref="SnapshotFile"/> (a temporary name renamed over it, so readers see the old file or the new one).
    /// Returns false when the file could not be written (the index is unaffected; the next process reads the catalog).
    /// </summary>
    internal bool SaveSnapshot(SnapshotStamp stamp)
    {
        if (SnapshotFile is not { } file || !BitConverter.IsLittleEndian) return false;
        _lock.EnterReadLock();
        try
        {
            var version = CatalogVersion;
            if (version != stamp.CatalogVersion) return false;
            AtomicFile.Write(file, temp =>
            {
                using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
                var hash = new XxHash3();
                void Put(ReadOnlySpan<byte> bytes)
                {
                    hash.Append(bytes);
                    stream.Write(bytes);
                }
                Span<byte> header = stackalloc byte[SnapshotHeader];
                SnapshotMagic.CopyTo(header);
                BinaryPrimitives.WriteInt32LittleEndian(header[8..], Dimension);
                BinaryPrimitives.WriteInt32LittleEndian(header[12..], _count);
                BinaryPrimitives.WriteInt64LittleEndian(header[16..], stamp.CatalogVersion);
                BinaryPrimitives.WriteInt64LittleEndian(header[24..], stamp.Ticks);
                var model = System.Text.Encoding.UTF8.GetBytes(ModelId);
                BinaryPrimitives.WriteInt32LittleEndian(header[32..], model.Length);
                Put(header);
                Put(model);
                Put(MemoryMarshal.AsBytes(_ids.AsSpan(0, _count)));
                for (var start = 0; start < _count; start += BlockRows)
                {
                    var rows = Math.Min(BlockRows, _count - start);
                    Put(MemoryMarshal.AsBytes(_exact[start / BlockRows].AsSpan(0, rows * Dimension)));
                }
                Span<byte> trailer = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(trailer, hash.GetCurrentHashAsUInt64());
                stream.Write(trailer);
            });
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>
    /// Fills this empty index from <see cref="SnapshotFile"/> and returns the stamp it was saved with, or null (index
    /// left empty) when there is no file or it is not a complete, intact snapshot of vectors of this dimension.
    /// <see cref="CatalogVersion"/> is set to the file's; the caller checks the stamp against the catalog and applies
    /// the changes since.
    /// </summary>
    internal SnapshotStamp? TryLoadSnapshot()
    {
        if (SnapshotFile is not { } file || !BitConverter.IsLittleEndian) return null;
        _lock.EnterWriteLock();
        try
        {
            if (_count != 0) return null;
            using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
            var length = RandomAccess.GetLength(handle);
            Span<byte> header = stackalloc byte[SnapshotHeader];
            if (length < SnapshotHeader + 8 || RandomAccess.Read(handle, header, 0) != SnapshotHeader || !header[..8].SequenceEqual(SnapshotMagic)) return null;
            var dimension = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
            var count = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
            var stamp = new SnapshotStamp(BinaryPrimitives.ReadInt64LittleEndian(header[16..]), BinaryPrimitives.ReadInt64LittleEndian(header[24..]));
            var expectedModel = System.Text.Encoding.UTF8.GetBytes(ModelId);
            var modelLength = BinaryPrimitives.ReadInt32LittleEndian(header[32..]);
            if (dimension != Dimension || count < 0 || modelLength != expectedModel.Length
                || length != SnapshotHeader + modelLength + count * (8L + 4L * dimension) + 8) return null;
            var model = new byte[modelLength];
            if (RandomAccess.Read(handle, model, SnapshotHeader) != modelLength || !model.AsSpan().SequenceEqual(expectedModel)) return null;
            var hash = new XxHash3();
            hash.Append(header);
            hash.Append(model);
            long offset = SnapshotHeader + modelLength;
            bool ReadExactly(Span<byte> into)
            {
                while (!into.IsEmpty)
                {
                    var n = RandomAccess.Read(handle, into, offset);
                    if (n <= 0) return false;
                    hash.Append(into[..n]);
                    offset += n;
                    into = into[n..];
                }
                return true;
            }
            EnsureCapacity(Math.Max(count, 1));
            if (!ReadExactly(MemoryMarshal.AsBytes(_ids.AsSpan(0, count)))) return Discard();
            for (var start = 0; start < count; start += BlockRows)
            {
                var rows = Math.Min(BlockRows, count - start);
                if (!ReadExactly(MemoryMarshal.AsBytes(_exact[start / BlockRows].AsSpan(0, rows * Dimension)))) return Discard();
            }
            Span<byte> trailer = stackalloc byte[8];
            if (RandomAccess.Read(handle, trailer, offset) != 8 || BinaryPrimitives.ReadUInt64LittleEndian(trailer) != hash.GetCurrentHashAsUInt64()) return Discard();
            for (var slot = 0; slot < count; slot++)
            {
                if (!_slotOf.TryAdd(_ids[slot], slot)) return Discard();
                var row = ExactRow(slot);
                switch (Options.Storage)
                {
                    case VectorStorage.Int8:
                        _scales[slot] = Int8Math.Quantize(row, Int8Row(slot));
                        break;
                    case VectorStorage.Float16:
                        System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(row, HalfRow(slot));
                        break;
                }
            }
            _count = count;
            CatalogVersion = stamp.CatalogVersion;
            return stamp;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Discard();
        }
        finally { _lock.ExitWriteLock(); }

        SnapshotStamp? Discard()
        {
            ClearRows();
            return null;
        }
    }
}

/// <summary>
/// Which catalog state a saved index reflects: a change sequence number and the time the catalog recorded for that
/// change. A catalog made again from nothing reaches the same sequence numbers at other times, so a file saved from
/// another catalog (a library folder whose catalog was replaced) is told apart and not used.
/// </summary>
/// <param name="CatalogVersion">The change sequence number.</param>
/// <param name="Ticks">UTC ticks of that change's time, as the catalog stores it (0 for version 0).</param>
internal readonly record struct SnapshotStamp(long CatalogVersion, long Ticks);
