using Traum.Audio.IO;
using Traum.Core;

namespace Traum.Server.Hosting;

/// <summary>
/// Decides whether an uploaded file is audio by its content, not its name: first the container's magic
/// bytes, then a real decode of its header (which catches corrupt and truncated files).
/// </summary>
internal static class AudioSniffer
{
    /// <summary>Container recognised from the first bytes, or null. Returns the usual extension (".wav", ".flac"…).</summary>
    public static string? Container(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WAVE"u8)) return ".wav";
        if (head.Length >= 12 && head[..4].SequenceEqual("RF64"u8) && head[8..12].SequenceEqual("WAVE"u8)) return ".wav";
        if (head.Length >= 4 && head[..4].SequenceEqual("fLaC"u8)) return ".flac";
        if (head.Length >= 4 && head[..4].SequenceEqual("OggS"u8)) return ".ogg";
        if (head.Length >= 12 && head[..4].SequenceEqual("FORM"u8) && (head[8..12].SequenceEqual("AIFF"u8) || head[8..12].SequenceEqual("AIFC"u8))) return ".aiff";
        if (head.Length >= 3 && head[..3].SequenceEqual("ID3"u8)) return ".mp3";
        if (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0 && (head[1] & 0x06) != 0) return head[1] is 0xF1 or 0xF9 ? ".aac" : ".mp3";
        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8)) return ".m4a";
        return null;
    }

    /// <summary>Checks a stored upload; returns what its header says.</summary>
    /// <param name="path">The stored upload on disk.</param>
    /// <param name="name">The client's file name, for messages only.</param>
    /// <exception cref="AudioFormatException">Unknown container ("not a supported audio format…", 415) or undecodable (422).</exception>
    public static AudioFileInfo Check(string path, string name)
    {
        Span<byte> head = stackalloc byte[16];
        int n;
        using (var fs = File.OpenRead(path)) n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (n == 0) throw new AudioFormatException(name, "the file is empty");
        if (Container(head[..n]) is null)
        {
            throw new AudioFormatException(name, "not a supported audio format (expected WAV, FLAC, MP3, Ogg, AIFF or M4A content)");
        }
        try
        {
            var info = AudioFile.Probe(path);
            if (info.Channels <= 0 || info.SampleRate <= 0) throw new AudioFormatException(name, "the file has no audio stream");
            // Decode a first block: a header alone does not prove the data is readable.
            using var reader = AudioFile.OpenRead(path);
            var block = new float[info.Channels][];
            for (var c = 0; c < block.Length; c++) block[c] = new float[4096];
            if (reader.Read(block, 0, 4096) == 0) throw new AudioFormatException(name, "the file holds no audio samples");
            return info;
        }
        catch (AudioFormatException e)
        {
            throw new AudioFormatException(name, e.Problem ?? e.Message, e);
        }
    }
}
