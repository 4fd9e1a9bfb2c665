namespace Traum.Audio.Descriptors;

/// <summary>Key profiles that the chroma vector is correlated with.</summary>
public enum KeyProfile
{
    /// <summary>Krumhansl and Kessler (1982) probe-tone ratings.</summary>
    KrumhanslKessler,
    /// <summary>Temperley (1999) profiles, revised from the Kostka-Payne corpus.</summary>
    Temperley,
    /// <summary>Faraldo et al. (2016) "edma": profiles learnt from electronic dance music (as in Essentia's KeyEDM).</summary>
    Edma,
    /// <summary>Faraldo et al. (2016) "bgate": profiles from the Beatport key data set (as in Essentia's KeyEDM).</summary>
    Bgate,
}

/// <summary>
/// Settings of <see cref="DescriptorAnalyzer"/> and <see cref="DescriptorEmbedder"/>. Every default is written here once.
/// Audio is mixed to mono and resampled to <see cref="SampleRate"/> before the spectral analysis.
/// </summary>
public sealed record DescriptorOptions
{
    /// <summary>Analysis sample rate in Hz (audio is resampled to it).</summary>
    public int SampleRate { get; init; } = 22_050;

    /// <summary>FFT size and frame length in samples at the analysis rate; a power of two.</summary>
    public int FftSize { get; init; } = 2048;

    /// <summary>Hop between frames in samples at the analysis rate.</summary>
    public int Hop { get; init; } = 512;

    /// <summary>Number of mel bands (Slaney scale and norm, 0 Hz to Nyquist) for onsets and MFCCs.</summary>
    public int MelBands { get; init; } = 40;

    /// <summary>Fraction of the spectral energy below the roll-off frequency.</summary>
    public double RolloffFraction { get; init; } = 0.85;

    /// <summary>Frames quieter than the loudest frame by more than this many dB are left out of the spectral means.</summary>
    public double ActiveFrameRangeDb { get; init; } = 60;

    /// <summary>Levels (peak, RMS, LUFS) below this many dBFS (including silence) are reported as this value, so every field is finite.</summary>
    public double LevelFloorDb { get; init; } = -120;

    /// <summary>Onset peak picking: a peak must exceed the local mean by this fraction of the normalised envelope's range.</summary>
    public double OnsetDelta { get; init; } = 0.07;

    /// <summary>Lowest tempo considered, in BPM.</summary>
    public double MinBpm { get; init; } = 40;

    /// <summary>Centre of the log-normal tempo prior that picks the most likely beat, in BPM.</summary>
    public double TempoPriorBpm { get; init; } = 120;

    /// <summary>Width (standard deviation) of the log-normal tempo prior, in octaves.</summary>
    public double TempoPriorOctaves { get; init; } = 1.0;

    /// <summary>Fastest pulse (tatum) looked for, in events per minute.</summary>
    public double MaxPulseBpm { get; init; } = 360;

    /// <summary>A pulse is accepted when its periodicity is at least this fraction of the strongest one (0…1).</summary>
    public double PulseRatio { get; init; } = 0.75;

    /// <summary>Lowest reported tempo in BPM: slower pulses are doubled (half-time trap at 70 reads 140).</summary>
    public double TempoRangeMinBpm { get; init; } = 80;

    /// <summary>Reported tempos are below this many BPM: faster pulses are halved.</summary>
    public double TempoRangeMaxBpm { get; init; } = 185;

    /// <summary>
    /// Where two octaves fit the range, the faster wins when the snare band repeats every two of its beats at least this
    /// fraction (0…1) as strongly as every two beats of the slower one.
    /// </summary>
    public double BackbeatRatio { get; init; } = 0.35;

    /// <summary>Below this periodicity (0…1) the tempo is reported as null.</summary>
    public double MinTempoConfidence { get; init; } = 0.35;

    /// <summary>Audio shorter than this many seconds is always a one-shot and has no tempo.</summary>
    public double MinLoopSeconds { get; init; } = 0.75;

    /// <summary>A tempo found with at least this confidence (0…1) makes a sound a loop, whatever its attacks.</summary>
    public double LoopTempoConfidence { get; init; } = 0.6;

    /// <summary>An attack (a new event) is a frame whose energy rises at least this many dB within three frames (70 ms).</summary>
    public double AttackRiseDb { get; init; } = 9;

    /// <summary>A single event that does not decay is a one-shot up to this many seconds (a held note or Reese hit), a phrase above.</summary>
    public double MaxSustainedOneShotSeconds { get; init; } = 2.5;

    /// <summary>Key profiles for the 24-key correlation; the default is the one that scored best on the accuracy benchmark (docs/benchmarks.md).</summary>
    public KeyProfile KeyProfile { get; init; } = KeyProfile.Bgate;

    /// <summary>Below this correlation (−1…1) with the best key profile the key is reported as null.</summary>
    public double MinKeyCorrelation { get; init; } = 0.5;

    /// <summary>Below this fraction (0…1) of the power between ChromaMinHz and ChromaMaxHz in prominent spectral peaks, a sound has no key.</summary>
    public double MinTonalFraction { get; init; } = 0.2;

    /// <summary>Frame length in samples (a power of two) of the long-window spectrum the chroma is built from.</summary>
    public int ChromaFftSize { get; init; } = 8192;

    /// <summary>Lowest frequency in Hz that contributes to the chroma.</summary>
    public double ChromaMinHz { get; init; } = 50;

    /// <summary>Highest frequency in Hz that contributes to the chroma.</summary>
    public double ChromaMaxHz { get; init; } = 5_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        static void Check(bool ok, string what)
        {
            if (!ok) throw new ArgumentException($"Invalid descriptor option: {what}.");
        }

        Check(SampleRate >= 8_000, "SampleRate must be at least 8000 Hz");
        Check(FftSize >= 64 && (FftSize & (FftSize - 1)) == 0, "FftSize must be a power of two, at least 64");
        Check(Hop > 0 && Hop <= FftSize, "Hop must be between 1 and FftSize");
        Check(ChromaFftSize >= 256 && (ChromaFftSize & (ChromaFftSize - 1)) == 0, "ChromaFftSize must be a power of two, at least 256");
        Check(MelBands is >= 8 and <= 256, "MelBands must be between 8 and 256");
        Check(RolloffFraction is > 0 and < 1, "RolloffFraction must be between 0 and 1");
        Check(ActiveFrameRangeDb > 0, "ActiveFrameRangeDb must be positive");
        Check(double.IsFinite(LevelFloorDb), "LevelFloorDb must be finite");
        Check(MinBpm > 0 && TempoRangeMinBpm > MinBpm && TempoRangeMaxBpm >= 2 * TempoRangeMinBpm && MaxPulseBpm >= TempoRangeMaxBpm,
            "need 0 < MinBpm < TempoRangeMinBpm, TempoRangeMaxBpm ≥ 2 × TempoRangeMinBpm and MaxPulseBpm ≥ TempoRangeMaxBpm");
        Check(BackbeatRatio is > 0 and <= 1, "BackbeatRatio must be in (0, 1]");
        Check(TempoPriorBpm > 0 && TempoPriorOctaves > 0, "the tempo prior needs a positive centre and width");
        Check(PulseRatio is > 0 and <= 1, "PulseRatio must be in (0, 1]");
        Check(ChromaMinHz > 0 && ChromaMaxHz > ChromaMinHz && ChromaMaxHz < SampleRate / 2.0,
            "need 0 < ChromaMinHz < ChromaMaxHz < SampleRate/2");
    }
}
