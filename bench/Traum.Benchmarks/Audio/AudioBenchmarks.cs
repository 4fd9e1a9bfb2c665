using BenchmarkDotNet.Attributes;
using Traum.Audio;
using Traum.Audio.Dsp;
using Traum.Audio.IO;
using Traum.Audio.Spectral;
using Traum.Generative.Spectral;
using Traum.TestKit;
using static TorchSharp.torch;

namespace Traum.Benchmarks.Audio;

/// <summary>Shared inputs of the audio benchmarks (deterministic signals, a temporary 4-minute WAV).</summary>
internal static class AudioBenchInputs
{
    public const double TrackSeconds = 240;

    /// <summary>Writes a 4-minute 44.1 kHz stereo 16-bit WAV of pink noise and a chord; returns its path.</summary>
    public static string WriteTrack(string dir)
    {
        var path = Path.Combine(dir, "track.wav");
        const int Sr = 44100;
        var l = Signals.PinkNoise(TrackSeconds, Sr, 0.4, seed: 1);
        var r = Signals.Chord([48, 55, 64, 67], TrackSeconds, Sr, 0.4);
        AudioFile.Write(path, new AudioBuffer([l, r], Sr), new AudioWriteOptions(SampleFormat.Pcm16));
        return path;
    }

    /// <summary>Reads a reader to its end in chunks of <paramref name="chunk"/> frames; returns the frame count.</summary>
    public static long Drain(IAudioReader reader, int chunk = 65536)
    {
        var buf = new float[reader.Info.Channels][];
        for (var c = 0; c < buf.Length; c++) buf[c] = new float[chunk];
        long total = 0;
        int n;
        while ((n = reader.Read(buf, 0, chunk)) > 0) total += n;
        return total;
    }
}

/// <summary>WAV decode and decode + resample of a 4-minute stereo track (44.1 kHz 16-bit).</summary>
[MemoryDiagnoser]
public class AudioDecodeBenchmarks
{
    private string _dir = "";
    private string _path = "";
    private AudioBuffer _track = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"traum-bench-audio-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
        _path = AudioBenchInputs.WriteTrack(_dir);
        _track = AudioFile.Read(_path);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [Benchmark(Description = "WAV decode, 4 min stereo 16-bit")]
    public long WavDecode()
    {
        using var r = AudioFile.OpenRead(_path);
        return AudioBenchInputs.Drain(r);
    }

    [Benchmark(Description = "WAV decode + resample 44.1k→48k, 4 min stereo")]
    public long DecodeAndResample()
    {
        using var r = new ResamplingReader(AudioFile.OpenRead(_path), 48000);
        return AudioBenchInputs.Drain(r);
    }

    [Benchmark(Description = "resample 44.1k→48k in memory, 4 min stereo")]
    public int Resample() => Resampler.Resample(_track, 48000).Length;
}

/// <summary>STFT, CLAP-style log-mel and Griffin-Lim.</summary>
[MemoryDiagnoser]
public class SpectralBenchmarks
{
    private float[] _tenSeconds48k = [];
    private float[] _magnitude = [];
    private int _glFrames;
    private int _glLength;
    private LogMelSpectrogram _clap = null!;
    private readonly float[] _features = new float[Traum.Models.Clap.ClapFeatureExtractor.FeaturesPerWindow];
    private static readonly StftOptions GlOptions = new(1024, 256);

    [GlobalSetup]
    public void Setup()
    {
        _tenSeconds48k = Signals.PinkNoise(10, 48000, 0.5, seed: 2);
        _clap = LogMelSpectrogram.Clap();
        var x = Signals.Chord([57, 60, 64], 4, 22050, 0.5);
        _glLength = x.Length;
        using var scope = NewDisposeScope();
        var mag = Stft.Forward(tensor(x), GlOptions).abs().contiguous();
        _glFrames = (int)mag.shape[1];
        _magnitude = mag.data<float>().ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _clap.Dispose();

    [Benchmark(Description = "CLAP log-mel features, 10 s at 48 kHz (Traum's STFT, what ingest runs)")]
    public int ClapFeatures()
    {
        Traum.Models.Clap.ClapFeatureExtractor.Instance.Compute(_tenSeconds48k, 1, _features);
        return _features.Length;
    }

    [Benchmark(Description = "STFT power 1024/480, 10 s at 48 kHz (libtorch)")]
    public int StftPower() => Stft.PowerFrames(_tenSeconds48k, new StftOptions(1024, 480), out _).Length;

    [Benchmark(Description = "CLAP log-mel: STFT 1024/480 + 64 mels + dB, 10 s at 48 kHz (libtorch, the reference)")]
    public int ClapLogMel() => _clap.Compute(_tenSeconds48k, out _).Length;

    [Benchmark(Description = "mel filterbank 48k/1024/64 (construction)")]
    public int MelBank() => MelFilterBank.Create(48000, 1024, 64, 50, 14000).Length;

    [Benchmark(Description = "Griffin-Lim 32 iterations, 4 s at 22.05 kHz, 1024/256 (Traum's STFT, what generation runs)")]
    public int GriffinLim32() => PhaseReconstruction.GriffinLim(_magnitude, _glFrames, GlOptions, _glLength, 32).Length;

    [Benchmark(Description = "Griffin-Lim 32 iterations, 4 s at 22.05 kHz, 1024/256 (Traum's STFT, one thread)")]
    public int GriffinLim32OneThread() => Traum.Audio.Spectral.GriffinLim.Reconstruct(_magnitude, _glFrames, GlOptions, _glLength, 32, threads: 1).Length;

    [Benchmark(Description = "Griffin-Lim 32 iterations, 4 s at 22.05 kHz, 1024/256 (libtorch kernel, the reference)")]
    public int GriffinLim32Torch()
    {
        using var scope = NewDisposeScope();
        var m = tensor(_magnitude, [GlOptions.Bins, _glFrames]);
        return (int)PhaseReconstruction.GriffinLim(m, GlOptions, _glLength, 32).shape[0];
    }
}
