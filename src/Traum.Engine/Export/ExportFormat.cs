using Traum.Audio.IO;
using Traum.Core;

namespace Traum.Engine.Export;

/// <summary>The audio format of downloaded and exported stems.</summary>
/// <param name="Container">"wav", "flac" or "mp3" (also the file extension).</param>
/// <param name="SampleRate">Hz; null keeps each stem's own rate.</param>
/// <param name="Bits">16 or 24 (PCM), 32 (float, WAV only); null keeps the stem's depth (24 bit for 24-bit and float sources, else 16). Not for MP3.</param>
public sealed record ExportFormat(string Container = "wav", int? SampleRate = null, int? Bits = null)
{
    /// <summary>Containers that can be written.</summary>
    public static IReadOnlyList<string> Containers { get; } = ["wav", "flac", "mp3"];

    /// <summary>Lowest sample rate accepted, in Hz.</summary>
    public const int MinRate = 8000;

    /// <summary>Highest sample rate accepted, in Hz (MP3 stops at <see cref="MaxMp3Rate"/>).</summary>
    public const int MaxRate = 192_000;

    /// <summary>Highest MP3 sample rate (the MPEG-1 layer III limit), in Hz.</summary>
    public const int MaxMp3Rate = 48_000;

    /// <summary>Checks and normalises what a user typed.</summary>
    /// <exception cref="InvalidInputException">Unknown container, or a rate or depth the container cannot hold.</exception>
    public static ExportFormat Parse(string? container, int? sampleRate = null, int? bits = null)
    {
        var c = string.IsNullOrWhiteSpace(container) ? "wav" : container.Trim().TrimStart('.').ToLowerInvariant();
        if (!Containers.Contains(c)) throw new InvalidInputException($"Cannot export as '{container}'; use wav, flac or mp3.");
        if (sampleRate is { } r && (r < MinRate || r > MaxRate))
        {
            throw new InvalidInputException($"The sample rate {r} Hz is out of range; use {MinRate} to {MaxRate} Hz (e.g. 44100 or 48000).");
        }
        if (c == "mp3" && sampleRate > MaxMp3Rate) throw new InvalidInputException($"MP3 holds at most {MaxMp3Rate} Hz; use 44100 or 48000, or export as wav or flac.");
        switch (c, bits)
        {
            case (_, null):
                break;
            case ("mp3", _):
                throw new InvalidInputException("MP3 has no bit depth; leave the bits out, or export as wav or flac.");
            case ("flac", not (16 or 24)):
                throw new InvalidInputException($"FLAC holds 16 or 24 bit, not {bits}.");
            case ("wav", not (16 or 24 or 32)):
                throw new InvalidInputException($"WAV is written with 16 or 24 bit (PCM) or 32 bit (float), not {bits}.");
        }
        return new ExportFormat(c, sampleRate, bits);
    }

    /// <summary>The sample coding for a source with <paramref name="source"/>'s coding: the chosen depth, else the source's (24 bit for 24-bit and float sources, else 16).</summary>
    public SampleFormat SampleFormatFor(AudioFileInfo source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Bits switch
        {
            16 => SampleFormat.Pcm16,
            24 => SampleFormat.Pcm24,
            32 => SampleFormat.Float32,
            _ => source.BitsPerSample >= 24 || source.Codec.Contains("f32", StringComparison.Ordinal) ? SampleFormat.Pcm24 : SampleFormat.Pcm16,
        };
    }

    /// <summary>
    /// True when a file with <paramref name="source"/>'s header already is in this format (same container, and the
    /// rate and depth asked for, if any), so it can be used as it is.
    /// </summary>
    public bool IsSatisfiedBy(string sourcePath, AudioFileInfo source)
    {
        ArgumentNullException.ThrowIfNull(sourcePath);
        ArgumentNullException.ThrowIfNull(source);
        if (!Path.GetExtension(sourcePath).Equals("." + Container, StringComparison.OrdinalIgnoreCase)) return false;
        if (SampleRate is { } r && r != source.SampleRate) return false;
        var isFloat = source.Codec.Contains("f32", StringComparison.Ordinal) || source.Codec.Contains("float", StringComparison.OrdinalIgnoreCase);
        return Bits switch
        {
            null => true,
            32 => isFloat,
            var b => !isFloat && source.BitsPerSample == b,
        };
    }
}
