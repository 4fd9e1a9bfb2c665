using System.Buffers.Binary;
using System.Globalization;

namespace Traum.Audio.IO;

/// <summary>Tempo and key a file's own tags state.</summary>
/// <param name="Bpm">Tempo (ID3 <c>TBPM</c>, Vorbis/FLAC <c>BPM</c>, MP4 <c>tmpo</c>, or an ACID chunk's tempo), or null.</param>
/// <param name="Key">Key text as written (ID3 <c>TKEY</c>, Vorbis <c>INITIALKEY</c>/<c>KEY</c>; "Am", "F#m", "8A"), or null.</param>
/// <param name="RootNote">An ACID chunk's root note as a MIDI note number (a root without a mode), or null.</param>
/// <param name="OneShot">True when an ACID chunk marks the file as a one-shot, false when as a loop, null when it does not say.</param>
public sealed record EmbeddedTags(double? Bpm, string? Key, int? RootNote, bool? OneShot)
{
    /// <summary>No tags.</summary>
    public static EmbeddedTags None { get; } = new(null, null, null, null);
}

/// <summary>
/// Reads the tempo and key a file's tags state. Tag formats are read by TagLib# (ID3v2 in MP3, AIFF and WAV, Vorbis
/// comments in FLAC and Ogg, MP4 atoms); the ACID chunk of acidized WAV files (tempo, root note, one-shot flag), which
/// TagLib# does not read, is parsed here. Unreadable or tagless files give <see cref="EmbeddedTags.None"/>: tags are
/// a hint, never a reason to refuse a file.
/// </summary>
public static class AudioTags
{
    /// <summary>The tags of <paramref name="path"/>.</summary>
    public static EmbeddedTags Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        double? bpm = null;
        string? key = null;
        try
        {
            using var file = TagLib.File.Create(path);
            var tag = file.Tag;
            if (!string.IsNullOrWhiteSpace(tag.InitialKey)) key = tag.InitialKey.Trim();
            if (file.GetTag(TagLib.TagTypes.Xiph) is TagLib.Ogg.XiphComment xiph)
            {
                if (key is null && xiph.GetFirstField("KEY") is { } k && !string.IsNullOrWhiteSpace(k)) key = k.Trim();
                if (Number(xiph.GetFirstField("BPM") ?? xiph.GetFirstField("TEMPO")) is { } xb) bpm = xb;
            }
            // ID3 TBPM as text: a fractional tempo ("127.5") does not survive the integer property.
            if (bpm is null && file.GetTag(TagLib.TagTypes.Id3v2) is TagLib.Id3v2.Tag id3
                && TagLib.Id3v2.TextInformationFrame.Get(id3, "TBPM", false) is { Text: [var t, ..] } && Number(t) is { } b)
            {
                bpm = b;
            }
            // The integer property last: the text fields above keep a fractional tempo.
            if (bpm is null && tag.BeatsPerMinute is > 0 and < 1000) bpm = tag.BeatsPerMinute;
        }
        catch (Exception e) when (e is TagLib.UnsupportedFormatException or TagLib.CorruptFileException or IOException or UnauthorizedAccessException)
        {
            // Tags are optional: a file TagLib# cannot read is decoded and described without them.
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or InvalidOperationException)
        {
            // Malformed frames inside an otherwise readable file (bad lengths, bad text encodings): no tags either.
        }
        var acid = ReadAcidChunk(path);
        return new EmbeddedTags(bpm ?? acid.Bpm, key, acid.RootNote, acid.OneShot);
    }

    private static double? Number(string? text) =>
        double.TryParse(text?.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v is > 0 and < 1000 ? v : null;

    /// <summary>
    /// The ACID chunk of a RIFF/WAVE file: flags (bit 0 one-shot, bit 1 root note set), root note (MIDI), beats, meter
    /// and tempo (32-bit float). Files without one, or not WAV, give <see cref="EmbeddedTags.None"/>.
    /// </summary>
    public static EmbeddedTags ReadAcidChunk(string path)
    {
        try
        {
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096, FileOptions.RandomAccess);
            Span<byte> head = stackalloc byte[12];
            if (s.Read(head) < 12 || !head[..4].SequenceEqual("RIFF"u8) || !head[8..12].SequenceEqual("WAVE"u8)) return EmbeddedTags.None;
            Span<byte> chunk = stackalloc byte[8];
            while (s.Position + 8 <= s.Length)
            {
                if (s.Read(chunk) < 8) break;
                var size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
                if (chunk[..4].SequenceEqual("acid"u8) && size >= 24)
                {
                    Span<byte> acid = stackalloc byte[24];
                    if (s.Read(acid) < 24) break;
                    var flags = BinaryPrimitives.ReadUInt32LittleEndian(acid);
                    var root = BinaryPrimitives.ReadUInt16LittleEndian(acid[4..]);
                    var tempo = BinaryPrimitives.ReadSingleLittleEndian(acid[20..]);
                    var oneShot = (flags & 1) != 0;
                    return new EmbeddedTags(
                        !oneShot && float.IsFinite(tempo) && tempo is > 20 and < 1000 ? Math.Round(tempo, 3) : null,
                        null,
                        (flags & 2) != 0 && root is >= 0 and <= 127 ? root : null,
                        oneShot);
                }
                if (size == 0xFFFFFFFF) break;
                s.Seek(size + (size & 1), SeekOrigin.Current);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return EmbeddedTags.None;
    }
}
