using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Traum.Audio;

/// <summary>
/// The identity of a sound: SHA-256 over its decoded samples, so the same audio stored as WAV, FLAC or
/// float WAV is one stem. The hashed byte stream is, in order:
/// <list type="number">
/// <item>the ASCII tag <c>traum-pcm-v1</c> and one zero byte;</item>
/// <item>the sample rate in Hz as a 32-bit little-endian integer;</item>
/// <item>the channel count as a 32-bit little-endian integer;</item>
/// <item>every sample frame in order, <b>interleaved</b> (frame-major: frame 0 channel 0, frame 0 channel 1, …),
/// each sample as IEEE-754 float32 little-endian, with −0 written as +0.</item>
/// </list>
/// Interleaving lets a streaming decoder feed the hash chunk by chunk. Including the rate and channel count
/// makes the same samples at another rate (or as mono vs. dual mono) a different sound.
/// The result is 64 lower-case hex digits.
/// </summary>
public sealed class ContentHasher : IDisposable
{
    private static readonly byte[] Tag = "traum-pcm-v1\0"u8.ToArray();
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly int _channels;
    private byte[] _scratch = new byte[64 * 1024];

    /// <param name="sampleRate">Sample rate in Hz.</param>
    /// <param name="channels">Channel count.</param>
    public ContentHasher(int sampleRate, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        _channels = channels;
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(head, sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(head[4..], channels);
        _sha.AppendData(Tag);
        _sha.AppendData(head);
    }

    /// <summary>Total sample frames appended so far.</summary>
    public long Frames { get; private set; }

    /// <summary>Appends <paramref name="count"/> frames of planar audio starting at <paramref name="offset"/>.</summary>
    /// <param name="channels">One array per channel (at least the channel count given at construction).</param>
    /// <param name="offset">First frame of <paramref name="channels"/> to append.</param>
    /// <param name="count">Number of frames to append.</param>
    public void Append(float[][] channels, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(channels);
        var framesPerBlock = _scratch.Length / (4 * _channels);
        if (framesPerBlock == 0)
        {
            _scratch = new byte[4 * _channels];
            framesPerBlock = 1;
        }
        var done = 0;
        while (done < count)
        {
            var n = Math.Min(framesPerBlock, count - done);
            var span = _scratch.AsSpan(0, n * _channels * 4);
            var k = 0;
            for (var i = 0; i < n; i++)
            {
                var frame = offset + done + i;
                for (var c = 0; c < _channels; c++)
                {
                    var v = channels[c][frame];
                    if (v == 0f) v = 0f; // −0 → +0
                    BinaryPrimitives.WriteSingleLittleEndian(span[k..], v);
                    k += 4;
                }
            }
            _sha.AppendData(span);
            done += n;
        }
        Frames += count;
    }

    /// <summary>The hash as 64 lower-case hex digits. The hasher cannot be used afterwards.</summary>
    public string Finish() => Convert.ToHexStringLower(_sha.GetHashAndReset());

    /// <summary>Hash of a whole buffer.</summary>
    public static string Of(AudioBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        using var h = new ContentHasher(buffer.SampleRate, buffer.ChannelCount);
        h.Append(buffer.Channels, 0, buffer.Length);
        return h.Finish();
    }

    /// <summary>Releases the hash state.</summary>
    public void Dispose() => _sha.Dispose();
}

/// <summary>The catalog identity of decoded audio: its content hash, its length in frames and what its header says.</summary>
/// <param name="Hash">The <see cref="ContentHasher"/> hash of the decoded samples.</param>
/// <param name="Frames">Sample frames decoded.</param>
/// <param name="Info">The file's format, rate and channels.</param>
public sealed record ContentIdentity(string Hash, long Frames, IO.AudioFileInfo Info);

/// <summary>
/// Passes a reader's blocks through unchanged while hashing them, so a pass that decodes a file for another purpose
/// (separation) also yields its catalog identity, with no second decode. <see cref="Identity"/> is set once the
/// stream has been read to its end.
/// </summary>
public sealed class HashingReader : IO.IAudioReader
{
    private readonly IO.IAudioReader _inner;
    private readonly Action<ContentIdentity>? _completed;
    private ContentHasher? _hasher;

    /// <param name="inner">The reader to pass through (disposed with this one).</param>
    /// <param name="completed">Called with the identity when the end is reached (a reader handed on to others can still report it).</param>
    public HashingReader(IO.IAudioReader inner, Action<ContentIdentity>? completed = null)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _completed = completed;
        _hasher = new ContentHasher(inner.Info.SampleRate, inner.Info.Channels);
    }

    /// <inheritdoc />
    public IO.AudioFileInfo Info => _inner.Info;

    /// <summary>The identity of everything read, once the end was reached; null before.</summary>
    public ContentIdentity? Identity { get; private set; }

    /// <inheritdoc />
    public int Read(float[][] destination, int offset, int count)
    {
        var n = _inner.Read(destination, offset, count);
        if (_hasher is { } h)
        {
            if (n > 0)
            {
                h.Append(destination, offset, n);
            }
            else
            {
                Identity = new ContentIdentity(h.Finish(), h.Frames, _inner.Info);
                h.Dispose();
                _hasher = null;
                _completed?.Invoke(Identity);
            }
        }
        return n;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _hasher?.Dispose();
        _hasher = null;
        _inner.Dispose();
    }
}
