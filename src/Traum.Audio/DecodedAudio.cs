using Traum.Audio.Dsp;

namespace Traum.Audio;

/// <summary>
/// One sound decoded once, with what several analysers derive from it computed once: its mono mix, that mix at each
/// sample rate asked for, and any shared analysis (<see cref="GetOrAdd{T}"/>, for example the descriptors' frame pass
/// that the descriptor embedding reads too). Ingest makes one per stem and hands the same instance to every analyser.
/// Thread-safe; a computation that throws (or is cancelled) is not kept, so the next caller computes it again.
/// Buffers handed out are shared: callers must not change them.
/// </summary>
public sealed class DecodedAudio
{
    private readonly Lock _gate = new();
    private readonly Dictionary<object, object> _shared = [];
    private float[]? _mono;

    /// <summary>Wraps decoded audio.</summary>
    public DecodedAudio(AudioBuffer audio) => Audio = audio ?? throw new ArgumentNullException(nameof(audio));

    /// <summary>The decoded audio at its own rate and channel count.</summary>
    public AudioBuffer Audio { get; }

    /// <summary>
    /// The mean of the channels at the audio's own rate (<see cref="AudioBuffer.ToMono"/>), computed once; for mono
    /// audio its one channel itself.
    /// </summary>
    public float[] Mono()
    {
        lock (_gate)
        {
            return _mono ??= Audio.ChannelCount == 1 ? Audio.Channels[0] : Audio.ToMono();
        }
    }

    /// <summary>The mono mix resampled to <paramref name="sampleRate"/> (<see cref="Resampler"/>), computed once per rate.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sampleRate"/> is not positive.</exception>
    public float[] MonoAt(int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        var mono = Mono();
        if (sampleRate == Audio.SampleRate || mono.Length == 0) return mono;
        return GetOrAdd(new MonoKey(sampleRate), () => Resampler.Resample(mono, Audio.SampleRate, sampleRate));
    }

    /// <summary>
    /// The value kept under <paramref name="key"/>, computing it with <paramref name="create"/> on first use. Keys are
    /// compared by value, so a record of the settings an analysis depends on makes equal settings share one result.
    /// </summary>
    public T GetOrAdd<T>(object key, Func<T> create)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(create);
        lock (_gate)
        {
            if (_shared.TryGetValue(key, out var found)) return (T)found;
        }
        // Computed outside the lock so that a long analysis does not hold up the mono reads of another; two callers
        // racing for the same key both compute it and the first to finish wins (ingest runs one stem's analysers in order).
        var value = create();
        lock (_gate)
        {
            if (_shared.TryGetValue(key, out var found)) return (T)found;
            _shared[key] = value;
            return value;
        }
    }

    /// <summary>How many shared values are kept (the mono mixes per rate among them).</summary>
    public int SharedCount
    {
        get
        {
            lock (_gate)
            {
                return _shared.Count;
            }
        }
    }

    private sealed record MonoKey(int SampleRate);
}
