using Traum.Audio;
using Traum.Core;

namespace Traum.Models.Clap;

/// <summary>
/// Checks a CLAP model folder end to end: the graphs' inputs and outputs, the tokenizer against DESIGN's goldens
/// (with the real RoBERTa vocabulary), and finite unit-length embeddings of a synthesized tone and a sentence.
/// </summary>
public static class ClapSelfCheck
{
    /// <summary>Ids of RoBERTa's vocabulary (vocab.json of the real checkpoint).</summary>
    public const int RobertaVocabularySize = 50_265;

    /// <summary>Tokenizer goldens of the real checkpoint (Hugging Face's RobertaTokenizer).</summary>
    public static IReadOnlyList<(string Text, long[] Ids)> Goldens { get; } =
    [
        ("Hello world", [0, 31414, 232, 2]),
        (" Hello world", [0, 20920, 232, 2]),
    ];

    /// <summary>Runs every check; never throws for a failed check (the result says what failed).</summary>
    public static IReadOnlyList<SelfCheckResult> Run(ClapModelFiles files, ClapOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        var results = new List<SelfCheckResult>
        {
            new("files", true, $"{files.ModelId} from {files.Origin}; preprocessor_config.json matches"),
        };
        using var embedder = new ClapEmbedder(files, options);
        try
        {
            embedder.Open();
            results.Add(new("graphs", true, $"input_features [B, 1, 1001, 64] → audio_embeds [B, {embedder.Dimension}]; input_ids [B, S] → text_embeds [B, {embedder.Dimension}]"));
        }
        catch (ModelNotFoundException e)
        {
            results.Add(new("graphs", false, e.Message));
            return results;
        }

        var vocabSize = embedder.Tokenizer.VocabularySize;
        if (vocabSize == RobertaVocabularySize)
        {
            foreach (var (text, ids) in Goldens)
            {
                var got = embedder.Tokenizer.Encode(text);
                results.Add(new($"tokenizer \"{text}\"", got.SequenceEqual(ids), $"[{string.Join(", ", got)}], expected [{string.Join(", ", ids)}]"));
            }
        }
        else
        {
            results.Add(new("tokenizer goldens", null, $"skipped: the vocabulary has {vocabSize} ids, not RoBERTa's {RobertaVocabularySize}"));
        }

        var tone = new float[ClapFeatureExtractor.SampleRate * 3];
        for (var i = 0; i < tone.Length; i++) tone[i] = (float)(0.5 * Math.Sin(2 * Math.PI * 440 * i / ClapFeatureExtractor.SampleRate));
        var audio = embedder.EmbedAudio([AudioBuffer.Mono(tone, ClapFeatureExtractor.SampleRate)], cancellationToken)[0];
        results.Add(Check("audio embedding (440 Hz tone)", audio, embedder.Dimension));
        var text2 = embedder.EmbedText(["a pure sine tone"], cancellationToken)[0];
        results.Add(Check("text embedding", text2, embedder.Dimension));
        return results;
    }

    private static SelfCheckResult Check(string name, float[] v, int dim)
    {
        var finite = v.All(float.IsFinite);
        var norm = Math.Sqrt(v.Sum(x => (double)x * x));
        var ok = finite && v.Length == dim && Math.Abs(norm - 1) < 1e-3;
        return new(name, ok, $"{v.Length}-d, {(finite ? "finite" : "NOT finite")}, L2 norm {norm:F6}");
    }
}
