using Traum.Audio;
using Traum.Audio.IO;
using Traum.Catalog;
using Traum.Core;
using Traum.Engine.Search;
using Traum.Engine.Semantic;
using Traum.Engine.Tests.Semantic;
using Traum.TestKit;

namespace Traum.Engine.Tests.Search;

/// <summary>
/// A temporary library whose stems have known embeddings: the fake audio embedders map a buffer to the vector the
/// test chose for its length in samples, so the truth of every ranking is a brute-force cosine over known vectors.
/// </summary>
internal sealed class SearchFixture : IDisposable
{
    public const int Rate = 8000;
    public const int Dim = 6;

    private readonly TempDir _dir = new("search");
    private readonly Dictionary<int, float[]> _byLength = [];
    private int _nextLength = 800;

    public SearchFixture()
    {
        Library = Library.Open(_dir.File("lib"));
        Offline = new FakeAudioEmbedder("descriptors:v1", Dim, Lookup);
        ClapAudio = new FakeAudioEmbedder("clap:fake", Dim, Lookup);
    }

    public Library Library { get; }

    public FakeAudioEmbedder Offline { get; }

    public FakeAudioEmbedder ClapAudio { get; }

    /// <summary>Known vectors of the stems, by id.</summary>
    public Dictionary<long, float[]> Vectors { get; } = [];

    public string Folder => _dir.Path;

    /// <summary>Adds a stem whose audio is a buffer of a unique length mapped to <paramref name="vector"/>.</summary>
    public Stem AddStem(float[] vector, string kind = "drums", string category = "loop", double? bpm = null, string? key = null, string? mode = null)
    {
        var audio = NewAudio(vector);
        var (file, hash) = Library.WriteStemAudio(audio);
        var stem = Library.Catalog.AddStem(new NewStem
        {
            Name = $"stem{Vectors.Count}", Kind = kind, Category = category, Origin = StemOrigin.Imported, FilePath = file,
            ContentHash = hash, SampleRate = Rate, Channels = 1, Duration = audio.Duration,
        });
        if (bpm is not null || key is not null)
        {
            Library.Catalog.SetDescriptors(stem.Id, new Descriptors
            {
                Duration = audio.Duration, PeakDb = -6, RmsDb = -12, Lufs = -14, SpectralCentroid = 1000, SpectralBandwidth = 500,
                SpectralRolloff = 2000, SpectralFlatness = 0.1, ZeroCrossingRate = 0.1, OnsetDensity = 1, Bpm = bpm, BpmConfidence = 1,
                Key = key, Mode = mode, KeyConfidence = 1, IsOneShot = false,
            });
        }
        Vectors[stem.Id] = vector;
        return stem;
    }

    /// <summary>Writes a WAV outside the library whose embedding is <paramref name="vector"/>.</summary>
    public string WriteQueryFile(float[] vector)
    {
        var path = _dir.File($"query{_nextLength}.wav");
        AudioFile.Write(path, NewAudio(vector));
        return path;
    }

    public SearchModels Models(bool clap, IReadOnlyDictionary<string, float[]>? texts = null, bool offline = true)
    {
        var prompts = PromptSet.Load(Library.Root);
        // Every prompt gets a deterministic vector unless the test chose one.
        var all = new Dictionary<string, float[]>(texts ?? new Dictionary<string, float[]>());
        var rng = new Random(99);
        foreach (var p in prompts.Families.SelectMany(f => f.Labels).SelectMany(l => l.Prompts)) all.TryAdd(p, Random(rng));
        var text = clap ? new FakeTextEmbedder("clap:fake", all) : null;
        return new SearchModels(clap ? ClapAudio : null, text, offline ? Offline : null, prompts, clap ? null : "CLAP is not installed (test)");
    }

    public static float[] Random(Random rng)
    {
        var v = new float[Dim];
        for (var i = 0; i < Dim; i++) v[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }

    public static double Cosine(float[] a, float[] b)
    {
        double d = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            d += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return d / Math.Sqrt(na * nb);
    }

    /// <summary>Ids ranked by cosine to <paramref name="query"/> (ties by id) among those <paramref name="allow"/> allows.</summary>
    public List<long> Ranked(float[] query, Func<long, bool>? allow = null) =>
        Vectors.Where(kv => allow?.Invoke(kv.Key) ?? true)
            .OrderByDescending(kv => Cosine(query, kv.Value)).ThenBy(kv => kv.Key).Select(kv => kv.Key).ToList();

    public void Dispose()
    {
        Library.Dispose();
        _dir.Dispose();
    }

    private AudioBuffer NewAudio(float[] vector)
    {
        var length = _nextLength++;
        _byLength[length] = vector;
        var samples = Signals.Sine(220 + length % 100, (length + 10.0) / Rate, Rate, 0.3);
        return AudioBuffer.Mono(samples.AsSpan(0, length), Rate);
    }

    private float[] Lookup(AudioBuffer audio) =>
        _byLength.TryGetValue(audio.Length, out var v) ? Normalised(v) : throw new InvalidOperationException($"no vector for length {audio.Length}");

    private static float[] Normalised(float[] v)
    {
        var n = (float)Math.Sqrt(v.Sum(x => (double)x * x));
        return v.Select(x => x / n).ToArray();
    }
}
