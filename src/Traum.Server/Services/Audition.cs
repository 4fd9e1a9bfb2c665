using System.Globalization;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;

namespace Traum.Server.Services;

/// <summary>How a stem is played at a project's tempo and key.</summary>
/// <param name="TempoRatio">Speed factor (project tempo ÷ the stem's); 1 plays at the stem's own tempo.</param>
/// <param name="Semitones">Pitch shift, −5…+6; 0 keeps the pitch.</param>
/// <param name="Note">Why the stem plays unstretched or unshifted although asked to ("the stem has no tempo"), else null.</param>
internal sealed record AuditionPlan(double TempoRatio, int Semitones, string? Note)
{
    /// <summary>True when the stem plays as it is.</summary>
    public bool IsIdentity => TempoRatio == 1 && Semitones == 0;
}

/// <summary>Works out the stretch and shift that take a stem to a project tempo (BPM) and key.</summary>
internal static class Audition
{
    /// <summary>Slowest project tempo accepted, BPM.</summary>
    public const double MinTempo = 20;

    /// <summary>Fastest project tempo accepted, BPM.</summary>
    public const double MaxTempo = 300;

    /// <summary>
    /// The plan for a stem with <paramref name="descriptors"/> at project tempo <paramref name="tempo"/> (BPM) and key
    /// <paramref name="key"/> ("Am", "F#", "8A"). The stem's tempo and key are the ones its name states, else the estimated ones.
    /// A stem without a tempo (a one-shot, a pad) is not stretched; one without a key is not shifted; the note says so.
    /// <paramref name="from"/> and <paramref name="fromKey"/> take the place of the stem's own tempo and key, so that every stem
    /// of a track moves by the same ratio and interval (the track's) and the stems stay together.
    /// </summary>
    /// <exception cref="InvalidInputException">The tempo or key is malformed, or the stretch is beyond <see cref="TimeStretch.MinRatio"/>…<see cref="TimeStretch.MaxRatio"/>.</exception>
    public static AuditionPlan Plan(Descriptors? descriptors, double? tempo, string? key, double? from = null, string? fromKey = null)
    {
        if (tempo is { } t && (!double.IsFinite(t) || t < MinTempo || t > MaxTempo))
        {
            throw new InvalidInputException(string.Create(CultureInfo.InvariantCulture, $"A project tempo of {t:0.##} BPM is out of range; give one between {MinTempo} and {MaxTempo} BPM."));
        }
        if (from is { } f && (!double.IsFinite(f) || f < MinTempo || f > MaxTempo))
        {
            throw new InvalidInputException(string.Create(CultureInfo.InvariantCulture, $"A stem tempo (from) of {f:0.##} BPM is out of range; give one between {MinTempo} and {MaxTempo} BPM."));
        }
        var target = string.IsNullOrWhiteSpace(key) ? null : StemFilters.ParseKey(key);
        var source = string.IsNullOrWhiteSpace(fromKey) ? null : StemFilters.ParseKey(fromKey);
        var notes = new List<string>();
        var ratio = 1.0;
        if (tempo is { } project)
        {
            if ((from ?? descriptors?.StatedBpm ?? descriptors?.Bpm) is { } own && own > 0)
            {
                ratio = project / own;
                if (ratio < TimeStretch.MinRatio || ratio > TimeStretch.MaxRatio)
                {
                    throw new InvalidInputException(string.Create(CultureInfo.InvariantCulture,
                        $"The stem is at {own:0.#} BPM; {project:0.#} BPM would stretch it {ratio:0.##}×, and stems are stretched between {TimeStretch.MinRatio}× and {TimeStretch.MaxRatio}× only; choose a project tempo between {own * TimeStretch.MinRatio:0.#} and {own * TimeStretch.MaxRatio:0.#} BPM."));
                }
                if (Math.Abs(ratio - 1) < 1e-4) ratio = 1;
            }
            else
            {
                notes.Add("the stem has no tempo, so it plays at its own speed");
            }
        }
        var semitones = 0;
        if (target is not null)
        {
            var (tonic, mode) = source is not null ? (source.Tonic, source.Mode)
                : descriptors?.StatedKey is { } stated ? (stated, descriptors.StatedMode) : (descriptors?.Key, descriptors?.Mode);
            if (KeyNames.PitchClass(tonic) is { } pc)
            {
                var toMinor = target.Mode == "minor";
                // A root without a mode (a single note) moves to the project key's tonic.
                var fromMinor = mode is null ? toMinor : mode == "minor";
                semitones = TimeStretch.ShortestShift(pc, fromMinor, KeyNames.PitchClass(target.Tonic)!.Value, toMinor);
            }
            else
            {
                notes.Add("the stem has no key, so it keeps its pitch");
            }
        }
        return new AuditionPlan(ratio, semitones, notes.Count == 0 ? null : string.Join("; ", notes));
    }
}
