using System.Security.Cryptography;
using System.Text;

namespace Traum.Models.Store;

/// <summary>Checksums of files on disk, as the hub publishes them.</summary>
internal static class FileHashes
{
    private const int BufferSize = 1 << 20;

    /// <summary>Lower-case hex SHA-256 of a file; reports bytes hashed.</summary>
    public static async Task<string> Sha256Async(string path, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await FeedAsync(hash, path, progress, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// Git's blob id of a file: SHA-1 of <c>"blob {size}\0"</c> followed by the content. The hub reports it as the
    /// <c>oid</c> of files kept in git itself (small text files). SHA-1 is used only to match that published id.
    /// </summary>
    public static async Task<string> GitBlobSha1Async(string path, CancellationToken cancellationToken)
    {
#pragma warning disable CA5350 // Matches git's object id; not used for security.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
#pragma warning restore CA5350
        var size = new FileInfo(path).Length;
        hash.AppendData(Encoding.ASCII.GetBytes($"blob {size}\0"));
        await FeedAsync(hash, path, null, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task FeedAsync(IncrementalHash hash, string path, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);
        await using var fsScope = fs.ConfigureAwait(false);
        var buffer = new byte[BufferSize];
        long done = 0;
        while (true)
        {
            var n = await fs.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (n == 0) break;
            hash.AppendData(buffer, 0, n);
            done += n;
            progress?.Report(done);
        }
    }
}
