namespace Traum.TestKit.Fixtures;

/// <summary>
/// The CLAP fixture model (tests/fixtures/clap, made by tools/clap/make_fixtures.py): tiny ONNX graphs with exactly the
/// real model's inputs and outputs, a small byte-level BPE vocabulary, and the real preprocessor_config.json. Lay it out
/// as a model folder and point <c>models:clap:path</c> (or <c>TRAUM_CLAP_MODEL</c>) at it. The graphs compute closed
/// forms (below), so tests can recompute their outputs.
/// </summary>
public static class ClapFixture
{
    /// <summary>The model id an embedder over the fixture folder reports.</summary>
    public const string ModelId = "clap:clap-fixture:fp32";

    /// <summary>Embedding length of both graphs.</summary>
    public const int Dimension = 512;

    /// <summary>Width of the text graph's last_hidden_state.</summary>
    public const int Hidden = 768;

    /// <summary>The committed fixture folder.</summary>
    public static string SourceFolder => Path.Combine(RepoRoot(), "tests", "fixtures", "clap");

    /// <summary>Copies the fixture model into <paramref name="destination"/> (created if needed) and returns it.</summary>
    public static string CreateModelFolder(string destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var src = SourceFolder;
        foreach (var file in Directory.GetFiles(src, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(src, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
        return destination;
    }

    /// <summary>Audio graph weight W[band, j] = 0.1·sin(0.37·(band+1) + 0.11·(j+1)) (stored as float32).</summary>
    public static double AudioWeight(int band, int j) => (float)(0.1 * Math.Sin((0.37 * (band + 1)) + (0.11 * (j + 1))));

    /// <summary>Audio graph bias b[j] = 0.5·cos(0.05·j) (stored as float32).</summary>
    public static double AudioBias(int j) => (float)(0.5 * Math.Cos(0.05 * j));

    /// <summary>
    /// Raw audio_embeds of one window: b[j] + Σ_band mean_frames(features[:, band])·W[band, j].
    /// <paramref name="features"/> is <c>[1001, 64]</c> row-major.
    /// </summary>
    public static double[] AudioEmbedding(ReadOnlySpan<float> features)
    {
        const int Bands = 64;
        var frames = features.Length / Bands;
        var means = new double[Bands];
        for (var t = 0; t < frames; t++)
        {
            for (var m = 0; m < Bands; m++) means[m] += features[(t * Bands) + m];
        }
        for (var m = 0; m < Bands; m++) means[m] /= frames;
        var e = new double[Dimension];
        for (var j = 0; j < Dimension; j++)
        {
            var s = AudioBias(j);
            for (var m = 0; m < Bands; m++) s += means[m] * AudioWeight(m, j);
            e[j] = s;
        }
        return e;
    }

    /// <summary>Text graph frequency U[j] = 0.01·(1 + j mod 17) + 0.001·j (float32).</summary>
    public static float TextU(int j) => (float)((0.01 * (1 + (j % 17))) + (0.001 * j));

    /// <summary>Text graph position factor V[j] = 0.3 + 0.01·(j mod 13) (float32).</summary>
    public static float TextV(int j) => (float)(0.3 + (0.01 * (j % 13)));

    /// <summary>Raw text_embeds of one id sequence: mean over positions s of sin(ids[s]·U[j] + (s+1)·V[j]), j &lt; 512.</summary>
    public static double[] TextEmbedding(IReadOnlyList<long> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var e = new double[Dimension];
        for (var j = 0; j < Dimension; j++)
        {
            double s = 0;
            for (var p = 0; p < ids.Count; p++) s += Math.Sin((double)((ids[p] * TextU(j)) + ((p + 1) * TextV(j))));
            e[j] = s / ids.Count;
        }
        return e;
    }

    /// <summary>Unit-L2 copy of <paramref name="v"/>.</summary>
    public static double[] Normalized(double[] v)
    {
        ArgumentNullException.ThrowIfNull(v);
        var n = Math.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / n).ToArray();
    }

    /// <summary>The repository root (the folder holding Traum.slnx), found upwards from the test binaries.</summary>
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Traum.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"No Traum.slnx above {AppContext.BaseDirectory}.");
    }
}
